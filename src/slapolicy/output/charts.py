"""The report page's charts: an objective's value per period against its target (SVG), and counts per group (HTML bars);
axes with round ticks, and long series summarised into weeks or months so a bar stays wide enough to read.

SVG written here rather than a charting library inlined into the page: a few bars and a target line per
objective are a few kilobytes that draw before the first paint, where Vega-Lite would add about 1 MB of
script to parse at every open. A chart is drawn only over data: the page says in words why there is none.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

from ..i18n import _, translated
from ..kpi.periods import PERIODS, period_key
from .cells import RATES, TIMES, figure, seconds, threshold, unfinished

CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 520, 200, 64, 28, 12
STUB = 2  # a bar of value 0 still shows, as a line on the axis
LABELLED = 12  # up to this many bars each carry their value
MAX_BARS = 31  # a longer series is drawn per week, then per month, … (docs/html.md says the rule)
TIME_UNITS = (60, 3600, 86400)  # a time axis ticks in minutes, hours or days, whichever keeps its ticks whole


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def round_step(top: float, ticks: int = 5) -> float:
    """The 1-2-5 step (…, 0.2, 0.5, 1, 2, 5, 10, …) that covers `top` in at most `ticks` steps."""
    raw = top / ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def axis_ticks(measure: str, top: float) -> list[float]:
    """Round ticks from 0 to at least `top`: a rate in steps of 20 %, a time in whole minutes, hours or days."""
    if measure in RATES or measure == "availability":
        return [i / 5 for i in range(6)]
    if top <= 0:
        top = 1.0
    unit = 1.0
    if measure in TIMES:
        unit = float(next((u for u in reversed(TIME_UNITS) if top >= 2 * u), TIME_UNITS[0]))
    step = max(round_step(top / unit), 1.0 if measure in TIMES else 0.0) * unit
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def tick_text(measure: str, value: float) -> str:
    if measure in RATES or measure == "availability":
        return f"{value * 100:g}%"
    return seconds(value) if measure in TIMES else f"{value:g}"


def _start(key: str) -> dt.date:
    """The first day of a period key (2025-03-07, 2025-W10, 2025-03, 2025-Q1, 2025)."""
    if "-W" in key:
        year, week = key.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return dt.date(int(year), 3 * int(quarter) - 2, 1)
    parts = [int(p) for p in key.split("-")]
    return dt.date(parts[0], *(parts[1:] or [1]), *([1] if len(parts) < 3 else []))


def drawn_period(own: str, keys: list[str]) -> str:
    """The period a series is drawn per: its own, or the first longer one (week, month, …) in which the
    span from its first to its last period takes at most MAX_BARS bars."""
    if not keys:
        return own
    first, last = _start(min(keys)), _start(max(keys))
    days = [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]
    for period in PERIODS[PERIODS.index(own):-1]:
        if len({period_key(dt.datetime.combine(day, dt.time()), period) for day in days}) <= MAX_BARS:
            return period
    return "year"


def bucket(key: str, period: str) -> str:
    """The key of the longer `period` a period key falls in."""
    return period_key(dt.datetime.combine(_start(key), dt.time()), period)


def summarised(rows: list[dict[str, Any]], own: str, period: str) -> list[dict[str, Any]]:
    """An objective's rows per `period` (longer than its own): each bucket's worst value (lowest under a minimum,
    highest under a maximum), missed when any of its periods missed, with how many periods it holds."""
    if period == own:
        return rows
    grouped: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        grouped.setdefault(bucket(r["period"], period), []).append(r)
    worst_high = rows[0]["min"] is None  # only a maximum: the highest value is the worst
    out = []
    for key, members in sorted(grouped.items()):
        judged = [r for r in members if r["met"] is not None]
        if not judged:
            out.append({**members[0], "period": key, "value": None, "met": None, "measured": 0, "periods": len(members), "missed": 0})
            continue
        worst = max(judged, key=lambda r: (r.get("infinite", False), r["value"] or 0)) if worst_high else \
            min(judged, key=lambda r: (not r.get("infinite", False), r["value"] if r["value"] is not None else math.inf))
        out.append({**worst, "period": key, "met": all(r["met"] for r in judged), "measured": sum(r["measured"] for r in members),
                    "periods": len(judged), "missed": sum(r["met"] is False for r in judged)})
    return out


def objective_chart(objective: str, measure: str, rows: list[dict[str, Any]]) -> str:
    """Bars of one objective's value per period (green met, red missed, grey no data) against its target line;
    rows summarised per a longer period (`summarised`) show their worst value and how many periods missed."""
    limits = [v for v in (rows[0]["min"], rows[0]["max"]) if v is not None]
    values = [r["value"] for r in rows if r["value"] is not None]
    ticks = axis_ticks(measure, max([*values, *limits, 0]))
    top = ticks[-1]
    plot_w, plot_h = CHART_W - PAD_L - 8, CHART_H - PAD_B - PAD_T
    step = plot_w / max(len(rows), 1)
    fits = max(1, int(plot_w // (max(len(r["period"]) for r in rows) * 6.5 + 8)))  # labels of 11 px text side by side
    every = -(-len(rows) // fits)  # the others are left out; each bar names its period on hover

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - min(v, top) / top)

    parts = [f'<svg class="chart" role="img" data-objective="{_e(objective)}" viewBox="0 0 {CHART_W} {CHART_H}" '
             f'width="{CHART_W}" height="{CHART_H}">']
    for tick in ticks:
        parts.append(f'<line class="grid" x1="{PAD_L}" y1="{y(tick):.1f}" x2="{CHART_W - 8}" y2="{y(tick):.1f}"/>'
                     f'<text class="tick" x="{PAD_L - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_e(tick_text(measure, tick))}</text>')
    parts.append(f'<line class="axis" x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{CHART_W - 8}" y2="{PAD_T + plot_h}"/>')
    for i, r in enumerate(rows):
        x = PAD_L + i * step + step * 0.15
        label = (f'<text class="tick" x="{x + step * 0.35:.1f}" y="{CHART_H - 8}" text-anchor="middle">{_e(r["period"])}</text>'
                 if i % every == 0 else "")
        if r["value"] is None and not r.get("infinite"):
            said = _("not measured, {why}").format(why=translated(r["not_measured"])) if r.get("not_measured") else _("no data")
            parts.append(f'<rect class="bar nodata" x="{x:.1f}" y="{PAD_T + plot_h - 2}" width="{step * 0.7:.1f}" height="2">'
                         f'<title>{_e(r["period"])}: {_e(said)}</title></rect>{label}')
            continue
        state = "met" if r["met"] else "missed"
        top_y = PAD_T if r.get("infinite") else min(y(r["value"]), PAD_T + plot_h - STUB)  # ∞: the whole height
        said = _("{value} (met, {measured} measured)") if r["met"] else _("{value} (missed, {measured} measured)")
        said = said.format(value=figure(measure, r), measured=r["measured"])
        if "periods" in r:  # summarised from its own periods
            said += "; " + _("worst of {periods}, missed in {missed}").format(periods=r["periods"], missed=r["missed"])
        left = unfinished(r)
        if len(rows) <= LABELLED:  # few bars: each says its value, a 0 % stub too
            label += (f'<text class="value" x="{x + step * 0.35:.1f}" y="{max(top_y - 3, 9):.1f}" text-anchor="middle">'
                      f'{_e(figure(measure, r))}</text>')
        parts.append(f'<rect class="bar {state}" data-value="{r["value"] if r["value"] is not None else "inf"}" x="{x:.1f}" '
                     f'y="{top_y:.1f}" width="{step * 0.7:.1f}" height="{PAD_T + plot_h - top_y:.1f}"><title>{_e(r["period"])}: '
                     f'{_e(said)}{_e("; " + left if left else "")}</title></rect>{label}')
    target = _("target {target}").format(target=threshold(rows[0]))
    for limit in limits:
        parts.append(f'<line class="target" data-value="{limit}" x1="{PAD_L}" y1="{y(limit):.1f}" x2="{CHART_W - 8}" '
                     f'y2="{y(limit):.1f}"><title>{_e(target)}</title></line>')
    return "".join(parts) + "</svg>"


def count_chart(name: str, counts: dict[str, int]) -> str:
    """Horizontal bars of a count per group (breached clocks, notifications per role), the number at each bar's end:
    HTML rather than SVG, so the names keep their size on a phone while the bars take the width left."""
    most = max(counts.values(), default=0) or 1
    rows = "".join(f'<div class="hbar"><span class="name">{_e(label)}</span><span class="track"><span class="bar {_e(name)}" '
                   f'data-value="{n}" style="width: {100 * n / most:.1f}%" title="{_e(label)}: {n}"></span></span>'
                   f'<span class="n">{n}</span></div>' for label, n in counts.items())
    return f'<div class="chart counts" role="img" data-chart="{_e(name)}">{rows}</div>'

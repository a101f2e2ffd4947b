"""`report --format html` and `simulate --format html`: one self-contained page each (inline CSS,
SVG and script; a Content-Security-Policy that forbids every request), so it opens offline and
as a CI artifact.

Charts are SVG written here rather than a charting library inlined into the page: the report's
charts are a few bars and a target line per objective, which SVG says in a few kilobytes that
draw before the first paint, where Vega-Lite would add about 1 MB of script to parse on every
open. The simulate page draws each ticket's timeline only when its page of the list is shown,
from compact rows (instants as seconds after the ticket's creation, repeated texts as indexes
into one string table), so 100 000 tickets stay a list to page through, not 100 000 SVGs.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import IO, Any

from ..calendar.business import BusinessCalendar
from ..calendar.spec import CalendarSpec
from ..sim.outcome import ClockStatus, Outcome, Rejection, SubjectOutcome
from .cells import (
    METRIC_COLUMNS,
    OBJECTIVE_COLUMNS,
    RATES,
    counted,
    derived_text,
    figure,
    group_label,
    metric_cells,
    objective_cells,
    owed_tables,
    report_notes,
    report_title,
    shown,
    summary_text,
    threshold,
    unfinished,
)
from .encode import Encoder, dumps, number

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
MAX_CALENDAR_DAYS = 3700  # out-of-calendar shading covers at most ten years of a history (a choice)


def _asset(name: str) -> str:
    return resources.files("slapolicy.output").joinpath("assets", name).read_text(encoding="utf-8")


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: Any) -> str:
    """JSON that cannot end or comment out the <script> element it sits in (every `<` is written `\\u003c`, still JSON)."""
    return dumps(value).decode("utf-8").replace("<", "\\u003c")


def _head(title: str, csp: str = CSP, lang: str = "en", style: str = "") -> str:
    """The page up to its body: no request can leave it but what `csp` allows, its style inline."""
    return (f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_asset('page.css')}{style}</style></head>\n<body>\n")


END = "</body></html>\n"


def _table(columns: Iterable[str], rows: Iterable[Iterable[str]], classes: Iterable[str] = ()) -> str:
    marks = list(classes)
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join(f'<tr class="{marks[i] if i < len(marks) else ""}">' + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>"
                   for i, r in enumerate(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ---- report ------------------------------------------------------------------------------------

CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 520, 200, 64, 28, 12
STUB = 2  # a bar of value 0 still shows, as a line on the axis


def objective_chart(objective: str, measure: str, rows: list[dict[str, Any]]) -> str:
    """Bars of one objective's value per period (green met, red missed, grey no data) against its target line."""
    limits = [v for v in (rows[0]["min"], rows[0]["max"]) if v is not None]
    values = [r["value"] for r in rows if r["value"] is not None]
    top = 1.0 if measure in RATES or measure == "availability" else (max([*values, *limits, 0]) * 1.15 or 1.0)
    plot_w, plot_h = CHART_W - PAD_L - 8, CHART_H - PAD_B - PAD_T
    step = plot_w / max(len(rows), 1)
    fits = max(1, int(plot_w // (max(len(r["period"]) for r in rows) * 6.5 + 8)))  # labels of 11 px text side by side
    every = -(-len(rows) // fits)  # the others are left out; each bar names its period on hover

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - min(v, top) / top)

    parts = [f'<svg class="chart" role="img" data-objective="{_e(objective)}" viewBox="0 0 {CHART_W} {CHART_H}" '
             f'width="{CHART_W}" height="{CHART_H}">',
             f'<line class="axis" x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{CHART_W - 8}" y2="{PAD_T + plot_h}"/>']
    for tick in (0, top / 2, top):
        parts.append(f'<text class="tick" x="{PAD_L - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_e(shown(measure, tick))}</text>')
    for i, r in enumerate(rows):
        x = PAD_L + i * step + step * 0.15
        label = (f'<text class="tick" x="{x + step * 0.35:.1f}" y="{CHART_H - 8}" text-anchor="middle">{_e(r["period"])}</text>'
                 if i % every == 0 else "")
        if r["value"] is None and not r.get("infinite"):
            said = r.get("not_measured") and f"not measured, {r['not_measured']}"
            parts.append(f'<rect class="bar nodata" x="{x:.1f}" y="{PAD_T + plot_h - 2}" width="{step * 0.7:.1f}" height="2">'
                         f'<title>{_e(r["period"])}: {_e(said or "no data")}</title></rect>{label}')
            continue
        state = "met" if r["met"] else "missed"
        top_y = PAD_T if r.get("infinite") else min(y(r["value"]), PAD_T + plot_h - STUB)  # ∞: the whole height
        left = unfinished(r)
        parts.append(f'<rect class="bar {state}" data-value="{r["value"] if r["value"] is not None else "inf"}" x="{x:.1f}" '
                     f'y="{top_y:.1f}" width="{step * 0.7:.1f}" height="{PAD_T + plot_h - top_y:.1f}"><title>{_e(r["period"])}: '
                     f'{_e(figure(measure, r))} ({state}, {r["measured"]} measured{_e("; " + left if left else "")})</title></rect>{label}')
    for limit in limits:
        parts.append(f'<line class="target" data-value="{limit}" x1="{PAD_L}" y1="{y(limit):.1f}" x2="{CHART_W - 8}" '
                     f'y2="{y(limit):.1f}"><title>target {_e(threshold(rows[0]))}</title></line>')
    return "".join(parts) + "</svg>"


def count_chart(name: str, counts: dict[str, int]) -> str:
    """Horizontal bars: a count per group (breached clocks, escalations) with the number at the bar's end."""
    row_h, label_w = 22, 260
    most = max(counts.values(), default=0) or 1
    height = row_h * len(counts) + 8
    parts = [f'<svg class="chart counts" role="img" data-chart="{_e(name)}" viewBox="0 0 {CHART_W} {height}" '
             f'width="{CHART_W}" height="{height}">']
    for i, (label, n) in enumerate(counts.items()):
        y = 4 + i * row_h
        w = (CHART_W - label_w - 60) * n / most
        parts.append(f'<text class="tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(label)}</text>'
                     f'<rect class="bar {name}" data-value="{n}" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}">'
                     f'<title>{_e(label)}: {n}</title></rect><text class="tick" x="{label_w + w + 4:.1f}" y="{y + 15}">{n}</text>')
    return "".join(parts) + "</svg>"


def _cards(doc: dict[str, Any]) -> str:
    verdicts = [r["met"] for r in doc["objectives_at_period"]]
    breached = sum(m.get("breached", 0) for g in doc["groups"] for m in g["metrics"].values())  # none where not measured
    escalated = sum(sum(g["escalations"].values()) for g in doc["groups"])
    s = doc["summary"]
    cards = [("tickets", s["tickets"], ""), ("simulated", s["simulated"], ""), ("rejected", s["rejected"], "bad" if s["rejected"] else ""),
             ("objectives met", f"{verdicts.count(True)} of {len(verdicts)}", "bad" if False in verdicts else "good"),
             ("clocks breached", breached, "bad" if breached else "good"), ("escalations", escalated, "")]
    return card_row(cards)


def card_row(cards: Iterable[tuple[str, Any, str]]) -> str:
    """KPI cards: (label, value, class: "bad", "good" or "")."""
    return '<div class="cards">' + "".join(f'<div class="card {c}"><div class="value">{_e(v)}</div><div class="label">{_e(k)}</div></div>'
                                           for k, v, c in cards) + "</div>"


def tables_page(title: str, lead: str, cards: str, sections: Iterable[tuple[str, Sequence[str], list[list[str]], bool]]) -> str:
    """A page of tables (`whatif`): a lead paragraph, cards, each table under its heading (folded ones in <details>);
    a table wider than a phone scrolls inside its box, never the page."""
    body = [f"<h1>{_e(title)}</h1><p>{_e(lead)}</p>{cards}"]
    for heading, columns, rows, folded in sections:
        if rows:
            table = f'<div class="wide">{_table(columns, rows)}</div>'
            body.append(f"<details><summary>{_e(heading)}</summary>{table}</details>" if folded else f"<h2>{_e(heading)}</h2>{table}")
    return _head(title, style=".wide { overflow-x: auto; } details { margin: 16px 0; } summary { font-weight: 600; }") \
        + "\n".join(body) + "\n" + END


def report_page(doc: dict[str, Any], out: IO[str]) -> None:
    """The report as a page: KPI cards, a chart per objective against its target, breaches and
    escalations per group, the objectives, every group's metrics, findings and the ledger."""
    title = f"Service quality report — {report_title(doc)}"
    body = [f"<h1>{_e(title)}</h1>", f"<p>{_e(summary_text(doc))}.</p>"]
    if doc["partial"]:
        body.append('<p class="partial">Partial: the run was interrupted.</p>')
    body += [f"<p class=\"note\">{_e(n)}</p>" for n in report_notes(doc)]
    body.append(_cards(doc))
    body.append(f"<h2>Objectives per {_e(doc['period'])}</h2><div class=\"charts\">")
    by_objective: dict[tuple[str, str], list[dict[str, Any]]] = {}  # a chart per objective of each version
    for row in doc["objectives"]:
        by_objective.setdefault((row["objective"], row["version"]), []).append(row)
    own = {r["objective"]: r["own_period"] for r in doc["objectives_at_period"]}
    for (name, version), rows in by_objective.items():
        desc = f" {rows[0]['description']}" if rows[0].get("description") else ""
        under = f" under {version}" if len(doc["versions"]) > 1 else ""
        body.append(f'<figure><figcaption>{_e(name + desc)} ({_e(rows[0]["measure"])} per {_e(own.get(name, ""))}, '
                    f'target {_e(threshold(rows[0]))}{_e(under)})</figcaption>{objective_chart(name, rows[0]["measure"], rows)}</figure>')
    body.append("</div>")
    cells = [objective_cells(row, doc) for row in doc["objectives_at_period"]]
    body.append(_table(OBJECTIVE_COLUMNS, [c for c, _ in cells], ["met" if m else ("missed" if m is False else "") for _, m in cells]))
    breaches: Counter[str] = Counter()
    escalations: Counter[str] = Counter()
    for g in doc["groups"]:  # summed over the periods when the report is grouped --by (severity, tier): one bar a value
        key = group_label({**g, "period": ""}, doc).strip() or g["period"]
        breaches[key] += sum(m.get("breached", 0) for m in g["metrics"].values())
        escalations[key] += sum(g["escalations"].values())
    body.append("<h2>Breached clocks and escalations " + (f"by {_e(', '.join(doc['by']))}" if doc["by"] else f"per {_e(doc['period'])}")
                + "</h2>")
    body.append(f'<div class="charts"><figure><figcaption>breached clocks</figcaption>{count_chart("breached", dict(sorted(breaches.items())))}'
                f'</figure><figure><figcaption>escalations</figcaption>{count_chart("escalations", dict(sorted(escalations.items())))}</figure></div>')
    for group in doc["groups"]:
        body.append(f"<h3>{_e(group_label(group, doc))}: {_e(counted(group))}</h3>")
        body.append(_table(METRIC_COLUMNS, [metric_cells(n, m) for n, m in group["metrics"].items()]))
        if group["escalations"]:
            body.append(f"<p>Escalations: {_e(', '.join(f'{k} × {v}' for k, v in group['escalations'].items()))}.</p>")
    findings: Counter[str] = Counter()
    for group in doc["groups"]:
        findings.update(group.get("findings", {}))
    if findings:
        body.append("<h2>Findings</h2>" + _table(("code", "count"), [(k, str(v)) for k, v in sorted(findings.items())]))
    for caption, columns, table in owed_tables(doc):
        body.append(f"<h2>{_e(caption)}</h2>" + _table(columns, table))
    out.write(_head(title) + "\n".join(body) + "\n" + END)


# ---- simulate ----------------------------------------------------------------------------------

class TimelinePage:
    """Collects outcomes as compact rows and writes the simulate page when closed.

    A row is [id, line, heading, policy, created, clocks, escalations, findings(, derived)] or, rejected,
    [id, line, errors], or, created after --as-of (no error), [id, line, why, "later"]; instants are seconds
    after `created`, texts indexes into `strings`.
    A running clock is drawn up to `as_of`, the instant the replay stopped the clocks at."""

    def __init__(self, out: IO[str], heading: Callable[[SubjectOutcome], str], as_of: float) -> None:
        self.out = out
        self.heading = heading
        self.as_of = as_of
        self.encoder = Encoder()  # the rule labels (file:line) the JSON output writes
        self.strings: dict[str, int] = {}
        self.calendars: dict[tuple[str, str, str], tuple[int, CalendarSpec]] = {}
        self.rows: list[str] = []
        self.statuses: Counter[tuple[str, str]] = Counter()
        self.escalations = 0
        self.span = (float("inf"), float("-inf"))

    def _s(self, text: str | None) -> int | None:
        if text is None:
            return None
        return self.strings.setdefault(text, len(self.strings))

    def add(self, outcome: Outcome) -> None:
        if isinstance(outcome, Rejection):
            errors = "; ".join(f"{r.code}: {r.message}" for r in outcome.reasons)
            self.rows.append(_script_json([outcome.id, outcome.line, errors, *(["later"] if outcome.not_yet_created else [])]))
            return
        policy, t0, s = outcome.policy, outcome.created, self._s

        def off(t: float | None) -> int | float | None:
            return None if t is None else number(round(t - t0, 3))

        clocks = []
        last = t0
        for c in outcome.clocks:
            key = (policy.id, policy.version, c.calendar)
            if key not in self.calendars:
                self.calendars[key] = (len(self.calendars), policy.calendars[c.calendar])
            self.statuses[(c.metric.id, c.status.value)] += 1
            instants = [c.started, c.due, c.stopped, c.cancelled, c.breached_at, c.failed]
            last = max([last, *(t for t in instants if t is not None), *(ch.at for ch in c.changes),
                        *((self.as_of,) if c.status is ClockStatus.RUNNING else ())])
            clocks.append([s(c.metric.id), c.cycle, s(c.target.text if c.target else None), self.calendars[key][0],
                           *(off(t) for t in instants), s(c.status.value), number(c.paused_seconds), s(self.encoder.rule(c.rule)),
                           [[off(ch.at), s(ch.target.text if ch.target else None), s(self.encoder.rule(ch.rule))]
                            for ch in c.changes], [[off(a), off(b)] for a, b in c.pauses]])
        escalations = [[off(e.at), s(e.step.metric), e.cycle, e.step.index, s(", ".join(e.step.notify))] for e in outcome.escalations]
        self.escalations += len(escalations)
        last = max([last, *(e.at for e in outcome.escalations)])
        self.span = (min(self.span[0], t0), max(self.span[1], last))
        derived = [s(derived_text(self.encoder.derivation(d, policy.tz))) for d in outcome.derived]
        self.rows.append(_script_json([outcome.id, outcome.line, self.heading(outcome).removeprefix(" — "),
                                       s(f"{policy.id} {policy.version}"), t0, clocks, escalations, len(outcome.findings),
                                       *([derived] if derived else [])]))

    def _calendar_data(self) -> list[dict[str, Any]]:
        """Each calendar's working intervals over the history (epoch seconds, flat), for the grey
        out-of-calendar spans; a 24x7 calendar has none to draw."""
        found = []
        first, last = self.span
        for (_, _, name), (_, spec) in sorted(self.calendars.items(), key=lambda kv: kv[1][0]):
            entry: dict[str, Any] = {"name": name, "tz": str(spec.tz), "always": spec.always, "spans": []}
            if not spec.always and first <= last:
                cal = BusinessCalendar(spec)
                day = dt.datetime.fromtimestamp(first, spec.tz).date() - dt.timedelta(days=1)
                end = min(dt.datetime.fromtimestamp(last, spec.tz).date() + dt.timedelta(days=1),
                          day + dt.timedelta(days=MAX_CALENDAR_DAYS))
                while day <= end:
                    for a, b in cal.working_intervals(day):
                        entry["spans"] += [int(a.timestamp()), int(b.timestamp())]
                    day += dt.timedelta(days=1)
            found.append(entry)
        return found

    def close(self, simulated: int, rejected: int, interrupted: bool = False, later: int = 0) -> None:
        metrics = sorted({m for m, _ in self.statuses})
        statuses = ("met", "breached", "running", "cancelled", "untimed")
        rows = [[m, *(str(self.statuses[(m, st)]) for st in statuses)] for m in metrics]
        title = "Simulated tickets"
        total = simulated + rejected + later
        counted = f"{total} tickets: {simulated} simulated, {rejected} rejected" + (f", {later} not yet created" if later else "")
        body = (f"<h1>{title}</h1><p>{_e(f'{counted}; {self.escalations} escalations')}."
                f" Times are shown in each calendar's zone.</p>"
                + (f'<p class="partial">Partial: the run was interrupted after {total} tickets.</p>' if interrupted else "")
                + _table(("metric", *statuses), rows)
                + _asset("timeline.html"))
        meta = {"strings": list(self.strings), "calendars": self._calendar_data(), "as_of": number(self.as_of)}
        self.out.write(_head(title) + body)
        self.out.write(f'<script type="application/json" id="meta">{_script_json(meta)}</script>\n'
                       '<script type="text/plain" id="tickets">\n')
        for row in self.rows:
            self.out.write(row + "\n")
        self.out.write(f"</script>\n<script>{_asset('timeline.js')}</script>\n{END}")


# ---- the live board ----------------------------------------------------------------------------

LIVE_CSP = CSP + "; connect-src 'self'"  # a served board fetches its data from where it was served, and nowhere else
BOARD_TITLES = {"zh": "SLA 实时看板", "en": "SLA live board"}


def board_page(doc: dict[str, Any], out: IO[str], lang: str = "zh", source: str | None = None, refresh: int = 30,
               at_once: bool = False) -> None:
    """The live board (`slapolicy.output.board.document`) as one page in Chinese and English: the open
    tickets by time left, what falls due within the hour and later today, today's breaches and
    escalations, filters by severity, group and assignee, each clock with its rule and clauses.

    Offline (`source` None) it draws the document it holds and requests nothing. Served, it also
    fetches `source` (a URL on its own origin that answers with the document, e.g. GET /tickets)
    every `refresh` seconds, sending the token of its address's fragment (`#token=…`) as a bearer
    token, and counts the time left down between fetches; `at_once`: it fetches as soon as it has
    loaded too (a page served without its data: `slapolicy serve`'s /board)."""
    config = {"lang": lang, "source": source, "refresh": refresh, "at_once": at_once}
    out.write(_head(BOARD_TITLES[lang], LIVE_CSP if source else CSP, lang, _asset("board.css")) + _asset("board.html")
              + f'<script type="application/json" id="board-config">{_script_json(config)}</script>\n'
              + f'<script type="application/json" id="board">{_script_json(doc)}</script>\n'
              + f"<script>{_asset('board.js')}</script>\n{END}")

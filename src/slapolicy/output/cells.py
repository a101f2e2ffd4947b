"""The cells of the report's and the what-if's tables, and the lines around them: one wording for
every format that shows them (terminal table, Markdown, CSV, HTML page), so the formats cannot drift apart."""

from __future__ import annotations

from typing import Any

from ..calendar.durations import format_seconds
from ..kpi.report import PERIODS
from . import plural

RATES = ("on_time_rate", "resolution_rate", "share", "coverage", "finding_rate")
TIMES = ("mean_time", "percentile")


def csv_safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (OWASP: prefix =, +, -, @, tab, CR with ')."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def seconds(value: float | None, exact: bool = True) -> str:
    """8m where the duration is exact; ≈4h32m (no seconds past ten minutes) where it is read from the histogram."""
    if value is None:
        return ""
    if exact:
        return format_seconds(value)
    return "≈" + format_seconds(value if value < 600 else round(value / 60) * 60)


def pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def shown(measure: str, v: float) -> str:
    """A target (or a chart's tick) in its measure's unit: 95.0%, 4h, 3.5."""
    return pct(v) if measure in RATES else (seconds(v) if measure in TIMES else f"{v:g}")


def threshold(row: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("min", "≥"), ("max", "≤")):
        v = row[key]
        if v is not None:
            parts.append(f"{sign} {shown(row['measure'], v)}")
    return " ".join(parts)


def _value(measure: str, v: float | None, exact: bool) -> str:
    if v is None:
        return "no data"
    if measure in RATES:
        return pct(v)
    return seconds(v, exact) if measure in TIMES else f"{v:.1f}"


def group_label(group: dict[str, Any], doc: dict[str, Any]) -> str:
    """2025-Q1 severity=P1 一级紧急: the group's period, kind and --by values, with the policy's names."""
    names = doc.get("value_names", {})
    values = [f"{b}={group[b]}" + (f" {names[b][group[b]]}" if group[b] in names.get(b, {}) else "") for b in doc["by"]]
    return " ".join([group["period"], *([group["kind"]] if "kind" in group else []), *values])


def named(ident: str, name: str | None) -> str:
    """An id with the policy's own name beside it: first_response 首次响应."""
    return f"{ident} {name}" if name else ident


def md_cell(text: Any) -> str:
    """Text for a Markdown table cell: no HTML, no cell breaks."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")


OBJECTIVE_COLUMNS = ("objective", "clause", "period", "value", "target", "result", "measured")
METRIC_COLUMNS = ("metric", "clocks", "met", "breached", "running", "cancelled", "on time", "median", "p90")


def verdict(row: dict[str, Any], side: dict[str, Any], period: str) -> tuple[str, str]:
    """An objective's value and result at the report's `period`: its own (`row`: measure, own_period)
    or, set for a shorter period, its worst period and how many missed (`side`: value, met, periods, missed)."""
    rolled = PERIODS.index(row["own_period"]) < PERIODS.index(period)
    value = _value(row["measure"], side["value"], "approximate" not in side)
    if side["met"] is None:
        return value, "no data"
    if not rolled:
        return value, "met" if side["met"] else "missed"
    unit = row["own_period"]
    if side["met"]:
        result = f"met in all {plural(side['periods'], unit)}" if side["periods"] > 1 else f"met in 1 {unit}"
    else:
        result = f"missed in {side['missed']} of {plural(side['periods'], unit)}"
    return f"worst {value}", result


def objective_cells(row: dict[str, Any], period: str) -> tuple[list[str], bool | None]:
    """The cells of an objective at the report's period, and whether it was met (None: no data)."""
    clause = ", ".join(row["clause"]) if isinstance(row["clause"], list) else (row["clause"] or "")
    value, result = verdict(row, row, period)
    cells = [named(row["objective"], row.get("description")), clause, row["period"] or "—", value, threshold(row), result,
             str(row["measured"])]
    return cells, row["met"]


def metric_cells(name: str, m: dict[str, Any]) -> list[str]:
    approximate = m.get("approximate", ())
    return [named(name, m.get("title")), str(m["clocks"]), str(m["met"]), str(m["breached"]), str(m["running"]),
            str(m["cancelled"]), pct(m["on_time_rate"]), seconds(m["median_seconds"], "median_seconds" not in approximate),
            seconds(m["p90_seconds"], "p90_seconds" not in approximate)]


def report_notes(doc: dict[str, Any]) -> list[str]:
    """What the marks in the report mean, said once, only when they appear."""
    notes = []
    if any(PERIODS.index(r["own_period"]) < PERIODS.index(doc["period"]) and r["value"] is not None
           for r in doc["objectives_at_period"]):
        notes.append(f"An objective set for a shorter period (a day, a month) shows its worst value in each {doc['period']} "
                     "and in how many of its periods it was missed.")
    if any("approximate" in m for g in doc["groups"] for m in g["metrics"].values()) or any(
            "approximate" in r for r in doc["objectives_at_period"]):
        notes.append("≈ marks a median or percentile read from a histogram (within 1 %); other durations are exact.")
    return notes


def counted(group: dict[str, Any]) -> str:
    """3 tickets, resolution rate 66.7% (or 3 calls, … for subjects other than tickets)."""
    return f"{plural(group['tickets'], group.get('kind', 'ticket'))}, resolution rate {pct(group['resolution_rate'])}"


def summary_text(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    later = f", {s['not_yet_created']} not yet created" if s.get("not_yet_created") else ""
    return f"{plural(s['tickets'], 'ticket')}: {s['simulated']} simulated, {s['rejected']} rejected{later}"

"""The cells of the report's and the what-if's tables, and the lines around them (and simulate's line
for a derived attribute): one wording for every format that shows them (terminal table, Markdown, CSV, HTML page), so the formats cannot drift apart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..calendar.durations import format_seconds
from ..i18n import N_, _, ngettext, pgettext, translated
from ..kpi.objectives import ObjectiveResult, ObjectiveSummary
from ..kpi.periods import PERIODS
from . import kind_text, plural, subjects_of, subjects_text, tickets_text

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


def availability_pct(value: float) -> str:
    """An availability to four decimals of a percent, cut (not rounded): 99.9749 %, never the 99.975 % it missed."""
    return f"{math.floor(round(value * 1_000_000, 3)) / 10_000:.4f}%"


def shown(measure: str, v: float) -> str:
    """A target (or a chart's tick) in its measure's unit: 95.0%, 99.9750%, 4h, 3.5."""
    if measure == "availability":
        return availability_pct(v)
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
        return _("no data")
    if measure in RATES or measure == "availability":
        return shown(measure, v)
    return seconds(v, exact) if measure in TIMES else f"{v:.1f}"


def verdict_fields(r: ObjectiveResult | ObjectiveSummary) -> dict[str, Any]:
    """An objective's value and verdict with what they rest on: a lower bound, an infinite value (subjects never
    solved), the subjects a working time could not measure to their stop, or why the history cannot measure it."""
    o = r.objective
    infinite = r.value is not None and math.isinf(r.value)
    doc: dict[str, Any] = {
        "value": None if infinite else r.value, **({"infinite": True} if infinite else {}),
        **({} if r.exact else {"approximate": True}), **({"lower_bound": True} if r.lower else {}),
        "min": o.min, "max": o.max, "met": r.met, **({} if r.settled else {"settled": False}),
    }
    if r.unmeasured:
        doc["not_measured"] = r.unmeasured
    elif o.measure in TIMES:
        u = r.unfinished
        doc.update({"open_past_target": len(u.open), "never_solved": len(u.never), "pending": u.pending})
        if u.open or u.never:
            doc["unsolved"] = {"open_past_target": list(dict.fromkeys(u.open)), "never_solved": list(dict.fromkeys(u.never))}
    return doc


def figure(measure: str, side: dict[str, Any]) -> str:
    """An objective's value as read: ≥ before a lower bound, ∞ for a figure among subjects never solved."""
    if side.get("infinite"):
        return "∞"
    value = _value(measure, side["value"], "approximate" not in side)
    return "≥" + value if side.get("lower_bound") else value


def unfinished(side: dict[str, Any]) -> str:
    """What a working time figure could not measure to its stop: 12 of 40 still open past target, 3 never
    solved, 2 pending (empty when it measured every clock to its stop)."""
    parts = []
    if side.get("open_past_target"):
        parts.append(_("{count} of {measured} still open past target").format(count=side["open_past_target"], measured=side["measured"]))
    if side.get("never_solved"):
        parts.append(_("{count} of {measured} never solved").format(count=side["never_solved"], measured=side["measured"]))
    if side.get("pending"):
        parts.append(_("{count} pending").format(count=side["pending"]))
    return ", ".join(parts)


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


OBJECTIVE_COLUMNS = (N_("objective"), N_("clause"), N_("period"), N_("value"), N_("target"), N_("result"), N_("measured"))
METRIC_COLUMNS = (N_("metric"), N_("clocks"), N_("met"), N_("breached"), N_("running"), N_("cancelled"), N_("on time"), N_("median"),
                  N_("p90"))


def objective_headings(columns: Sequence[str]) -> list[str]:
    """An objectives table's column headings in the reader's language: its target is the objective's target value
    (目标值), which the catalog tells apart from a clock's target, its time limit (时限), by the message context."""
    return [pgettext("objective", "target") if c == "target" else _(c) for c in columns]


def periods_text(n: int, unit: str) -> str:
    """3 months, 1 day: a count of periods in words."""
    words = {"day": ngettext("{count} day", "{count} days", n), "week": ngettext("{count} week", "{count} weeks", n),
             "month": ngettext("{count} month", "{count} months", n), "quarter": ngettext("{count} quarter", "{count} quarters", n),
             "year": ngettext("{count} year", "{count} years", n)}
    return words[unit].format(count=n) if unit in words else plural(n, unit)


def verdict(row: dict[str, Any], side: dict[str, Any], period: str) -> tuple[str, str]:
    """An objective's value and result at the report's `period`: its own (`row`: measure, own_period)
    or, set for a shorter period, its worst period and how many missed (`side`: value, met, periods, missed,
    and the marks of `figure` and `unfinished`)."""
    if side.get("not_measured"):
        return _("not measured"), _("not measured")
    rolled = PERIODS.index(row["own_period"]) < PERIODS.index(period)
    value = figure(row["measure"], side)
    if side["met"] is None:
        return value, _("no data")
    left = unfinished(side)
    if left:
        value = f"{value}; {left}"
    so_far = "" if side.get("settled", True) else _(" so far")
    if not rolled:
        return value, (_("met") if side["met"] else _("missed")) + so_far
    unit = row["own_period"]
    if side["met"]:
        result = _("met in all {periods}").format(periods=periods_text(side["periods"], unit)) if side["periods"] > 1 \
            else _("met in {periods}").format(periods=periods_text(1, unit))
    else:
        result = _("missed in {missed} of {periods}").format(missed=side["missed"], periods=periods_text(side["periods"], unit))
    return _("worst {value}").format(value=value), result + so_far


def objective_cells(row: dict[str, Any], doc: dict[str, Any]) -> tuple[list[str], bool | None]:
    """The cells of an objective at the report's period, and whether it was met (None: no data, not measured);
    the version it belongs to beside its period when the report covers more than one."""
    clause = ", ".join(row["clause"]) if isinstance(row["clause"], list) else (row["clause"] or "")
    value, result = verdict(row, row, doc["period"])
    period = row["period"] or "—"
    if len(doc["versions"]) > 1:
        period += f" ({row['version']})"
    cells = [named(row["objective"], row.get("description")), clause, period, value, threshold(row), result,
             str(row["measured"])]
    return cells, row["met"]


def metric_cells(name: str, m: dict[str, Any]) -> list[str]:
    if "not_measured" in m:
        return [named(name, m.get("title")), str(m["clocks"]), "", "", "", "", _("not measured"), "", ""]

    def time(key: str) -> str:
        if key in m.get("infinite", ()):
            return "∞"
        shown = seconds(m[key], key not in m.get("approximate", ()))
        return "≥" + shown if key in m.get("lower_bound", ()) else shown

    return [named(name, m.get("title")), str(m["clocks"]), str(m["met"]), str(m["breached"]), str(m["running"]),
            str(m["cancelled"]), pct(m["on_time_rate"]), time("median_seconds"), time("p90_seconds")]


def owed_tables(doc: dict[str, Any]) -> list[tuple[str, tuple[str, ...], list[list[str]]]]:
    """The report's ledger and availability as tables (title, columns, rows), for every format: the fines per payer,
    the credits per payee, and each service's availability per period."""
    tables: list[tuple[str, tuple[str, ...], list[list[str]]]] = []
    ledger = doc.get("ledger")
    if ledger:
        amount = _("amount {currency}").format(currency=ledger.get("currency", "")).strip()
        for title, direction, party, count in ((N_("Penalties"), "fine", "payer", "charges"), (N_("Service credits"), "credit", "payee", "credits")):
            rows = [[t["period"], t[party], str(t["amount"]), str(t[count])] for t in ledger["totals"] if t["direction"] == direction]
            if rows:
                tables.append((title, (N_("period"), PARTIES[party], amount, PARTIES[count]), rows))
    rows = [[a["measure"], a["period"], " / ".join(map(str, a["service"].values())),
             availability_pct(a["availability"]) + (_(" so far") if a["so_far"] else ""), seconds(a["downtime_seconds"]), str(a["interruptions"])]
            for a in doc.get("availability", ())]
    if rows:
        tables.append((N_("Availability"), (N_("measure"), N_("period"), N_("service"), N_("availability"), N_("downtime"),
                                            N_("interruptions")), rows))
    return tables


PARTIES = {"payer": N_("payer"), "payee": N_("payee"), "charges": N_("charges"), "credits": N_("credits")}


def report_notes(doc: dict[str, Any]) -> list[str]:
    """What the report cannot measure, which periods straddle versions, the rules not applied (once per cause),
    and what the marks in it mean: each said once, only when it appears."""
    notes = [_("{period} straddles versions {versions}: each version's objectives are judged over its own subjects.").format(
        period=p["period"], versions=_(" and ").join(f"{v} ({subjects_text(n)})" for v, n in p["versions"].items()))
        for p in doc.get("straddling", ())]
    rows = doc["objectives_at_period"]
    unmeasured: dict[str, dict[str, None]] = {}  # why -> what, in order
    for g in doc["groups"]:
        if "resolution_not_measured" in g:
            unmeasured.setdefault(g["resolution_not_measured"], {})[_("resolution rate")] = None
        for name, m in g["metrics"].items():
            if "not_measured" in m:
                unmeasured.setdefault(m["not_measured"], {})[named(name, m.get("title"))] = None
    for r in rows:
        if r.get("not_measured"):
            unmeasured.setdefault(r["not_measured"], {})[named(r["objective"], r.get("description"))] = None
    notes += [_("Not measured, {why}: {what}.").format(why=translated(why), what=", ".join(what)) for why, what in unmeasured.items()]
    notes += [_("Not applied on {subjects} (undecided_rule): {rule}.").format(subjects=subjects_text(r["subjects"]), rule=translated(r["rule"]))
              for r in doc.get("rules_not_applied", ())]
    if any(PERIODS.index(r["own_period"]) < PERIODS.index(doc["period"]) and r["value"] is not None for r in rows):
        notes.append(_("An objective set for a shorter period (a day, a month) shows its worst value in each {period} "
                       "and in how many of its periods it was missed.").format(period=_(doc["period"])))
    metrics = [m for g in doc["groups"] for m in g["metrics"].values()]
    if any("approximate" in m for m in metrics) or any("approximate" in r for r in rows):
        notes.append(_("≈ marks a median or percentile read from a histogram (within 1 %); other durations are exact."))
    if any("lower_bound" in m for m in metrics) or any("lower_bound" in r for r in rows):
        notes.append(_("≥ marks a lower bound: clocks still open past their target at --as-of count with their working time so far."))
    if any(r.get("settled") is False for r in rows):
        notes.append(_("A verdict marked so far could still turn as the clocks open past their target run on."))
    if any("infinite" in m for m in metrics) or any("infinite" in r for r in rows):
        notes.append(_("∞: the figure falls among clocks that ended without being solved (closed unsolved, a period missed)."))
    return notes


def counted(group: dict[str, Any], kind_name: str = "") -> str:
    """3 tickets, resolution rate 66.7% (or 3 calls, … for subjects other than tickets; `kind_name`: 3 × 服务热线来电)."""
    resolution = _("not measured") if "resolution_not_measured" in group else pct(group["resolution_rate"])
    subjects = tickets_text(group["tickets"]) if "kind" not in group else \
        f"{group['tickets']} × {kind_name}" if kind_name else kind_text(group["tickets"], group["kind"])
    return _("{subjects}, resolution rate {rate}").format(subjects=subjects, rate=resolution)


def clocks_text(n: int) -> str:
    return ngettext("{count} clock", "{count} clocks", n).format(count=n)


def points(delta: float | None) -> str:
    """A change of a rate in percentage points: +1.6 pt (empty where either side has no rate)."""
    return "" if delta is None else _("{delta} pt").format(delta=f"{delta * 100:+.1f}")


def report_title(doc: dict[str, Any]) -> str:
    """The policy, the versions the report covers and the newest one's title: after-sales 2024.1, 2025.1 软件…"""
    return " ".join(part for part in (doc["policy"], ", ".join(v["version"] for v in doc["versions"]), doc.get("title")) if part)


def summary_text(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    later = _(", {count} not yet created").format(count=s["not_yet_created"]) if s.get("not_yet_created") else ""
    kinds = {g.get("kind", "ticket") for g in doc["groups"]}  # of the subjects replayed
    return _("{tickets}: {simulated} simulated, {rejected} rejected").format(
        tickets=subjects_of(s["tickets"], kinds), simulated=s["simulated"], rejected=s["rejected"]) + later


def derived_text(d: dict[str, Any]) -> str:
    """What was derived, and why, as simulate's table and page show it: `severity P2 ← criticality High ×
    impact MEDIUM (lookups.severity); given P1`."""
    read = " × ".join(f"{k} {'?' if v is None else v}" for k, v in d["from"].items())
    settled = f"{d['attribute']} {d['value'] if d['value'] is not None else 'none'} ← {read} ({d['by']})"
    if d["derived"] is None:
        settled += ": no cell for these"
    if d["given"] is not None and d["given"] != d["derived"]:
        settled += f"; given {d['given']}" + (", which applies" if d["value"] == d["given"] and d["derived"] is not None else "")
    return settled

"""`report` output: the report document (JSON), and CSV, Markdown and a terminal table made from it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import IO, Any

from ..calendar.durations import format_seconds
from ..kpi.report import NOBODY, PERIODS, Estimate, MetricStats, Report, money, objective_results, period_key, rate, summarise
from ..policy.model import Policy
from ..sim.outcome import ClockStatus
from . import plural, rich_console, word_table
from .encode import Encoder, dumps, number, pretty
from .simulation import csv_safe

RATES = ("on_time_rate", "resolution_rate", "share", "coverage", "finding_rate")
TIMES = ("mean_time", "percentile")


def document(report: Report, policy: Policy) -> dict[str, Any]:
    """The report as JSON-ready data: groups per period (and --by attributes), objectives per their period."""
    groups = []
    for key in sorted(report.groups):
        g = report.groups[key]
        period, kind, *values = key  # kind is shown for subjects other than tickets
        entry: dict[str, Any] = {"period": period, **({"kind": kind} if kind != "ticket" else {}), **dict(zip(report.by, values))}
        entry.update({
            "tickets": g.tickets,
            "resolution_rate": rate(g.resolved, g.tickets),
            "metrics": {m: _metric(g.metrics[m], policy.metrics[m].title) for m in policy.metrics if m in g.metrics},
            "escalations": dict(sorted((f"{metric} step {step}", n) for (metric, step), n in g.escalations.items())),
        })
        if g.notices:
            entry["notices"] = dict(sorted(g.notices.items()))
        if g.findings:
            entry["findings"] = dict(sorted(g.findings.items()))
            if g.finding_clauses:
                entry["findings_by_clause"] = dict(sorted(g.finding_clauses.items()))
            if g.finding_actors:
                entry["findings_by_person"] = dict(sorted(g.finding_actors.items()))
        groups.append(entry)
    results = objective_results(report, policy.objectives)
    objectives = [
        {"objective": r.objective.id, **_described(r.objective.description), "clause": _clause(r.objective.clauses),
         "measure": r.objective.measure, "period": r.period, "value": r.value, **({} if r.exact else {"approximate": True}),
         "min": r.objective.min, "max": r.objective.max, "met": r.met, "tickets": r.tickets, "measured": r.measured}
        for r in results
    ]
    at_period = [
        {"objective": r.objective.id, **_described(r.objective.description), "clause": _clause(r.objective.clauses),
         "measure": r.objective.measure, "period": r.period or None, "own_period": r.objective.period, "value": r.value,
         **({} if r.exact else {"approximate": True}), "min": r.objective.min, "max": r.objective.max, "met": r.met,
         "measured": r.measured, "periods": r.periods, "missed": r.missed}
        for r in summarise(results, report.period)
    ]
    return {
        "policy": policy.id,
        "title": policy.title,
        "period": report.period,
        "by": list(report.by),
        **({"value_names": names} if (names := _value_names(policy, report.by)) else {}),
        "partial": report.interrupted,
        "summary": {"tickets": report.tickets, "simulated": report.simulated, "rejected": report.rejected},
        "groups": groups,
        "objectives": objectives,
        "objectives_at_period": at_period,
        **({"ledger": _ledger(report, policy)} if report.ledger else {}),
    }


def _ledger(report: Report, policy: Policy) -> dict[str, Any]:
    """Penalties per period and payer, and every charge behind them (subject, line, clause)."""
    encoder = Encoder()
    tz = policy.tz
    totals = [{"period": period, "payer": payer, "amount": money(cents), "charges": count}
              for (period, payer), (cents, count) in sorted(report.ledger.items())]
    charges = [{"period": _period_of(c.at, report, policy), "payer": c.payer or NOBODY, "at": encoder.iso(c.at, tz),
                "subject": c.subject, **({"kind": c.kind} if c.kind != "ticket" else {}), "line": c.line,
                "penalty": c.penalty, "clauses": list(c.clauses), "amount": money(c.cents), "factor": number(c.factor),
                "reason": c.reason}
               for c in sorted(report.charges, key=lambda c: (c.at, c.line, c.penalty))]
    return {**({"currency": policy.currency} if policy.currency else {}), "totals": totals, "charges": charges}


def _period_of(at: float, report: Report, policy: Policy) -> str:
    return period_key(dt.datetime.fromtimestamp(at, policy.tz), report.period)


def _clause(clauses: tuple[str, ...]) -> str | list[str] | None:
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else list(clauses)


def _described(description: str) -> dict[str, str]:
    return {"description": description} if description else {}


def _value_names(policy: Policy, by: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The policy's names of the severities and tiers a report is grouped by (P1 一级紧急)."""
    declared = {"severity": policy.severities, "tier": policy.tiers}
    return {b: {k: v.name for k, v in declared[b].items() if v.name != k} for b in by if b in declared}


def _metric(stats: MetricStats, title: str) -> dict[str, Any]:
    median, p90 = stats.time_to_stop.quantile(0.5), stats.time_to_stop.quantile(0.9)
    doc: dict[str, Any] = {
        **({"title": title} if title else {}),
        "clocks": stats.clocks,
        "met": stats.statuses[0], "breached": stats.statuses[1], "running": stats.statuses[2], "cancelled": stats.statuses[3],
        "on_time_rate": stats.on_time_rate(),
        "median_seconds": _seconds(median),
        "p90_seconds": _seconds(p90),
    }
    approximate = [k for k, e in (("median_seconds", median), ("p90_seconds", p90)) if e is not None and not e.exact]
    if approximate:
        doc["approximate"] = approximate  # within 1 % (read from the histogram); the others are exact
    if stats.count(ClockStatus.UNTIMED):
        doc["untimed"] = stats.count(ClockStatus.UNTIMED)  # measured, never met or breached
    return doc


def _seconds(found: Estimate | None) -> int | float | None:
    return None if found is None else number(found.value)


def seconds(value: float | None, exact: bool = True) -> str:
    """8m where the duration is exact; ≈4h32m (no seconds past ten minutes) where it is read from the histogram."""
    if value is None:
        return ""
    if exact:
        return format_seconds(value)
    return "≈" + format_seconds(value if value < 600 else round(value / 60) * 60)


def pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def threshold(row: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("min", "≥"), ("max", "≤")):
        v = row[key]
        if v is not None:
            shown = pct(v) if row["measure"] in RATES else (seconds(v) if row["measure"] in TIMES else f"{v:g}")
            parts.append(f"{sign} {shown}")
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
    return f"{plural(s['tickets'], 'ticket')}: {s['simulated']} simulated, {s['rejected']} rejected"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    title = f" {md_cell(doc['title'])}" if doc.get("title") else ""
    lines = [f"# Service quality report — {md_cell(doc['policy'])}{title}", ""]
    lines.append(summary_text(doc) + "." + (" **Partial: the run was interrupted.**" if doc["partial"] else ""))
    notes = report_notes(doc)
    if notes:
        lines += ["", *notes]
    lines += ["", "## Objectives", "", _row(list(OBJECTIVE_COLUMNS)), "|" + "---|" * len(OBJECTIVE_COLUMNS)]
    for row in doc["objectives_at_period"]:
        cells, met = objective_cells(row, doc["period"])
        if met is False:
            cells[5] = f"**{cells[5]}**"
        lines.append(_row([md_cell(c) for c in cells]))
    for group in doc["groups"]:
        lines += ["", f"## {md_cell(group_label(group, doc))}: {counted(group)}", "",
                  _row(list(METRIC_COLUMNS)), "|" + "---|" * len(METRIC_COLUMNS)]
        lines += [_row([md_cell(c) for c in metric_cells(name, m)]) for name, m in group["metrics"].items()]
        if group["escalations"]:
            lines += ["", "Escalations: " + md_cell(", ".join(f"{k} × {v}" for k, v in group["escalations"].items())) + "."]
        if "findings" in group:
            lines += ["", "Findings: " + md_cell(", ".join(f"{k} × {v}" for k, v in group["findings"].items())) + "."]
    if "ledger" in doc:
        currency = doc["ledger"].get("currency", "")
        lines += ["", "## Penalties", "", f"| period | payer | amount {currency} | charges |".replace("  ", " "), "|---|---|---|---|"]
        lines += [f"| {t['period']} | {md_cell(t['payer'])} | {t['amount']} | {t['charges']} |" for t in doc["ledger"]["totals"]]
    out.write("\n".join(lines) + "\n")


def csv_table(doc: dict[str, Any], out: IO[str]) -> None:
    buf = io.StringIO()
    columns = ["period", "kind", *doc["by"], "tickets", "resolution_rate", "metric", "clocks", "met", "breached", "running",
               "cancelled", "on_time_rate", "median_seconds", "p90_seconds"]
    writer = csv.DictWriter(buf, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for group in doc["groups"]:
        base = {"kind": group.get("kind", "ticket"), **{k: group[k] for k in ("period", *doc["by"], "tickets", "resolution_rate")}}
        for name, m in group["metrics"].items():
            writer.writerow({k: csv_safe(v) for k, v in {**base, "metric": name, **m}.items()})
    out.write(buf.getvalue())


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


def table(doc: dict[str, Any], out: IO[str]) -> None:
    from rich.markup import escape

    console = rich_console(out)
    console.print(f"[bold]{escape(doc['policy'])}[/] {escape(doc.get('title', ''))}".rstrip())
    console.print(escape(summary_text(doc)) + (" [bold red](partial: interrupted)[/]" if doc["partial"] else ""))
    for note in report_notes(doc):
        console.print(escape(note))
    rows, styles = [], []
    for row in doc["objectives_at_period"]:
        cells, met = objective_cells(row, doc["period"])
        rows.append(cells)
        styles.append({5: "green" if met else ("bold red" if met is False else "")})
    console.print(word_table(console.width, "objectives", OBJECTIVE_COLUMNS, rows, styles))
    columns = tuple(c for c in METRIC_COLUMNS if c != "clocks")  # met + breached + running + cancelled: 80 columns
    for group in doc["groups"]:
        title = f"{group_label(group, doc)}: {counted(group)}"
        rows = [[c for col, c in zip(METRIC_COLUMNS, metric_cells(name, m)) if col != "clocks"]
                for name, m in group["metrics"].items()]
        console.print()
        console.print(word_table(console.width, title, columns, rows, right=range(1, len(columns))) if rows else escape(title))
    if "ledger" in doc:
        console.print()
        ledger = [[t["period"], t["payer"], str(t["amount"]), str(t["charges"])] for t in doc["ledger"]["totals"]]
        console.print(word_table(console.width, f"penalties ({doc['ledger'].get('currency', 'amounts')})", ("period", "payer", "amount", "charges"),
                                 ledger, right=(2, 3)))


def write_ledger(doc: dict[str, Any], out: IO[str]) -> None:
    """Every charge as CSV: period, payer, when, subject and line, penalty and clauses, amount, factor, why."""
    buf = io.StringIO()
    columns = ["period", "payer", "at", "subject", "kind", "line", "penalty", "clauses", "amount", "factor", "reason"]
    writer = csv.DictWriter(buf, columns, lineterminator="\n")
    writer.writeheader()
    for c in doc.get("ledger", {}).get("charges", []):
        row = {**c, "kind": c.get("kind", "ticket"), "clauses": " ".join(c["clauses"])}
        writer.writerow({k: csv_safe(row[k]) for k in columns})
    out.write(buf.getvalue())


def html_page(doc: dict[str, Any], out: IO[str]) -> None:
    from .html import report_page  # html reads this module's cells

    report_page(doc, out)


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {
    "json": json_document, "csv": csv_table, "markdown": markdown, "table": table, "html": html_page,
}


def write_rejects(report: Report, out: IO[str]) -> None:
    """The rejected tickets as JSONL: line, id and every reason."""
    encoder = Encoder()
    for r in report.rejects:
        doc = encoder.rejection(r)
        out.write(dumps({"line": doc["line"], "id": doc["id"], "errors": doc["errors"]}).decode("utf-8") + "\n")

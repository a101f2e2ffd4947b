"""`report` output: the report document (JSON), and CSV, Markdown, an Excel workbook and a terminal table made from it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import IO, Any

from ..i18n import _, pgettext
from ..kpi.availability import Measured
from ..kpi.ledger import CREDIT, FINE, Ledger, settle
from ..kpi.measured import absent, metric_unmeasured
from ..kpi.objectives import ObjectiveResult, ObjectiveSummary, objective_results, summarise
from ..kpi.periods import period_key
from ..kpi.report import MetricStats, Report, rate
from ..kpi.tally import Estimate
from ..policy.model import Metric, Policy
from ..sim.outcome import ClockStatus, money
from . import rich_console, word_table
from .cells import (
    METRIC_COLUMNS,
    OBJECTIVE_COLUMNS,
    counted,
    csv_safe,
    group_label,
    md_cell,
    metric_cells,
    objective_cells,
    objective_headings,
    owed_tables,
    report_notes,
    report_title,
    summary_text,
    verdict_fields,
)
from .encode import Encoder, dumps, number, pretty
from .report_page import report_page
from .workbook import Table, write_workbook


def document(report: Report, versions: Sequence[Policy]) -> dict[str, Any]:
    """The report as JSON-ready data: groups per period (and --by attributes), each version's objectives per
    their period over its own subjects, and what the history could not measure."""
    subjects = Counter[str]()
    for (_period, version), n in report.versions.items():
        subjects[version] += n
    covered = [p for p in versions if p.version in subjects]
    newest = (covered or list(versions))[-1]
    metrics: dict[str, Metric] = {}  # each metric as the newest version covered defines it
    for p in reversed(covered or [newest]):
        for name, metric in p.metrics.items():
            metrics.setdefault(name, metric)
    unmeasured = {m: why for m, metric in metrics.items() if (why := metric_unmeasured(metric, report.event_types))}
    unresolved = absent(("resolved",), report.event_types)
    told = _notified_roles(covered or [newest])
    groups = []
    for key in sorted(report.groups):
        g = report.groups[key]
        period, kind, *values = key  # kind is shown for subjects other than tickets
        entry: dict[str, Any] = {"period": period, **({"kind": kind} if kind != "ticket" else {}), **dict(zip(report.by, values))}
        entry.update({
            "tickets": g.tickets,
            "resolution_rate": None if unresolved else rate(g.resolved, g.tickets),
            **({"resolution_not_measured": unresolved} if unresolved else {}),
            "metrics": {m: _metric(g.metrics[m], metrics[m].title, unmeasured.get(m)) for m in metrics if m in g.metrics},
            "escalations": dict(sorted((f"{metric} step {step}", n) for (metric, step), n in g.escalations.items())),
        })
        notified = Counter[str]()
        for step, n in g.escalations.items():
            for role in told.get(step, ()):
                notified[role] += n
        if notified:
            entry["notified"] = dict(sorted(notified.items()))
        if g.notices:
            entry["notices"] = dict(sorted(g.notices.items()))
        if g.findings:
            entry["findings"] = dict(sorted(g.findings.items()))
            if g.finding_clauses:
                entry["findings_by_clause"] = dict(sorted(g.finding_clauses.items()))
            if g.finding_actors:
                entry["findings_by_person"] = dict(sorted(g.finding_actors.items()))
        groups.append(entry)
    results = objective_results(report, covered)
    ledger = settle(report, covered or [newest])
    return {
        "policy": newest.id,
        "title": newest.title,
        "versions": [{"version": p.version, **({"title": p.title} if p.title else {}), "subjects": subjects[p.version]}
                     for p in covered],
        **({"straddling": straddling} if (straddling := _straddling(report)) else {}),
        "period": report.period,
        "by": list(report.by),
        **({"value_names": names} if (names := _value_names(covered or [newest], report.by)) else {}),
        **({"names": names} if (names := _names(covered or [newest], groups, results)) else {}),
        "partial": report.interrupted,
        "summary": {"tickets": report.tickets, "simulated": report.simulated, "rejected": report.rejected,
                    **({"not_yet_created": report.later} if report.later else {})},
        **({"rules_not_applied": [{"rule": why, "subjects": n} for why, n in sorted(report.undecided.items())]}
           if report.undecided else {}),
        "groups": groups,
        "objectives": [{**_verdict(r), "tickets": r.tickets, "measured": r.measured} for r in results],
        "objectives_at_period": [{**_verdict(r), "own_period": r.objective.period, "measured": r.measured,
                                  "periods": r.periods, "missed": r.missed} for r in summarise(results, report.period)],
        **({"availability": [_available(row, newest) for row in ledger.measured]} if ledger.measured else {}),
        **({"ledger": _ledger(ledger, report, newest)} if ledger.entries or ledger.not_computed else {}),
    }


def _straddling(report: Report) -> list[dict[str, Any]]:
    """The periods whose subjects were replayed under more than one version, with each version's count."""
    by_period: dict[str, dict[str, int]] = {}
    for (period, version), n in sorted(report.versions.items()):
        by_period.setdefault(period, {})[version] = n
    return [{"period": period, "versions": counts} for period, counts in by_period.items() if len(counts) > 1]


def _notified_roles(versions: Sequence[Policy]) -> dict[tuple[str, int], tuple[str, ...]]:
    """(metric, step) -> the roles that step notifies, as the newest version covered defines it."""
    return {(metric, step.index): step.notify for p in versions for metric, steps in p.escalations.items() for step in steps}


def _names(versions: Sequence[Policy], groups: list[dict[str, Any]], results: Sequence[ObjectiveResult]) -> dict[str, Any]:
    """The policy's names (and English names) of the roles the report counts notifications for and of the subjects
    other than tickets it groups or its objectives count, the newest version's first: for people, where the codes are for scripts."""
    wanted = {"roles": {r for g in groups for r in g.get("notified", ())},
              "subjects": ({r.objective.subject for r in results} | {g["kind"] for g in groups if "kind" in g}) - {"ticket"}}
    names: dict[str, dict[str, dict[str, str]]] = {}
    for policy in reversed(versions):
        for kind, declared in (("roles", policy.roles), ("subjects", policy.subjects)):
            for k in sorted(wanted[kind] & set(declared)):
                v = declared[k]
                names.setdefault(kind, {}).setdefault(k, {"name": v.name, **({"name_en": v.name_en} if v.name_en else {})})
    return names


def _verdict(r: ObjectiveResult | ObjectiveSummary) -> dict[str, Any]:
    """An objective in one period: which it is (and of which version) and its verdict (`verdict_fields`)."""
    o = r.objective
    return {"objective": o.id, "version": r.version, **_described(o.description), "clause": _clause(o.clauses),
            **({"subject": o.subject} if o.subject != "ticket" else {}),
            "measure": o.measure, **({"count": o.count or "subject"} if o.measure == "on_time_rate" else {}),
            "period": r.period or None, **verdict_fields(r)}


def _ledger(ledger: Ledger, report: Report, policy: Policy) -> dict[str, Any]:
    """What is owed per period, direction and party (fines by their payer, credits to their payee), and every charge
    and credit behind it (subject, line, clause; a credit's amount before the limits that cut it)."""
    encoder = Encoder()
    tz = policy.tz
    totals = [{"period": period, "direction": direction, PARTY[direction]: party, "amount": money(amount),
               ("charges" if direction == FINE else "credits"): count}
              for (period, direction, party), (amount, count) in sorted(ledger.totals.items())]
    lines: dict[str, list[dict[str, Any]]] = {FINE: [], CREDIT: []}
    for e in ledger.entries:
        line: dict[str, Any] = {"period": _period_of(e.at, report, policy), PARTY[e.direction]: e.party, "at": encoder.iso(e.at, tz),
                "subject": e.subject, **({"kind": e.kind} if e.kind != "ticket" else {}), "line": e.line,
                ("penalty" if e.direction == FINE else "credit"): e.rule, "clauses": list(e.clauses)}
        if e.direction == FINE:
            line.update({"amount": money(e.amount), "factor": number(e.factor)})
        else:
            line.update({"owed": money(e.owed), "amount": money(e.amount), **({"limited_by": list(e.limited_by)} if e.limited_by else {})})
        lines[e.direction].append({**line, "reason": e.reason})
    return {**({"currency": policy.currency} if policy.currency else {}), "totals": totals, "charges": lines[FINE],
            **({"credits": lines[CREDIT]} if lines[CREDIT] else {}), **({"not_computed": ledger.not_computed} if ledger.not_computed else {})}


PARTY = {FINE: "payer", CREDIT: "payee"}


def _available(row: Measured, policy: Policy) -> dict[str, Any]:
    """A service's availability in a period: the time, the downtime as counted, and the ratio (cut to 6 decimals)."""
    encoder = Encoder()
    return {"measure": row.measure.id, "version": row.version, "period": row.period, "service": row.labels,
            "from": encoder.iso(row.start, policy.tz), "to": encoder.iso(row.end, policy.tz), "seconds": number(row.total),
            "downtime_seconds": number(row.downtime), "down_seconds": number(row.raw),
            **({"excluded_seconds": number(row.excluded)} if row.excluded else {}), "interruptions": row.interruptions,
            "availability": math.floor(row.availability * 1_000_000) / 1_000_000, "so_far": row.open}


def _period_of(at: float, report: Report, policy: Policy) -> str:
    return period_key(dt.datetime.fromtimestamp(at, policy.tz), report.period)


def _clause(clauses: tuple[str, ...]) -> str | list[str] | None:
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else list(clauses)


def _described(description: str) -> dict[str, str]:
    return {"description": description} if description else {}


def _value_names(versions: Sequence[Policy], by: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The policy's names of the severities and tiers a report is grouped by (P1 一级紧急), the newest version's first."""
    names: dict[str, dict[str, str]] = {}
    for policy in reversed(versions):
        declared = {"severity": policy.severities, "tier": policy.tiers}
        for b in by:
            for k, v in declared.get(b, {}).items():
                if v.name != k:
                    names.setdefault(b, {}).setdefault(k, v.name)
    return names


def _metric(stats: MetricStats, title: str, unmeasured: str | None) -> dict[str, Any]:
    """A metric's clocks in a group; not measured (only its clocks counted, with why) when the history holds
    no event that stops it: its met and breached would say nothing."""
    doc: dict[str, Any] = {**({"title": title} if title else {}), "clocks": stats.clocks}
    if unmeasured:
        doc["not_measured"] = unmeasured
        return doc
    times = stats.time_to_stop
    median, p90 = times.quantile(0.5), times.quantile(0.9)
    doc.update({
        "met": stats.statuses[0], "breached": stats.statuses[1], "running": stats.statuses[2], "cancelled": stats.statuses[3],
        "on_time_rate": stats.on_time_rate(),
        "median_seconds": _seconds(median),
        "p90_seconds": _seconds(p90),
    })
    found = (("median_seconds", median), ("p90_seconds", p90))
    for mark, marked in (("approximate", lambda e: not e.exact), ("lower_bound", lambda e: e.lower),
                         ("infinite", lambda e: math.isinf(e.value))):
        keys = [k for k, e in found if e is not None and marked(e)]
        if keys:  # approximate: within 1 % (read from the histogram); the others are exact
            doc[mark] = keys
    if times.open:
        doc["open_past_target"] = times.open  # in the times at their working time so far
    if times.never:
        doc["never_solved"] = times.never
    if stats.count(ClockStatus.UNTIMED):
        doc["untimed"] = stats.count(ClockStatus.UNTIMED)  # measured, never met or breached
    return doc


def _seconds(found: Estimate | None) -> int | float | None:
    return None if found is None or math.isinf(found.value) else number(found.value)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _step_name(key: str) -> str:
    """A group's escalation key (`first_response step 1`, as the JSON names it) in the reader's language."""
    metric, _sep, step = key.rpartition(" step ")
    return _("{metric} step {step}").format(metric=metric, step=step)


def _counts(counted: dict[str, int], name: Callable[[str], str]) -> str:
    """`a × 2, b × 1` with the reader's list separator."""
    return pgettext("list", ", ").join(f"{name(k)} × {v}" for k, v in counted.items())


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    lines = [_("# Service quality report — {title}").format(title=md_cell(report_title(doc))), ""]
    lines.append(_("{sentence}.").format(sentence=summary_text(doc)) + (_(" **Partial: the run was interrupted.**") if doc["partial"] else ""))
    notes = report_notes(doc)
    if notes:
        lines += ["", *notes]
    lines += ["", _("## Objectives"), "", _row(objective_headings(OBJECTIVE_COLUMNS)), "|" + "---|" * len(OBJECTIVE_COLUMNS)]
    for row in doc["objectives_at_period"]:
        cells, met = objective_cells(row, doc)
        if met is False:
            cells[5] = f"**{cells[5]}**"
        lines.append(_row([md_cell(c) for c in cells]))
    for group in doc["groups"]:
        lines += ["", f"## {md_cell(group_label(group, doc))}: {counted(group)}", "",
                  _row([_(c) for c in METRIC_COLUMNS]), "|" + "---|" * len(METRIC_COLUMNS)]
        lines += [_row([md_cell(c) for c in metric_cells(name, m)]) for name, m in group["metrics"].items()]
        if group["escalations"]:
            lines += ["", md_cell(_("Escalations: {counts}.").format(counts=_counts(group["escalations"], _step_name)))]
        if "findings" in group:
            lines += ["", md_cell(_("Findings: {counts}.").format(counts=_counts(group["findings"], str)))]
    for title, columns, rows in owed_tables(doc):
        lines += ["", f"## {_(title)}", "", _row([_(c) for c in columns]), "|" + "---|" * len(columns)]
        lines += [_row([md_cell(c) for c in row]) for row in rows]
    out.write("\n".join(lines) + "\n")


def metric_rows(doc: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of the report's KPI table: a row per period (and --by values) and metric."""
    columns = ["period", "kind", *doc["by"], "tickets", "resolution_rate", "metric", "clocks", "met", "breached", "running",
               "cancelled", "on_time_rate", "median_seconds", "p90_seconds", "open_past_target", "never_solved", "not_measured"]
    rows = []
    for group in doc["groups"]:
        base = {"kind": group.get("kind", "ticket"), **{k: group[k] for k in ("period", *doc["by"], "tickets", "resolution_rate")}}
        for name, m in group["metrics"].items():
            infinite = dict.fromkeys(m.get("infinite", ()), "inf")  # a time among clocks never solved
            rows.append({**base, "metric": name, **m, **infinite})
    return columns, rows


def csv_table(doc: dict[str, Any], out: IO[str]) -> None:
    columns, rows = metric_rows(doc)
    _write_csv(columns, rows, out)


def _write_csv(columns: list[str], rows: list[dict[str, Any]], out: IO[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_safe(v) for k, v in row.items() if k in columns})
    out.write(buf.getvalue())


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


def table(doc: dict[str, Any], out: IO[str]) -> None:
    from rich.markup import escape

    console = rich_console(out)
    console.print(f"[bold]{escape(report_title(doc))}[/]")
    console.print(escape(summary_text(doc)) + (f" [bold red]{escape(_('(partial: interrupted)'))}[/]" if doc["partial"] else ""))
    for note in report_notes(doc):
        console.print(escape(note))
    rows, styles = [], []
    for row in doc["objectives_at_period"]:
        cells, met = objective_cells(row, doc)
        rows.append(cells)
        styles.append({5: "green" if met else ("bold red" if met is False else "")})
    console.print(word_table(console.width, _("objectives"), objective_headings(OBJECTIVE_COLUMNS), rows, styles))
    columns = tuple(c for c in METRIC_COLUMNS if c != "clocks")  # met + breached + running + cancelled: 80 columns
    for group in doc["groups"]:
        title = f"{group_label(group, doc)}: {counted(group)}"
        rows = [[c for col, c in zip(METRIC_COLUMNS, metric_cells(name, m)) if col != "clocks"]
                for name, m in group["metrics"].items()]
        console.print()
        console.print(word_table(console.width, title, [_(c) for c in columns], rows, right=range(1, len(columns)))
                      if rows else escape(title))
    for title, columns, rows in owed_tables(doc):
        console.print()
        console.print(word_table(console.width, _(title).lower(), [_(c) for c in columns], rows,
                                 right=range(2 if title != "Availability" else 3, len(columns))))


def ledger_rows(doc: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Every charge and credit, in time order: period, direction, who pays (a fine) or is owed (a credit), when,
    subject and line, penalty or credit and clauses, what was owed and what is paid, currency, factor, limits, why."""
    columns = ["period", "direction", "payer", "payee", "at", "subject", "kind", "line", "penalty", "credit", "clauses",
               "owed", "amount", "currency", "factor", "limited_by", "reason"]
    ledger = doc.get("ledger", {})
    rows = [{**c, "direction": FINE, "owed": c["amount"]} for c in ledger.get("charges", [])]
    rows += [{**c, "direction": CREDIT, "factor": 1} for c in ledger.get("credits", [])]
    out = []
    for row in sorted(rows, key=lambda r: (r["at"], r["line"])):
        row.update({"kind": row.get("kind", "ticket"), "clauses": " ".join(row["clauses"]), "currency": ledger.get("currency", ""),
                    "limited_by": " ".join(row.get("limited_by", ()))})
        out.append({k: row.get(k, "") for k in columns})
    return columns, out


def write_ledger(doc: dict[str, Any], out: IO[str]) -> None:
    """The ledger as CSV."""
    _write_csv(*ledger_rows(doc), out)


def ledger_workbook(doc: dict[str, Any], out: IO[str], tz: dt.tzinfo) -> None:
    """The ledger as an Excel workbook of one sheet."""
    columns, rows = ledger_rows(doc)
    write_workbook(out, [Table("ledger", columns, rows)], tz)


def report_workbook(doc: dict[str, Any], out: IO[str], tz: dt.tzinfo) -> None:
    """The report as an Excel workbook: its objectives (the table's words), its KPIs per period and metric, and its
    ledger when the policy charges penalties or owes credits."""
    objectives = [dict(zip(OBJECTIVE_COLUMNS, objective_cells(row, doc)[0])) for row in doc["objectives_at_period"]]
    tables = [Table("objectives", OBJECTIVE_COLUMNS, objectives), Table("kpis", *metric_rows(doc))]
    if doc.get("ledger"):
        tables.append(Table("ledger", *ledger_rows(doc)))
    write_workbook(out, tables, tz)


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {
    "json": json_document, "csv": csv_table, "markdown": markdown, "table": table, "html": report_page,
}


def write_rejects(report: Report, out: IO[str]) -> None:
    """The rejected tickets as JSONL: line, id and every reason."""
    encoder = Encoder()
    for r in report.rejects:
        doc = encoder.rejection(r)
        out.write(dumps({"line": doc["line"], "id": doc["id"], "errors": doc["errors"]}).decode("utf-8") + "\n")

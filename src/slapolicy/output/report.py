"""`report` output: the report document (JSON), and CSV, Markdown and a terminal table made from it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import IO, Any

from ..durations import format_seconds
from ..model import Policy
from ..outcome import ClockStatus
from ..report import NOBODY, MetricStats, Report, money, objective_results, period_key, rate
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
            "metrics": {m: _metric(g.metrics[m]) for m in policy.metrics if m in g.metrics},
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
    objectives = [
        {"objective": r.objective.id, "clause": _clause(r.objective.clauses), "measure": r.objective.measure,
         "period": r.period, "value": r.value, "min": r.objective.min, "max": r.objective.max, "met": r.met,
         "tickets": r.tickets, "measured": r.measured}
        for r in objective_results(report, policy.objectives)
    ]
    return {
        "policy": policy.id,
        "period": report.period,
        "by": list(report.by),
        "partial": report.interrupted,
        "summary": {"tickets": report.tickets, "simulated": report.simulated, "rejected": report.rejected},
        "groups": groups,
        "objectives": objectives,
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


def _metric(stats: MetricStats) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "clocks": stats.clocks,
        "met": stats.statuses[0], "breached": stats.statuses[1], "running": stats.statuses[2], "cancelled": stats.statuses[3],
        "on_time_rate": stats.on_time_rate(),
        "median_seconds": stats.time_to_stop.quantile(0.5),
        "p90_seconds": stats.time_to_stop.quantile(0.9),
    }
    if stats.count(ClockStatus.UNTIMED):
        doc["untimed"] = stats.count(ClockStatus.UNTIMED)  # measured, never met or breached
    return doc


def seconds(value: float | None) -> str:
    return "" if value is None else format_seconds(value)


def pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _threshold(row: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("min", "≥"), ("max", "≤")):
        v = row[key]
        if v is not None:
            shown = pct(v) if row["measure"] in RATES else (seconds(v) if row["measure"] in TIMES else f"{v:g}")
            parts.append(f"{sign} {shown}")
    return " ".join(parts)


def _value(row: dict[str, Any]) -> str:
    v = row["value"]
    if v is None:
        return "no data"
    if row["measure"] in RATES:
        return pct(v)
    return seconds(v) if row["measure"] in TIMES else f"{v:.1f}"


def _label(group: dict[str, Any], by: list[str]) -> str:
    return " ".join([group["period"], *([group["kind"]] if "kind" in group else []), *(f"{b}={group[b]}" for b in by)])


def md_cell(text: Any) -> str:
    """Text for a Markdown table cell: no HTML, no cell breaks."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    lines = [f"# Service quality report — {md_cell(doc['policy'])}", ""]
    s = doc["summary"]
    lines.append(f"{s['tickets']} tickets: {s['simulated']} simulated, {s['rejected']} rejected."
                 + (" **Partial: the run was interrupted.**" if doc["partial"] else ""))
    lines += ["", "## Objectives", "", "| objective | clause | period | value | target | result | measured |",
              "|---|---|---|---|---|---|---|"]
    for row in doc["objectives"]:
        clause = ", ".join(row["clause"]) if isinstance(row["clause"], list) else (row["clause"] or "")
        result = "met" if row["met"] else ("**missed**" if row["met"] is False else "no data")
        lines.append(f"| {md_cell(row['objective'])} | {clause} | {row['period']} | {_value(row)} | {_threshold(row)} "
                     f"| {result} | {row['measured']} |")
    for group in doc["groups"]:
        lines += ["", f"## {md_cell(_label(group, doc['by']))}", "",
                  f"{group['tickets']} tickets, resolution rate {pct(group['resolution_rate'])}.", "",
                  "| metric | clocks | met | breached | running | on time | median | p90 |", "|---|---|---|---|---|---|---|---|"]
        for name, m in group["metrics"].items():
            lines.append(f"| {md_cell(name)} | {m['clocks']} | {m['met']} | {m['breached']} | {m['running']} | {pct(m['on_time_rate'])} "
                         f"| {seconds(m['median_seconds'])} | {seconds(m['p90_seconds'])} |")
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
    writer = csv.DictWriter(buf, columns, lineterminator="\n")
    writer.writeheader()
    for group in doc["groups"]:
        base = {"kind": group.get("kind", "ticket"), **{k: group[k] for k in ("period", *doc["by"], "tickets", "resolution_rate")}}
        for name, m in group["metrics"].items():
            writer.writerow({k: csv_safe(v) for k, v in {**base, "metric": name, **m}.items()})
    out.write(buf.getvalue())


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


def table(doc: dict[str, Any], out: IO[str]) -> None:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out)
    s = doc["summary"]
    console.print(f"[bold]{escape(doc['policy'])}[/]: {s['tickets']} tickets, {s['simulated']} simulated, {s['rejected']} rejected"
                  + (" [bold red](partial: interrupted)[/]" if doc["partial"] else ""))
    objectives = Table(title="objectives", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("objective", "period", "value", "target", "result", "measured"):
        objectives.add_column(col)
    for row in doc["objectives"]:
        result = "[green]met[/]" if row["met"] else ("[bold red]missed[/]" if row["met"] is False else "no data")
        objectives.add_row(escape(row["objective"]), row["period"], _value(row), _threshold(row), result, str(row["measured"]))
    console.print(objectives)
    metrics = Table(title="metrics", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("group", "metric", "clocks", "on time", "breached", "median", "p90"):
        metrics.add_column(col)
    for group in doc["groups"]:
        for name, m in group["metrics"].items():
            metrics.add_row(escape(_label(group, doc["by"])), name, str(m["clocks"]), pct(m["on_time_rate"]), str(m["breached"]),
                            seconds(m["median_seconds"]), seconds(m["p90_seconds"]))
    console.print(metrics)
    if "ledger" in doc:
        ledger = Table(title=f"penalties ({doc['ledger'].get('currency', 'amounts')})", title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("period", "payer", "amount", "charges"):
            ledger.add_column(col)
        for t in doc["ledger"]["totals"]:
            ledger.add_row(t["period"], escape(t["payer"]), str(t["amount"]), str(t["charges"]))
        console.print(ledger)


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


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {
    "json": json_document, "csv": csv_table, "markdown": markdown, "table": table,
}


def write_rejects(report: Report, out: IO[str]) -> None:
    """The rejected tickets as JSONL: line, id and every reason."""
    encoder = Encoder()
    for r in report.rejects:
        doc = encoder.rejection(r)
        out.write(dumps({"line": doc["line"], "id": doc["id"], "errors": doc["errors"]}).decode("utf-8") + "\n")

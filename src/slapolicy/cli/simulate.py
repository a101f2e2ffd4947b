from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..diagnostics import InputError
from ..engine import ENGINES, EngineError, get_backend
from ..model import Policy
from ..simulate import RunSummary, simulate as run_simulation
from ..tickets import FORMATS, iter_input
from ..validate import load_versions
from ._common import fail, fail_input

CSV_COLUMNS = ("id", "status", "policy_version", "metric", "cycle", "target", "calendar", "started_at", "due_at",
               "stopped_at", "paused_seconds", "clock_status", "breached_at", "rule", "errors")


def load_policies(path: str) -> list[Policy]:
    try:
        return load_versions(path)
    except InputError as exc:
        fail_input(exc)


def parse_as_of(text: str | None, policy: Policy) -> float:
    if text is None:
        return dt.datetime.now(dt.timezone.utc).timestamp()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"--as-of '{text}' is not an ISO-8601 date-time")
    if value.tzinfo is None:
        from zoneinfo import ZoneInfo

        value = value.replace(tzinfo=ZoneInfo(policy.timezone))
    return value.timestamp()


def _short(iso: str | None) -> str:
    """03-07 17:50: fits an 80-column terminal; the year and zone are in the title and the JSON."""
    return iso[5:16].replace("T", " ") if iso else ""


def _table(results: Iterator[dict[str, Any]], explain: bool) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    styles = {"met": "green", "breached": "bold red", "running": "yellow", "cancelled": "dim"}
    for r in results:
        if r["status"] == "rejected":
            console.print(f"[bold red]{r['id'] or '?'}[/] (line {r['line']}) rejected: "
                          + "; ".join(f"{e['code']}: {e['message']}" for e in r["errors"]))
            continue
        created = r["clocks"][0]["started_at"][:4] if r["clocks"] else ""
        table = Table(title=f"{r['id']} — {r['policy']} {r['policy_version']} ({created}, times in the calendars' zones)",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
        for col in ("metric", "target", "started", "due", "stopped", "status"):
            table.add_column(col, no_wrap=col != "target", min_width=10 if col == "target" else None)
        if explain:
            table.add_column("rule", no_wrap=True)
        for c in r["clocks"]:
            metric = c["metric"] + (f" #{c['cycle']}" if c["cycle"] > 1 else "")
            target = c["target"] + ("" if c["calendar"] == "24x7" else f" ({c['calendar']})")
            row = [metric, target, _short(c["started_at"]), _short(c["due_at"]),
                   _short(c["stopped_at"] or c.get("cancelled_at")), f"[{styles[c['status']]}]{c['status']}[/]"]
            if explain:
                row.append(c["rule"] or "")
            table.add_row(*row)
        console.print(table)
        for e in r["escalations"]:
            console.print(f"  escalation {_short(e['at'])}  {e['metric']} step {e['step']} → {', '.join(e['notify'])}")


def _csv_rows(results: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for r in results:
        base = {"id": r["id"], "status": r["status"], "policy_version": r.get("policy_version", ""),
                "errors": "; ".join(f"{e['code']}: {e['message']}" for e in r["errors"])}
        if not r["clocks"]:
            yield base
        for c in r["clocks"]:
            yield {**base, **{k: c[k] for k in CSV_COLUMNS if k in c and k != "status"}, "clock_status": c["status"]}


@click.command()
@click.argument("policy", type=click.Path())
@click.argument("tickets", type=click.Path(allow_dash=True))
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]), default=None,
              help="Output (default: table on a terminal, else json).")
@click.option("--input-format", type=click.Choice(FORMATS), default=None, help="Ticket input format (default: by extension).")
@click.option("--as-of", default=None, help="Virtual 'now' (ISO-8601): clocks still running then are running or breached. Default: now.")
@click.option("--explain", is_flag=True, help="Show the rule (file:line) that set each clock's target in the table.")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Rules engine backend (default: durable where it imports, else python).")
def simulate(policy: str, tickets: str, fmt: str | None, input_format: str | None, as_of: str | None,
             explain: bool, engine: str | None) -> None:
    """Replay TICKETS against POLICY (a file or a directory of versions) in virtual time.

    Every ticket appears once in the output: simulated, or rejected with its errors.
    Exit 0 all simulated, 1 any rejected, 2 usage error or unusable policy.
    """
    policies = load_policies(policy)
    try:
        backend = get_backend(engine)
    except EngineError as exc:
        fail(str(exc))
    if tickets != "-" and not Path(tickets).is_file():
        fail(f"{tickets}: no such file")
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    summary = RunSummary()
    results = run_simulation(policies, iter_input(tickets, input_format), backend, parse_as_of(as_of, policies[-1]), summary)
    try:
        if fmt == "table":
            _table(results, explain)
        elif fmt == "jsonl":
            for r in results:
                click.echo(json.dumps(r, ensure_ascii=False))
        elif fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in _csv_rows(results):
                writer.writerow(row)
            click.echo(out.getvalue(), nl=False)
        else:
            doc: dict[str, Any] = {"tickets": list(results)}
            doc["summary"] = {"tickets": summary.simulated + summary.rejected, "simulated": summary.simulated,
                              "rejected": summary.rejected, "engine": backend.name}
            click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    except EngineError as exc:
        fail(str(exc))
    click.echo(f"{summary.simulated + summary.rejected} tickets: {summary.simulated} simulated, {summary.rejected} rejected", err=True)
    raise SystemExit(1 if summary.rejected else 0)

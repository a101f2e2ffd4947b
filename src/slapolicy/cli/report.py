from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..durations import format_seconds
from ..engine import ENGINES, EngineError
from ..replay import default_jobs, results
from ..report import PERIODS, Aggregator, to_json
from ..tickets import FORMATS
from ._common import fail
from .simulate import load_policies, parse_as_of


@contextmanager
def progress(path: str) -> Iterator[Any]:
    """A progress bar on a terminal (by bytes read), nothing when piped."""
    if not sys.stderr.isatty() or path == "-":
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("replaying", total=Path(path).stat().st_size)
        yield lambda n: bar.advance(task, n)


def _seconds(value: float | None) -> str:
    return "" if value is None else format_seconds(value)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _target(row: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("min", "≥"), ("max", "≤")):
        v = row[key]
        if v is not None:
            parts.append(f"{sign} {_pct(v) if row['measure'] in ('on_time_rate', 'resolution_rate', 'share') else (_seconds(v) if row['measure'] == 'mean_time' else f'{v:g}')}")
    return " ".join(parts)


def _value(row: dict[str, Any]) -> str:
    v = row["value"]
    if v is None:
        return "no data"
    if row["measure"] in ("on_time_rate", "resolution_rate", "share"):
        return _pct(v)
    return _seconds(v) if row["measure"] == "mean_time" else f"{v:.1f}"


def _label(group: dict[str, Any], by: list[str]) -> str:
    return " ".join([group["period"], *(f"{b}={group[b]}" for b in by)])


def render_markdown(doc: dict[str, Any]) -> str:
    out = [f"# Service quality report — {doc['policy']}", ""]
    s = doc["summary"]
    out.append(f"{s['tickets']} tickets: {s['simulated']} simulated, {s['rejected']} rejected."
               + (" **Partial: the run was interrupted.**" if doc["partial"] else ""))
    out += ["", "## Objectives", "", "| objective | clause | period | value | target | result | measured |", "|---|---|---|---|---|---|---|"]
    for row in doc["objectives"]:
        clause = ", ".join(row["clause"]) if isinstance(row["clause"], list) else (row["clause"] or "")
        result = "met" if row["met"] else ("**missed**" if row["met"] is False else "no data")
        out.append(f"| {row['objective']} | {clause} | {row['period']} | {_value(row)} | {_target(row)} | {result} | {row['measured']} |")
    for group in doc["groups"]:
        out += ["", f"## {_label(group, doc['by'])}", "",
                f"{group['tickets']} tickets, resolution rate {_pct(group['resolution_rate'])}.", "",
                "| metric | clocks | met | breached | running | on time | median | p90 |", "|---|---|---|---|---|---|---|---|"]
        for name, m in group["metrics"].items():
            out.append(f"| {name} | {m['clocks']} | {m['met']} | {m['breached']} | {m['running']} | {_pct(m['on_time_rate'])} "
                       f"| {_seconds(m['median_seconds'])} | {_seconds(m['p90_seconds'])} |")
        if group["escalations"]:
            out += ["", "Escalations: " + ", ".join(f"{k} × {v}" for k, v in group["escalations"].items()) + "."]
    return "\n".join(out) + "\n"


def render_csv(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    columns = ["period", *doc["by"], "tickets", "resolution_rate", "metric", "clocks", "met", "breached", "running",
               "cancelled", "on_time_rate", "median_seconds", "p90_seconds"]
    writer = csv.DictWriter(buf, columns, lineterminator="\n")
    writer.writeheader()
    for group in doc["groups"]:
        base = {k: group[k] for k in ("period", *doc["by"], "tickets", "resolution_rate")}
        for name, m in group["metrics"].items():
            writer.writerow({**base, "metric": name, **m})
    return buf.getvalue()


def render_table(doc: dict[str, Any]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    s = doc["summary"]
    console.print(f"[bold]{doc['policy']}[/]: {s['tickets']} tickets, {s['simulated']} simulated, {s['rejected']} rejected"
                  + (" [bold red](partial: interrupted)[/]" if doc["partial"] else ""))
    objectives = Table(title="objectives", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("objective", "period", "value", "target", "result", "measured"):
        objectives.add_column(col)
    for row in doc["objectives"]:
        result = "[green]met[/]" if row["met"] else ("[bold red]missed[/]" if row["met"] is False else "[dim]no data[/]")
        objectives.add_row(row["objective"], row["period"], _value(row), _target(row), result, str(row["measured"]))
    console.print(objectives)
    metrics = Table(title="metrics", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("group", "metric", "clocks", "on time", "breached", "median", "p90"):
        metrics.add_column(col)
    for group in doc["groups"]:
        for name, m in group["metrics"].items():
            metrics.add_row(_label(group, doc["by"]), name, str(m["clocks"]), _pct(m["on_time_rate"]), str(m["breached"]),
                            _seconds(m["median_seconds"]), _seconds(m["p90_seconds"]))
    console.print(metrics)


def replay_report(policy: str, history: str, period: str, by: tuple[str, ...], as_of: str | None, engine: str | None,
                  jobs: int | None, input_format: str | None) -> tuple[dict[str, Any], Aggregator]:
    policies = load_policies(policy)
    aggregator = Aggregator(policies, period, by)
    if history != "-" and not Path(history).is_file():
        fail(f"{history}: no such file")
    stamp = parse_as_of(as_of, policies[-1])
    try:
        with progress(history) as on_bytes:
            for result in results(policies, policy, history, input_format, engine, stamp, jobs or default_jobs(), on_bytes):
                aggregator.add(result)
    except KeyboardInterrupt:
        aggregator.report.partial = True
        click.echo("interrupted: the report covers the tickets replayed so far", err=True)
    except EngineError as exc:
        fail(str(exc))
    return to_json(aggregator.report, policies[-1]), aggregator


@click.command()
@click.argument("policy", type=click.Path())
@click.argument("history", type=click.Path(allow_dash=True))
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True, help="Group by this period of ticket creation (policy time zone).")
@click.option("--by", "by", multiple=True, help="Group by a ticket attribute too (repeatable): --by severity --by tier.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default=None,
              help="Output (default: table on a terminal, else json).")
@click.option("--as-of", default=None, help="Virtual 'now' (ISO-8601). Default: now.")
@click.option("--engine", type=click.Choice(ENGINES), default=None, help="Rules engine backend.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
@click.option("--input-format", type=click.Choice(FORMATS), default=None)
@click.option("--rejects", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write rejected tickets (line, id, errors) to this JSONL file.")
def report(policy: str, history: str, period: str, by: tuple[str, ...], fmt: str | None, as_of: str | None,
           engine: str | None, jobs: int | None, input_format: str | None, rejects: str | None) -> None:
    """Quality KPIs of a ticket HISTORY under POLICY, with its objectives met or missed.

    Exit 0 when every ticket was simulated, 1 when any was rejected, 2 on a usage error,
    130 when interrupted (the partial report is still printed, marked "partial").
    """
    doc, aggregator = replay_report(policy, history, period, by, as_of, engine, jobs, input_format)
    if rejects:
        with open(rejects, "w", encoding="utf-8") as f:
            for r in aggregator.report.rejects:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(render_csv(doc), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(doc), nl=False)
    else:
        render_table(doc)
    s = doc["summary"]
    click.echo(f"{s['tickets']} tickets: {s['simulated']} simulated, {s['rejected']} rejected", err=True)
    raise SystemExit(130 if doc["partial"] else 1 if s["rejected"] else 0)

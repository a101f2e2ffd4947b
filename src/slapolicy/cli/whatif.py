from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..diagnostics import InputError, did_you_mean
from ..engine import ENGINES, EngineError
from ..model import Policy
from ..replay import default_jobs, results
from ..report import PERIODS
from ..validate import load_policy, validate_paths
from ..whatif import compare
from ._common import fail, fail_input
from .report import _pct
from .simulate import parse_as_of


def _resolve(spec: str, search: str) -> tuple[Policy, str]:
    """A policy file, or a version id looked up among the policies under `search`."""
    if Path(spec).is_file():
        try:
            return load_policy(spec), spec
        except InputError as exc:
            fail_input(exc)
    found = [p for p in validate_paths([search]).policies if p.version == spec]
    if len(found) != 1:
        versions = sorted({p.version for p in validate_paths([search]).policies})
        reason = "is in several policies; give the file" if found else f"is no file or version under {search}{did_you_mean(spec, versions)}"
        fail(f"'{spec}' {reason}")
    return found[0], found[0].source


def _render(doc: dict[str, Any], markdown: bool) -> str:
    b, c = doc["base"], doc["candidate"]
    out = [f"# What if: {b['policy']} {b['version']} → {c['version']}" if markdown else f"{b['policy']}: {b['version']} → {c['version']}", ""]
    s = doc["summary"]
    out.append(f"{s['tickets']} tickets replayed; {s['changed_outcomes']} clocks change between met and breached; "
               f"{s['clocks_only_in_candidate']} clocks only in the candidate, {s['clocks_only_in_base']} only in the base.")
    out += ["", "| metric | base on time | candidate on time | delta | base breaches | candidate breaches |", "|---|---|---|---|---|---|"]
    for m in doc["metrics"]:
        x, y = m["base"] or {}, m["candidate"] or {}
        delta = "" if m["delta_on_time_rate"] is None else f"{m['delta_on_time_rate'] * 100:+.1f} pt"
        out.append(f"| {m['metric']} | {_pct(x.get('on_time_rate'))} | {_pct(y.get('on_time_rate'))} | {delta} "
                   f"| {x.get('breached', '')} | {y.get('breached', '')} |")
    if doc["changed"]:
        out += ["", "| ticket | metric | cycle | base | candidate | base due | candidate due |", "|---|---|---|---|---|---|---|"]
        for ch in doc["changed"]:
            out.append(f"| {ch['id']} | {ch.get('metric', '')} | {ch.get('cycle', '')} | {ch['base']} | {ch['candidate']} "
                       f"| {ch.get('base_due') or ''} | {ch.get('candidate_due') or ''} |")
    return "\n".join(out) + "\n"


@click.command()
@click.option("--base", required=True, help="Policy file, or a version id found under --in.")
@click.option("--candidate", required=True, help="Policy file, or a version id found under --in.")
@click.argument("history", type=click.Path(allow_dash=True))
@click.option("--in", "search", default="policies", show_default=True, type=click.Path(), help="Where version ids are looked up.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Changed outcomes listed.")
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "markdown"]), default=None)
@click.option("--as-of", default=None, help="Virtual 'now' (ISO-8601). Default: now.")
@click.option("--engine", type=click.Choice(ENGINES), default=None)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes per replay (default: all cores).")
def whatif(base: str, candidate: str, history: str, search: str, limit: int, period: str, fmt: str | None,
           as_of: str | None, engine: str | None, jobs: int | None) -> None:
    """Replay HISTORY under two policy versions: KPI deltas and the tickets whose outcome changes.

    Each version is applied to every ticket, whatever its effective dates.
    """
    pb, path_b = _resolve(base, search)
    pc, path_c = _resolve(candidate, search)
    if history == "-" or not Path(history).is_file():
        fail(f"{history}: give a history file (it is read twice)")
    stamp = parse_as_of(as_of, pb)
    n = jobs or default_jobs()
    try:
        pairs = zip(results([pb], path_b, history, None, engine, stamp, n, every_ticket=True),
                    results([pc], path_c, history, None, engine, stamp, n, every_ticket=True))
        doc = compare(pb, pc, pairs, period, limit)
    except EngineError as exc:
        fail(str(exc))
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2) if fmt == "json" else _render(doc, fmt == "markdown"), nl=fmt == "json")

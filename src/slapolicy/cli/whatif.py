from __future__ import annotations

from pathlib import Path

import click

from ..i18n import N_, _
from ..kpi.periods import PERIODS
from ..kpi.whatif import comparison_plan
from ..output import OutputError, choose_format, destination, exits
from ..output.whatif import FORMATTERS, counts, document
from ..rules.engine import EngineError
from ..sim.imports import ExportRefused
from ..sim.replay import Interrupted, ReplayError, default_jobs, replay
from ..validate.repository import PolicySet
from ._replay import (
    encoding_option,
    engine_name,
    engine_option,
    input_format_option,
    input_profile,
    jobs_option,
    profile_option,
    roster,
    roster_option,
    source_tz_option,
)
from ._shared import as_of, as_of_option, fail, format_option, output_option, reason, resolve_version


@click.command(help=N_("Replay HISTORY under two policy versions: KPI deltas and the tickets whose outcome changes.\n"
                        "\n"
                        "Each version is applied to every ticket, whatever its effective dates. Exit 0, or 1\n"
                        "when tickets were rejected, 2 on a usage error, 130 / 143 when interrupted."))
@click.option("--base", required=True, help=N_("Policy file, directory of versions (its newest), or a version id found under --in."))
@click.option("--candidate", required=True, help=N_("Policy file, directory of versions (its newest), or a version id found under --in."))
@click.argument("history", type=click.Path(allow_dash=True))
@click.option("--in", "search", default="policies", show_default=True, type=click.Path(), help=N_("Where version ids are looked up."))
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help=N_("Changed outcomes listed."))
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)
@format_option("whatif")
@as_of_option
@engine_option
@jobs_option
@input_format_option
@profile_option
@source_tz_option
@encoding_option
@output_option
@roster_option
def whatif(base: str, candidate: str, history: str, search: str, limit: int, period: str, fmt: str | None,
           as_of_text: str | None, engine: str | None, jobs: int | None, input_format: str | None, profile_name: str | None,
           encoding: str | None, output: str | None, roster_path: str | None) -> None:
    pb, pc = resolve_version(base, search), resolve_version(candidate, search)
    engine_name(engine)
    if history != "-" and not Path(history).is_file():
        fail(f"{history}: no such file")
    base_set = PolicySet.of([pb])
    plan, total = comparison_plan(pb, pc, as_of(as_of_text, base_set), period, limit, engine, encoding,
                                  roster(roster_path, base_set), input_profile(profile_name, input_format, encoding))
    signum = None
    try:
        replay(plan, history, input_format, total, jobs or default_jobs())
    except Interrupted as exc:
        signum = exc.signum
    except (EngineError, ReplayError, ExportRefused) as exc:
        fail(reason(exc))
    data = total.export()
    doc = document(data, pb, pc)
    try:
        with destination(output) as out:
            FORMATTERS[choose_format("whatif", fmt, out)](doc, out)
    except OutputError as exc:
        fail(str(exc))
    click.echo(counts(doc) + (_(" (interrupted: partial)") if signum is not None else ""), err=True)
    raise SystemExit(exits.replay(data.base.rejected + data.candidate.rejected, signum))

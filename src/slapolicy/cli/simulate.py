from __future__ import annotations

import functools

import click

from ..i18n import N_
from ..output import OutputError, binary_ok, choose_format, destination, exits, named_format, progress, summary_line
from ..output.simulation import STREAMED, EncodedBlock, SimulationWriter
from ..rules.engine import EngineError
from ..sim.imports import ExportRefused
from ..sim.replay import Interrupted, Plan, ReplayError, default_jobs, input_size, replay
from ._replay import (
    encoding_option,
    engine_name,
    engine_option,
    history_path,
    input_format_option,
    input_profile,
    jobs_option,
    profile_option,
    roster,
    roster_option,
    sheet_option,
    source_tz_option,
)
from ._shared import as_of, as_of_option, excel_csv, excel_option, fail, format_option, output_option, policy_set, reason


@click.command(help=N_("Replay TICKETS against POLICY (a file or a directory of versions) in virtual time.\n"
                        "\n"
                        "Every ticket appears once in the output: simulated, rejected with its errors, or not yet\n"
                        "created (after --as-of: listed, not replayed).\n"
                        "Exit 0 none rejected, 1 any rejected, 2 usage error or unusable policy."))
@click.argument("policy", type=click.Path())
@click.argument("tickets", type=click.Path(allow_dash=True))
@format_option("simulate")
@input_format_option
@profile_option
@source_tz_option
@encoding_option
@sheet_option
@as_of_option
@click.option("--explain", is_flag=True, help=N_("Show the rule (its line in the policy file) that set each clock's target in the table."))
@engine_option
@jobs_option
@output_option
@excel_option
@roster_option
def simulate(policy: str, tickets: str, fmt: str | None, input_format: str | None, profile_name: str | None, encoding: str | None,
             sheet: str | None, as_of_text: str | None,
             explain: bool, engine: str | None, jobs: int | None, output: str | None, excel: bool, roster_path: str | None) -> None:
    fmt = fmt or named_format("simulate", output)  # -o report.html: HTML
    excel_csv(excel, fmt)
    policies = policy_set(policy)
    backend = engine_name(engine)
    history_path(tickets)
    stamp = as_of(as_of_text, policies)
    on_duty = roster(roster_path, policies)
    profile = input_profile(profile_name, input_format, encoding)
    signum = None
    try:
        with destination(output, excel) as out:
            fmt = choose_format("simulate", fmt, out)
            binary_ok(fmt, out)
            writer = SimulationWriter(fmt, out, backend, stamp, explain, policies.tz)
            plan = Plan((policies,), stamp, engine, functools.partial(EncodedBlock, fmt), encoding, on_duty, profile, sheet)
            workers = (jobs or default_jobs()) if fmt in STREAMED else 1
            to_terminal = out.isatty()  # the table itself then shows the progress
            try:
                with progress.bar(lambda: None if to_terminal else input_size(plan, tickets, input_format)) as on_progress:
                    replay(plan, tickets, input_format, writer, workers, on_progress)
            except Interrupted as exc:
                signum = exc.signum
            writer.close(signum is not None)
    except (EngineError, ReplayError, OutputError, ExportRefused) as exc:
        fail(reason(exc))
    counts = writer.counts
    click.echo(summary_line(counts.simulated, counts.rejected, signum is not None, counts.later, counts.kinds), err=True)
    raise SystemExit(exits.replay(counts.rejected, signum))

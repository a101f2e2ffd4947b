from __future__ import annotations

import functools

import click

from ..i18n import N_
from ..kpi.periods import PERIODS
from ..kpi.report import Aggregator, GroupingError, check_grouping
from ..output import OutputError, binary_ok, choose_format, destination, exits, named_format, summary_line
from ..output.report import FORMATTERS, document, ledger_workbook, report_workbook, write_ledger, write_rejects
from ..sim.replay import Plan
from ._replay import (
    encoding_option,
    engine_name,
    engine_option,
    history_path,
    input_format_option,
    input_profile,
    jobs_option,
    profile_option,
    replay_history,
    roster,
    roster_option,
    sheet_option,
    source_tz_option,
)
from ._shared import as_of, as_of_option, excel_csv, excel_option, fail, format_option, output_option, policy_set


@click.command(help=N_("Quality KPIs of a ticket HISTORY under POLICY, with its objectives met or missed.\n"
                        "\n"
                        "Exit 0 when every ticket was simulated, 1 when any was rejected, 2 on a usage error,\n"
                        "130 (SIGINT) or 143 (SIGTERM) when interrupted: the partial report is still printed,\n"
                        "marked \"partial\"."))
@click.argument("policy", type=click.Path())
@click.argument("history", type=click.Path(allow_dash=True))
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True,
              help=N_("Group by this period of ticket creation (policy time zone)."))
@click.option("--by", "by", multiple=True, help=N_("Group by a ticket attribute too (repeatable): --by severity --by tier."))
@format_option("report")
@as_of_option
@engine_option
@jobs_option
@input_format_option
@profile_option
@source_tz_option
@encoding_option
@sheet_option
@output_option
@excel_option
@click.option("--rejects", type=click.Path(dir_okay=False), default=None,
              help=N_("Write rejected tickets, and those created after --as-of, (line, id, errors) to this JSONL file."))
@roster_option
@click.option("--ledger", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help=N_("Write every penalty charge (period, payer, subject, line, penalty, clause, amount) to this CSV file "
                   "(with --excel: for Excel), or to an Excel workbook when FILE ends in .xlsx."))
def report(policy: str, history: str, period: str, by: tuple[str, ...], fmt: str | None, as_of_text: str | None,
           engine: str | None, jobs: int | None, input_format: str | None, profile_name: str | None, encoding: str | None, sheet: str | None,
           output: str | None, excel: bool,
           rejects: str | None, roster_path: str | None, ledger: str | None) -> None:
    fmt = fmt or named_format("report", output)  # -o report.html: HTML
    excel_csv(excel, fmt, other_csv=ledger is not None)
    policies = policy_set(policy)
    engine_name(engine)
    history_path(history)
    try:
        check_grouping(policies.versions, by)
    except GroupingError as exc:
        fail(str(exc))
    now = as_of(as_of_text, policies)
    total = Aggregator(policies.tz, period, by, now)
    plan = Plan((policies,), now, engine, functools.partial(Aggregator, policies.tz, period, by, now), encoding,
                roster(roster_path, policies), input_profile(profile_name, input_format, encoding), sheet)
    signum = replay_history(plan, history, input_format, total, jobs)
    if signum is not None:
        total.report.interrupted = True
        click.echo("interrupted: the report covers the tickets replayed so far", err=True)
    doc = document(total.report, policies.versions)
    try:
        if rejects:
            with destination(rejects) as out:
                write_rejects(total.report, out)
        if ledger:
            with destination(ledger, excel) as out:
                if ledger.lower().endswith(".xlsx"):
                    ledger_workbook(doc, out, policies.tz)
                else:
                    write_ledger(doc, out)
        with destination(output, excel and fmt == "csv") as out:
            fmt = choose_format("report", fmt, out)
            binary_ok(fmt, out)
            if fmt == "xlsx":
                report_workbook(doc, out, policies.tz)
            else:
                FORMATTERS[fmt](doc, out)
    except OutputError as exc:
        fail(str(exc))
    click.echo(summary_line(total.report.simulated, total.report.rejected, signum is not None, total.report.later,
                            {key[1] for key in total.report.groups}), err=True)
    raise SystemExit(exits.replay(total.report.rejected, signum))

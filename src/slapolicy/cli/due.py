from __future__ import annotations

import functools

import click

from ..calendar.durations import DurationError, parse_duration
from ..diagnostics.record import one_line
from ..i18n import N_, _, current, translated
from ..kpi.board import Board
from ..output import OutputError, choose_format, destination, exits, named_format
from ..output.board import board_document, summary, to_text, write_table
from ..output.html import board_page
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


def _within(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        duration = parse_duration(value)
    except DurationError as exc:
        raise click.BadParameter(str(exc)) from None
    if duration.kind != "seconds" or "working" in duration.text:
        raise click.BadParameter(f"'{value}' is not clock time; the window is counted on the clock: write 4h, 30m or 2d")
    return float(duration.amount)


@click.command(help=N_("Which open tickets of TICKETS breach soon under POLICY: every running clock by time left.\n"
                        "\n"
                        "The clocks that still run at --as-of (default: now), soonest due first, with the rule\n"
                        "(file:line) and the clauses behind each; overdue ones first, paused ones last. The\n"
                        "replay is simulate's. Exit 0 every ticket replayed, 1 any rejected (listed on\n"
                        "stderr), 2 usage error or unusable policy."))
@click.argument("policy", type=click.Path())
@click.argument("tickets", type=click.Path(allow_dash=True))
@as_of_option
@click.option("--within", callback=_within, default=None, metavar="DURATION",
              help=N_("Only the clocks that run and fall due by --as-of + DURATION (clock time: 4h, 30m, 2d), the overdue among them."))
@format_option("due")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help=N_("Speak this language, as `slapolicy --lang` does: the table, the summary line and the html board "
                      "(which switches on the page)."))
@input_format_option
@profile_option
@source_tz_option
@encoding_option
@sheet_option
@engine_option
@jobs_option
@output_option
@excel_option
@roster_option
def due(policy: str, tickets: str, as_of_text: str | None, within: float | None, fmt: str | None, lang: str | None,
        input_format: str | None, profile_name: str | None, encoding: str | None, sheet: str | None, engine: str | None, jobs: int | None,
        output: str | None, excel: bool, roster_path: str | None) -> None:
    fmt = fmt or named_format("due", output)  # -o report.html: HTML
    excel_csv(excel, fmt)
    if lang is not None:  # `due --lang` is the command's own spelling of `slapolicy --lang`: one language choice
        click.get_current_context().find_root().meta["slapolicy.lang"] = lang
    policies = policy_set(policy)  # speaks --lang, else the locale, else the policy's declared language
    engine_name(engine)
    history_path(tickets)
    stamp = as_of(as_of_text, policies)
    plan = Plan((policies,), stamp, engine, functools.partial(Board, stamp, policies.tz), encoding,
                roster(roster_path, policies), input_profile(profile_name, input_format, encoding), sheet)
    total = Board(stamp, policies.tz)
    signum = replay_history(plan, tickets, input_format, total, jobs)
    if signum is not None:
        click.echo(_("interrupted: the list holds the tickets replayed so far"), err=True)
    doc = board_document(total, within)
    try:
        with destination(output, excel) as out:
            fmt = choose_format("due", fmt, out)
            if fmt == "table":
                write_table(doc, out)
            elif fmt == "html":
                board_page(doc, out, current())
            else:
                out.write(to_text(doc, fmt))
    except OutputError as exc:
        fail(str(exc))
    for r in total.rejected:
        for x in r.reasons:
            click.echo(one_line(f"{tickets}:{r.line}: {x.code}: {translated(x.message)}"), err=True)
    click.echo(summary(doc), err=True)
    raise SystemExit(exits.replay(len(total.rejected), signum))

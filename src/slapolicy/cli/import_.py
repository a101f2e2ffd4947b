from __future__ import annotations

import click

from ..calendar.instants import zone
from ..i18n import N_
from ..output import OutputError, destination, exits
from ..output.imports import import_summary, rejection_lines, write_rejects, write_tickets
from ..sim.imports import ExportRefused, check_tickets
from ..sim.replay import read_profiled
from ._replay import encoding_option, history_path, import_profile, profile_encoding, sheet_option, source_tz_option
from ._shared import fail, output_option, reason


@click.command("import", help=N_("Turn a helpdesk EXPORT (CSV or Excel .xlsx) into slapolicy's JSONL tickets through an import profile.\n"
                        "\n"
                        "Every row becomes part of a ticket, a row the profile skips, or a rejection naming its\n"
                        "row and column (on stderr). A webhook profile reads webhook payloads instead (a JSON\n"
                        "payload, or one a line): each payload's events, with their ids, join its ticket. Exit 0\n"
                        "all imported, 1 any row rejected, 2 a file that cannot be read as the export (encoding,\n"
                        "header) or a bad profile."))
@click.option("--profile", "-p", "profile_name", required=True, metavar="NAME|FILE",
              help=N_("Import profile: a shipped name (jira-service-management, zendesk-ticket-export, zammad-ticket-report, "
                   "znuny-ticket-search, cn-helpdesk, cn-worklog; for webhook payloads zammad-webhook, znuny-webhook, "
                   "jira-webhook, zendesk-webhook) or a profile file."))
@click.argument("export", type=click.Path(allow_dash=True))
@encoding_option
@sheet_option
@source_tz_option
@output_option
@click.option("--rejects", type=click.Path(dir_okay=False), default=None,
              help=N_("Write rejected rows (line, id, errors) to this JSONL file."))
def import_(profile_name: str, export: str, encoding: str | None, sheet: str | None, output: str | None, rejects: str | None) -> None:
    profile = import_profile(profile_name)
    profile_encoding(profile, encoding)
    history_path(export)
    try:
        with click.open_file(export, "rb") as stream:
            raw = stream.read()
    except OSError as exc:
        fail(f"{export}: cannot read the file: {exc.strerror or exc}")
    result = read_profiled(profile, raw, encoding, sheet)
    if result.refused is not None:
        fail(reason(ExportRefused(export, result.refused)))
    check_tickets(result, profile.timezone or zone("UTC"))
    try:
        with destination(output) as out:
            write_tickets(result, out)
        if rejects:
            with destination(rejects) as out:
                write_rejects(result, out)
    except OutputError as exc:
        fail(str(exc))
    for line in rejection_lines(result, export):
        click.echo(line, err=True)
    click.echo(import_summary(result), err=True)
    raise SystemExit(exits.replay(len(result.rejections)))

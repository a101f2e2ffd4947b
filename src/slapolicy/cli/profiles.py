"""`slapolicy profiles`: the shipped import profiles, listed and printed, so a user starts
their own profile from a copy of the nearest one rather than from the schema."""

from __future__ import annotations

import click

from ..diagnostics.record import InputError
from ..i18n import N_
from ..output import OutputError, destination
from ..output.encode import pretty
from ..sim.mapping import shipped_profile, shipped_profiles
from ._shared import fail, output_option


@click.group(invoke_without_command=True, help=N_("List the shipped import profiles (`show NAME` prints one to copy and edit)."))
@click.option("--json", "as_json", is_flag=True, help=N_("As JSON (name, rows, description)."))
@click.pass_context
def profiles(ctx: click.Context, as_json: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    try:
        listed = shipped_profiles()
    except InputError as exc:  # a shipped file edited into no profile: where, not a traceback
        fail(exc.diagnostic.format())
    if as_json:
        click.echo(pretty([{"name": p.name, "rows": p.rows, "description": p.description} for p in listed]).decode())
        return
    width = max(len(p.name) for p in listed)
    for p in listed:
        click.echo(f"{p.name:{width}}  {p.rows:7}  {p.description}")


@profiles.command(help=N_("Print the shipped import profile NAME, comments included, to copy and edit."))
@click.argument("name")
@output_option
def show(name: str, output: str | None) -> None:
    try:
        text = shipped_profile(name).text
    except InputError as exc:
        fail(exc.diagnostic.format())
    try:
        with destination(output) as out:
            out.write(text)
    except OutputError as exc:
        fail(str(exc))

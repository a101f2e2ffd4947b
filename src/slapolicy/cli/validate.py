from __future__ import annotations

import click

from ..i18n import N_
from ..output import OutputError, choose_format, destination, exits
from ..output.validation import FORMATTERS
from ..validate.repository import scan
from ._shared import fail, format_option, ignore_option, output_option, settings, speak_as_declared


@click.command(help=N_("Check policy files or directories (default: policies/).\n"
                        "\n"
                        "Prints file:line:column: CODE severity: message for every problem.\n"
                        "Exit 0 valid, 1 problems found, 2 unreadable input."))
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("validate")
@click.option("--strict", is_flag=True, help=N_("Warnings fail too (exit 1)."))
@ignore_option
@output_option
def validate(paths: tuple[str, ...], fmt: str | None, strict: bool, ignore: tuple[str, ...], output: str | None) -> None:
    result = scan(paths or ("policies",), settings(ignore))
    speak_as_declared(result.policies)
    try:
        with destination(output) as out:
            FORMATTERS[choose_format("validate", fmt, out)](result, out)
    except OutputError as exc:
        fail(str(exc))
    raise SystemExit(exits.validation(result, strict))

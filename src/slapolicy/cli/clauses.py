from __future__ import annotations

import click

from ..i18n import N_
from ..output import OutputError, choose_format, destination, exits
from ..output.clauses import FORMATTERS, summary
from ..review.clauses import clause_table
from ..rules.engine import EngineError, get_backend
from ._replay import engine_option
from ._shared import fail, format_option, ignore_option, output_option, settings


@click.command("clauses", help=N_("Each clause of the regulation with the rules that encode it and the test cases that cite it.\n"
                        "\n"
                        "Reads the policies under PATHS (files or directories; default: policies/), the clause registers they name\n"
                        "(`registers:`) and their test files, runs the tests, and lists every clause: the rules\n"
                        "citing it and the cases citing it, and the clauses no rule encodes or no passing case tests.\n"
                        "\n"
                        "Exit 0 listed, 1 a file has an error (or, with --strict, a clause to enforce is not\n"
                        "encoded and tested), 2 usage error or unreadable path."))
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("clauses")
@click.option("--strict", is_flag=True, help=N_("Exit 1 when a clause to enforce is not encoded or no passing test case cites it."))
@engine_option
@ignore_option
@output_option
def clauses(paths: tuple[str, ...], fmt: str | None, strict: bool, engine: str | None, ignore: tuple[str, ...],
            output: str | None) -> None:
    try:
        backend = get_backend(engine)
    except EngineError as exc:
        fail(str(exc))
    table = clause_table(paths or ("policies",), backend, settings(ignore))
    try:
        with destination(output) as out:
            FORMATTERS[choose_format("clauses", fmt, out if output else None)](table, out)
        if output not in (None, "-"):
            click.echo(summary(table))
    except OutputError as exc:
        fail(str(exc))
    raise SystemExit(exits.clauses(table, strict))

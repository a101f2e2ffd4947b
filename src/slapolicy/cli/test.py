from __future__ import annotations

import functools
import sys

import click

from ..i18n import N_
from ..output import OutputError, choose_format, destination, exits
from ..output.tests import FORMATTERS, coverage, summary, text
from ..review.testing import run_tests
from ..rules.engine import EngineError, get_backend
from ._replay import engine_option
from ._shared import fail, format_option, ignore_option, output_option, settings


@click.command("test", help=N_("Run policy test files (*.test.yaml) under PATHS (default: policies/).\n"
                        "\n"
                        "A policy file in PATHS stands for the test files beside it.\n"
                        "\n"
                        "Exit 0 all cases pass, 1 a case failed, a test file has an error or (--strict) a warning, 2 usage error,\n"
                        "unreadable path, or a policy the tests run on that fails to load.\n"
                        "With -o FILE the report goes to the file and the summary line to stdout."))
@click.argument("paths", nargs=-1, type=click.Path())
@format_option("test")
@click.option("-k", "pattern", default=None, help=N_("Run only the cases whose description contains PATTERN."))
@click.option("--coverage", "show_coverage", is_flag=True, help=N_("List target rules, escalation steps and clause ids no case exercised."))
@click.option("-q", "--quiet", is_flag=True, help=N_("Show only failures, problems and the summary line."))
@click.option("-x", "--exitfirst", "exit_first", is_flag=True, help=N_("Stop at the first failing case or broken test file."))
@click.option("--strict", is_flag=True, help=N_("Exit 1 on warnings too (a policy version no case runs under)."))
@engine_option
@ignore_option
@output_option
def test(paths: tuple[str, ...], fmt: str | None, pattern: str | None, show_coverage: bool, quiet: bool, exit_first: bool,
         strict: bool, engine: str | None, ignore: tuple[str, ...], output: str | None) -> None:
    try:
        run = run_tests(paths or ("policies",), get_backend(engine), pattern, settings(ignore), exit_first)
    except EngineError as exc:
        fail(str(exc))
    try:
        with destination(output) as out:
            name = choose_format("test", fmt, out if output else None)
            formatter = functools.partial(text, quiet=True) if quiet and name == "text" else FORMATTERS[name]
            formatter(run, out)
        if output not in (None, "-"):
            click.echo(summary(run))
        if show_coverage:
            coverage(run, sys.stdout)
    except (OutputError, EngineError) as exc:
        fail(str(exc))
    raise SystemExit(exits.tests(run, strict))

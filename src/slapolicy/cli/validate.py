from __future__ import annotations

import os

import click

from ..reporters import REPORTERS
from ..validate import validate_paths


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format", "-f", "fmt", type=click.Choice(sorted(REPORTERS)), default=None,
    help="Output format (default: github inside GitHub Actions, else text).",
)
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
def validate(paths: tuple[str, ...], fmt: str | None, strict: bool) -> None:
    """Check policy files or directories (default: policies/).

    Prints file:line:column: CODE severity: message for every problem.
    Exit 0 valid, 1 problems found, 2 unreadable input.
    """
    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    result = validate_paths(paths or ("policies",))
    click.echo(REPORTERS[fmt](result), nl=False)
    raise SystemExit(result.exit_code(strict))

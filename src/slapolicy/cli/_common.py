from __future__ import annotations

import sys
from typing import NoReturn

import click

from ..diagnostics import InputError


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, no traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def fail_input(exc: InputError) -> NoReturn:
    fail(exc.diagnostic.format())

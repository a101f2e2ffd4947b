"""The `slapolicy` command: a thin click layer over the library."""

from __future__ import annotations

import click

from .. import __version__
from .calendar import calendar
from .checks import explain, list_checks, schema
from .generate import generate
from .report import report
from .whatif import whatif
from .simulate import simulate
from .test import test
from .validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slapolicy")
def main() -> None:
    """Write a service department's SLA regulation as data, and check it.

    Exit codes: 0 ok, 1 problems or failures found, 2 usage error or unusable input.
    """


main.add_command(validate)
main.add_command(schema)
main.add_command(explain)
main.add_command(list_checks)
main.add_command(calendar)
main.add_command(simulate)
main.add_command(test)
main.add_command(generate)
main.add_command(report)
main.add_command(whatif)

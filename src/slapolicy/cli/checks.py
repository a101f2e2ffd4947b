from __future__ import annotations

import inspect
import json

import click

from .. import checks
from ..schema import schema_text
from ._common import fail


@click.command()
@click.option("--tests", is_flag=True, help="The schema of policy test files (*.test.yaml) instead.")
def schema(tests: bool) -> None:
    """Print the policy JSON Schema (draft 2020-12) for editors and other tools."""
    click.echo(schema_text("tests" if tests else "policy"), nl=False)


@click.command("checks")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def list_checks(as_json: bool) -> None:
    """List the semantic checks with their codes."""
    rows = [(code, m.ID, m.SEVERITY.value, (inspect.getdoc(m) or "").split("\n\n")[0].replace("\n", " "))
            for code, m in {**checks.CHECKS, **checks.VERSION_CHECKS}.items()]
    if as_json:
        click.echo(json.dumps([dict(zip(("code", "id", "severity", "summary"), r)) for r in rows], indent=2))
    else:
        for code, ident, severity, summary in rows:
            click.echo(f"{code}  {ident:32} {severity:8} {summary}")


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain one check, with passing and failing examples."""
    try:
        module = checks.get(code)
    except KeyError:
        fail(f"unknown check '{code}'; `slapolicy checks` lists them")
    click.echo(f"{code.upper()} {module.ID} ({module.SEVERITY.value})\n")
    click.echo(inspect.getdoc(module) or "")

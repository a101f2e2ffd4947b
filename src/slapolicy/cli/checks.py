from __future__ import annotations

import click

from ..diagnostics import codes
from ..diagnostics.explanations import explanation
from ..diagnostics.record import SEVERITY_WORDS
from ..i18n import N_, _
from ..output.encode import pretty
from ..policy.schema import schema_text
from ._shared import fail


@click.command(help=N_("Print the policy JSON Schema (draft 2020-12) for editors and other tools."))
@click.option("--tests", is_flag=True, help=N_("The schema of policy test files (*.test.yaml) instead."))
def schema(tests: bool) -> None:
    click.echo(schema_text("tests" if tests else "policy"), nl=False)


@click.command("checks", help=N_("List the semantic checks (or, with --all, every code) with severity and title."))
@click.option("--json", "as_json", is_flag=True, help=N_("As JSON."))
@click.option("--all", "everything", is_flag=True, help=N_("Every code (load, schema, tests, ticket rejections), not only the semantic checks."))
def list_checks(as_json: bool, everything: bool) -> None:
    rows = [c for c in codes.CODES.values() if everything or c.module is not None]
    if as_json:
        click.echo(pretty([{"code": c.code, "id": c.slug, "stage": c.stage, "severity": c.severity.value,
                            "summary": c.title} for c in rows]).decode())
    else:
        for c in rows:
            click.echo(f"{c.code:20} {c.slug:32} {_(SEVERITY_WORDS[c.severity]):8} {_(c.title)}")


@click.command(help=N_("Explain one code (SLA503, unknown_event_type, ...) with passing and failing examples."))
@click.argument("code")
def explain(code: str) -> None:
    try:
        entry = codes.get(code)
    except KeyError:
        fail(f"unknown code '{code}'; `slapolicy checks --all` lists them")
    click.echo(f"{entry.code} {entry.slug} ({entry.severity.value})\n")
    if _(entry.title) != entry.title:  # the title in the reader's language above the explanation
        click.echo(f"{_(entry.title)}\n")
    click.echo(explanation(entry))

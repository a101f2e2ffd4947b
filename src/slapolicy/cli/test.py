from __future__ import annotations

import os

import click

from ..engine import ENGINES, EngineError, get_backend
from ..reporters import TEST_REPORTERS
from ..testing import run_tests
from ._common import fail


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "-f", "fmt", type=click.Choice(sorted(TEST_REPORTERS)), default=None,
              help="Report format (default: github inside GitHub Actions, else text).")
@click.option("-k", "pattern", default=None, help="Run only the cases whose description contains PATTERN.")
@click.option("--coverage", is_flag=True, help="List target rules, escalation steps and clause ids no case exercised.")
@click.option("--engine", type=click.Choice(ENGINES), default=None, help="Rules engine backend.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to a file (e.g. junit XML) as well as the summary line to stdout.")
def test(paths: tuple[str, ...], fmt: str | None, pattern: str | None, coverage: bool, engine: str | None,
         output: str | None) -> None:
    """Run policy test files (*.test.yaml) under PATHS (default: policies/).

    Exit 0 all cases pass, 1 a case failed, 2 usage or load error.
    """
    try:
        backend = get_backend(engine)
    except EngineError as exc:
        fail(str(exc))
    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    run = run_tests(paths or ("policies",), backend, pattern)
    report = TEST_REPORTERS[fmt](run)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(report)
        click.echo(TEST_REPORTERS["text"](run).splitlines()[-1])
    else:
        click.echo(report, nl=False)
    if coverage:
        for name, cov in sorted(run.coverage.items()):
            missing = cov.missing()
            click.echo(f"coverage of {name}:")
            for kind, items in missing.items():
                label = kind.replace("_", " ")
                click.echo(f"  {label} not exercised: {', '.join(items) if items else 'none'}")
    raise SystemExit(run.exit_code())

from __future__ import annotations

from typing import Any

import click

from ..i18n import N_
from ..kpi.periods import PERIODS
from ..kpi.whatif import comparison_plan
from ..output import OutputError, choose_format, destination, exits
from ..output.diff import FORMATTERS
from ..output.diff import document as diff_document
from ..output.whatif import document as whatif_document
from ..policy.model import Policy
from ..review.policydiff import diff_policies
from ..rules.engine import EngineError
from ..sim.replay import Interrupted, ReplayError, default_jobs, replay
from ..validate.repository import PolicySet
from ._replay import history_path, jobs_option
from ._shared import as_of, as_of_option, fail, format_option, output_option, resolve_version


def _impact(old: Policy, new: Policy, history: str, period: str, as_of_text: str | None, jobs: int | None) -> dict[str, Any]:
    """The `whatif` document of HISTORY replayed under both versions (an interrupted replay is an error:
    a partial impact would be read as the whole)."""
    plan, total = comparison_plan(old, new, as_of(as_of_text, PolicySet.of([old])), period)
    try:
        replay(plan, history, None, total, jobs or default_jobs())
    except Interrupted as exc:
        raise SystemExit(exits.replay(0, exc.signum)) from None
    except (EngineError, ReplayError) as exc:
        fail(str(exc))
    return whatif_document(total.export(), old, new)


@click.command(help=N_("What changed between two policy versions: targets, rules, calendars, escalations, objectives.\n"
                        "\n"
                        "OLD and NEW are policy files, directories of versions (their newest) or version ids found\n"
                        "under --in. Exit 0 when they mean the same, 1 when they differ, 2 on a usage error."))
@click.argument("old")
@click.argument("new")
@click.option("--in", "search", default="policies", show_default=True, type=click.Path(), help=N_("Where version ids are looked up."))
@click.option("--history", type=click.Path(allow_dash=True), default=None,
              help=N_("A ticket history (JSONL) both versions can read: adds the impact `whatif` measures on it."))
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True, help=N_("Objectives' period for the impact."))
@as_of_option
@jobs_option
@format_option("diff")
@output_option
def diff(old: str, new: str, search: str, history: str | None, period: str, as_of_text: str | None, jobs: int | None,
         fmt: str | None, output: str | None) -> None:
    before, after = resolve_version(old, search), resolve_version(new, search)
    result = diff_policies(before, after)
    impact = None if history is None else _impact(before, after, history_path(history), period, as_of_text, jobs)
    doc = diff_document(result, impact)
    try:
        with destination(output) as out:
            FORMATTERS[choose_format("diff", fmt, out)](doc, out)
    except OutputError as exc:
        fail(str(exc))
    raise SystemExit(exits.diff(result.equal))

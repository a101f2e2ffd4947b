"""Semantic checks beyond the schema, one module each.

A check module declares `CODE` (registered, with its severity, in `slapolicy.codes`), a
docstring with Passes / Fails examples (shown by `slapolicy explain CODE`) and
`check(policy)`, which yields Problems; `run_checks` turns them into Diagnostics. The
checks across the versions of one policy live in `versions`.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from ..diagnostics import Diagnostic
from ..model import Policy
from . import (
    calendar_dates,
    calendar_extends,
    calendar_no_time,
    calendar_overlap,
    clause_decisions,
    clause_refs,
    coverage,
    day_durations,
    duplicate_ids,
    effective_dates,
    escalation_order,
    escalation_share,
    holiday_country,
    holiday_coverage,
    never_matches,
    objective_metric,
    provenance,
    rate_units,
    references,
    response_after_resolution,
    shadowed,
    step_without_target,
    unused_calendar,
)
from .versions import check_versions

CHECKS: dict[str, ModuleType] = {
    m.CODE: m
    for m in (
        references, duplicate_ids, response_after_resolution, escalation_order, escalation_share,
        calendar_no_time, calendar_overlap, holiday_country, holiday_coverage, calendar_dates,
        calendar_extends, coverage, never_matches, shadowed, step_without_target, provenance, clause_refs, clause_decisions,
        effective_dates, rate_units, day_durations, unused_calendar, objective_metric,
    )
}

__all__ = ["CHECKS", "check_versions", "run_checks"]


def run_checks(policy: Policy) -> Iterator[Diagnostic]:
    for code, module in CHECKS.items():
        for problem in module.check(policy):
            yield policy.document.diagnostic(problem.path, code, problem.message, key=problem.key)

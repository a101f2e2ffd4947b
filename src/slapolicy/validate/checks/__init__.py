"""Semantic checks beyond the schema, one module each.

A check module declares `CODE` (registered, with its severity, in `slapolicy.diagnostics.codes`), a
docstring with Passes / Fails examples (shown by `slapolicy explain CODE`) and
`check(policy)`, which yields Problems; `run_checks` turns them into Diagnostics. The
checks across the versions of one policy live in `versions`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from types import ModuleType

from ...diagnostics.record import Diagnostic
from ...policy.loader import JsonPath
from ...policy.model import Policy
from . import (
    calendar_choice,
    calendar_dates,
    calendar_extends,
    calendar_no_time,
    calendar_overlap,
    cited_figures,
    clause_constructs,
    clause_decisions,
    clause_refs,
    coverage,
    credit_bands,
    day_durations,
    day_hours,
    duplicate_ids,
    effective_dates,
    engine_limits,
    escalation_order,
    escalation_share,
    holiday_country,
    holiday_coverage,
    lookup_cells,
    lookup_cycle,
    never_matches,
    objective_metric,
    owed_fit,
    period_overlap,
    provenance,
    rate_units,
    references,
    response_after_resolution,
    shadowed,
    silent_deadlines,
    step_without_target,
    translations,
    unused_calendar,
    value_names,
)
from .base import Problem
from .versions import check_versions

CHECKS: dict[str, ModuleType] = {
    m.CODE: m
    for m in (
        references, duplicate_ids, response_after_resolution, escalation_order, escalation_share,
        calendar_no_time, calendar_overlap, holiday_country, holiday_coverage, calendar_dates,
        calendar_extends, calendar_choice, coverage, never_matches, shadowed, step_without_target, provenance, clause_refs, clause_decisions,
        effective_dates, rate_units, day_durations, day_hours, unused_calendar, objective_metric, engine_limits, clause_constructs,
        cited_figures, silent_deadlines, lookup_cells, lookup_cycle, period_overlap, credit_bands, owed_fit,
        value_names, translations,
    )
}

__all__ = ["CHECKS", "check_versions", "run_checks"]


# checks that reason over which tickets a rule matches: an undeclared name in a rule makes
# their verdicts on it follow-ons of the SLA201 that names the root cause
FOLLOW_ON = {
    coverage.CODE, never_matches.CODE, shadowed.CODE, step_without_target.CODE, objective_metric.CODE,
}


def run_checks(policy: Policy) -> Iterator[Diagnostic]:
    """Every check's problems; one root cause, one message (follow-ons of an SLA201 are left out)."""
    found = {code: list(module.check(policy)) for code, module in CHECKS.items()}
    caused = _follow_ons(policy, found[references.CODE])
    for code, problems in found.items():
        for problem in problems:
            if code in FOLLOW_ON and caused(problem.path):
                continue
            yield policy.document.diagnostic(problem.path, code, problem.message, key=problem.key)


def _follow_ons(policy: Policy, unknown: list[Problem]) -> Callable[[JsonPath], bool]:
    """Whether a problem at a path follows from an undeclared name in a condition or of a metric
    (the names that decide which tickets a rule matches and what it times): it is on the rule
    (target rule, escalation step or all steps of a metric, objective) that names it, or on a
    metric such a target rule times or, misspelling it, nearly names (`first_respons` leaves
    first_response without that target). An unknown role or calendar decides neither."""
    rules: set[JsonPath] = set()
    metrics: set[str] = set()
    for problem in unknown:
        if problem.key or problem.path[-1:] == ("metric",) or any(p in ("when", "where", "of") for p in problem.path):
            rules.add(problem.path[:3] if problem.path[0] == "escalations" and len(problem.path) > 2 else problem.path[:2])
    for rule in policy.targets:
        if rule.path in rules:
            metrics.update(rule.values)
            metrics.update(near for m in rule.values if m not in policy.metrics
                           for near in difflib.get_close_matches(m, list(policy.metrics), n=1, cutoff=0.6))
    objectives = {o.path: o.metric for o in policy.objectives}

    def caused(path: JsonPath) -> bool:
        if path[:2] in rules or path[:3] in rules:
            return True
        if len(path) >= 2 and path[0] in ("metrics", "escalations"):
            return path[1] in metrics
        return objectives.get(path[:2]) in metrics

    return caused

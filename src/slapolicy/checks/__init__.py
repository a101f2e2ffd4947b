"""Semantic checks beyond the schema. Each module declares CODE, ID, SEVERITY, a docstring
with Passes/Fails examples (shown by `slapolicy explain CODE`) and `check(policy)`, which
yields Findings; the runner stamps code and severity on them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

from ..diagnostics import Diagnostic, Severity
from ..loader import JsonPath
from ..model import Policy


@dataclass(frozen=True)
class Finding:
    path: JsonPath
    message: str
    key: bool = False  # point at the key rather than its value


from . import (  # noqa: E402  (modules import Finding from here)
    calendar_dates,
    calendar_extends,
    calendar_no_time,
    calendar_overlap,
    coverage,
    duplicate_ids,
    escalation_order,
    escalation_share,
    holiday_country,
    holiday_coverage,
    never_matches,
    references,
    response_after_resolution,
    shadowed,
    step_without_target,
    timezone,
    versions,
)

CHECKS: dict[str, ModuleType] = {
    m.CODE: m
    for m in (
        references, duplicate_ids, response_after_resolution, escalation_order, escalation_share,
        calendar_no_time, calendar_overlap, timezone, holiday_country, holiday_coverage, calendar_dates,
        calendar_extends, coverage, never_matches, shadowed, step_without_target,
    )
}
# checks across the versions of one policy id in a directory
VERSION_CHECKS: dict[str, ModuleType] = {code: versions for code in versions.CODES}


def get(code: str) -> ModuleType:
    code = code.upper()
    if code in CHECKS:
        return CHECKS[code]
    if code in VERSION_CHECKS:
        return VERSION_CHECKS[code]
    raise KeyError(code)


def run_checks(policy: Policy) -> Iterator[Diagnostic]:
    for code, module in CHECKS.items():
        severity: Severity = module.SEVERITY
        for f in module.check(policy):
            yield policy.document.diagnostic(f.path, code, f.message, severity, key=f.key)

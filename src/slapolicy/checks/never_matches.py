"""A target rule or escalation step whose condition no ticket can satisfy is dead weight and
usually a mistake (contradictory `all`, a value outside the declared ones).

Passes::

    when: {severity: [P1, P2]}

Fails::

    when: {all: [{severity: P1}, {severity: P2}]}   # SLA502
"""

from __future__ import annotations

from collections.abc import Iterator

from ..conditions import ALWAYS, Condition, evaluate_partial
from ..diagnostics import Severity
from ..loader import JsonPath
from ..model import Policy
from . import Finding
from ._domain import full

CODE = "SLA502"
ID = "condition-never-matches"
SEVERITY = Severity.WARNING


def check(policy: Policy) -> Iterator[Finding]:
    combos, known = full(policy)
    items: list[tuple[str, Condition, JsonPath]] = [("target rule", r.when, r.path) for r in policy.targets]
    items += [(f"escalation step {s.index}", s.when, s.path) for steps in policy.escalations.values() for s in steps]
    for kind, cond, path in items:
        if cond == ALWAYS:
            continue
        if all(evaluate_partial(cond, c, known) is False for c in combos):
            yield Finding(path + ("when",), f"this {kind} can never match: no ticket satisfies its condition", key=True)

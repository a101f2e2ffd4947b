"""A target rule or escalation step whose condition no ticket can satisfy is dead weight and
usually a mistake (contradictory `all`, a value outside the declared ones).

Passes::

    when: {severity: [P1, P2]}

Fails::

    when: {all: [{severity: P1}, {severity: P2}]}   # SLA502
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.conditions import ALWAYS, Condition
from ...policy.loader import JsonPath
from ...policy.model import Policy
from ._domain import FALSE, full
from .base import Problem

CODE = "SLA502"


def check(policy: Policy) -> Iterator[Problem]:
    domain = full(policy)
    items: list[tuple[str, Condition, JsonPath]] = [(Message(N_("target rule")), r.when, r.path) for r in policy.targets]
    items += [(Message(N_("escalation step {step}"), step=s.index), s.when, s.path) for steps in policy.escalations.values()
              for s in steps]
    for kind, cond, path in items:
        if cond == ALWAYS:
            continue
        if all(v == FALSE for v in domain.outcomes(cond)):
            yield Problem(path + ("when",), Message(N_("this {kind} can never match: no ticket satisfies its condition; loosen its "
                                                       "`when` or remove the {kind}"), kind=kind), key=True)

"""An escalation step only fires on a clock that has a target: a step whose condition
excludes every ticket the policy gives a target for that metric can never fire.

Passes::

    targets:
      - {when: {severity: P2}, resolution: 8h}
    escalations:
      resolution:
        - {at: breach + 8h, notify: [vice_gm], when: {severity: P2}}

Fails::

    targets:
      - {when: {severity: P2}, resolution: 8h}
    escalations:
      resolution:
        - {at: breach + 8h, notify: [vice_gm], when: {severity: P1}}   # SLA504: P1 has no resolution target
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from ._domain import FALSE, full, rules_for
from .base import Problem

CODE = "SLA504"


def check(policy: Policy) -> Iterator[Problem]:
    domain = full(policy)
    for metric, steps in policy.escalations.items():
        if metric not in policy.metrics:
            continue  # SLA201
        targeted = [False] * len(domain.combos)  # per combination: some rule may give this metric a target
        for rule in rules_for(policy, metric):
            for i, v in enumerate(domain.outcomes(rule.when)):
                targeted[i] = targeted[i] or v != FALSE
        for step in steps:
            if not any(v != FALSE and targeted[i] for i, v in enumerate(domain.outcomes(step.when))):
                yield Problem(
                    step.path,
                    Message(N_("escalation step {step} of {metric} can never fire: no ticket it applies to gets a {metric} target; "
                               "give those tickets a {metric} target, or remove the step"), step=step.index, metric=metric),
                )

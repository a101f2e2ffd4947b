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

from ..conditions import evaluate_partial
from ..model import Policy
from ._domain import full
from .base import Problem

CODE = "SLA504"


def check(policy: Policy) -> Iterator[Problem]:
    combos, known = full(policy)
    for metric, steps in policy.escalations.items():
        rules = [r for r in policy.targets if metric in r.values]
        if metric not in policy.metrics:
            continue  # SLA201
        for step in steps:
            reachable = any(
                evaluate_partial(step.when, c, known) is not False
                and any(evaluate_partial(r.when, c, known) is not False for r in rules)
                for c in combos
            )
            if not reachable:
                yield Problem(
                    step.path,
                    f"escalation step {step.index} of {metric} can never fire: no ticket it applies to gets a {metric} target",
                )

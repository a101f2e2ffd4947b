"""For each metric the first matching rule wins; a later rule's target that every ticket it
matches already gets from an earlier rule never takes effect.

Passes::

    - {when: {severity: P1}, first_response: 15m}
    - {first_response: 1h}

Fails::

    - {first_response: 1h}
    - {when: {severity: P1}, first_response: 15m}    # SLA503 (the rule above already matches every P1)
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy, TargetRule
from ._domain import FALSE, TRUE, full
from .base import Problem

CODE = "SLA503"


def check(policy: Policy) -> Iterator[Problem]:
    domain = full(policy)
    n = len(domain.combos)
    first_true: dict[str, list[TargetRule | None]] = {}  # per metric and combination: the first rule surely matching it
    for rule in policy.targets:
        outcomes = domain.outcomes(rule.when)
        reachable = [i for i, v in enumerate(outcomes) if v != FALSE]
        for metric, value in rule.values.items():
            winners = first_true.setdefault(metric, [None] * n)
            if reachable and all(winners[i] is not None for i in reachable):
                lines = ", ".join(str(line) for line in sorted({w.source.line for w in (winners[i] for i in reachable) if w}))
                yield Problem(
                    value.path,
                    Message(N_("the {metric} target never applies: every ticket this rule matches already gets {metric} from the "
                               "rule at line {lines} (the first matching rule wins); move this rule above it, or remove it"),
                            metric=metric, lines=lines),
                    key=True,
                )
            for i, v in enumerate(outcomes):
                if v == TRUE and winners[i] is None:
                    winners[i] = rule

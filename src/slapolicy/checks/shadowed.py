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

from ..conditions import evaluate_partial
from ..model import Policy
from ._domain import full
from .base import Problem

CODE = "SLA503"


def check(policy: Policy) -> Iterator[Problem]:
    combos, known = full(policy)
    doc = policy.document
    for rule in policy.targets:
        reachable = [c for c in combos if evaluate_partial(rule.when, c, known) is not False]
        if not reachable:
            continue  # SLA502 says it never matches at all
        for metric, value in rule.values.items():
            earlier = [r for r in policy.targets[: rule.index] if metric in r.values]
            if not earlier:
                continue
            winners = set()
            for combo in reachable:
                winner = next((r for r in earlier if evaluate_partial(r.when, combo, known) is True), None)
                if winner is None:
                    break
                winners.add(winner.index)
            else:
                lines = ", ".join(str(doc.locate(policy.targets[i].path).line) for i in sorted(winners))
                yield Problem(
                    value.path,
                    f"the {metric} target never applies: every ticket this rule matches already gets {metric} "
                    f"from the rule at line {lines} (the first matching rule wins)",
                    key=True,
                )

"""For the same tickets, the clocks of one ticket's life must not promise the later step
sooner than the earlier one: registration <= first_response <= resolution_plan <= resolution,
compared where both targets use the same calendar and are measured in the same unit.

Passes::

    - {when: {severity: P1}, first_response: 15m, resolution: 2h}

Fails::

    - {when: {severity: P3}, first_response: 2h, resolution: 1h}   # SLA301
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Policy
from ._domain import first_sure, label, rules_for, severity_tier
from .base import Problem

CODE = "SLA301"

CHAIN = ("registration", "first_response", "resolution_plan", "resolution")


def check(policy: Policy) -> Iterator[Problem]:
    chain = [m for m in CHAIN if m in policy.metrics]
    domain = severity_tier(policy)
    sure = {m: first_sure(domain, rules_for(policy, m)) for m in chain}
    reported: set[tuple[str, str, int, int]] = set()
    for n, combo in enumerate(domain.combos):
        chosen = {m: sure[m][n] for m in chain}
        for i, early in enumerate(chain):
            for late in chain[i + 1:]:
                r1, r2 = chosen[early], chosen[late]
                if r1 is None or r2 is None:
                    continue
                v1, v2 = r1.values[early], r2.values[late]
                if v1.calendar != v2.calendar or v1.duration.kind != v2.duration.kind:
                    continue
                if v1.duration.amount > v2.duration.amount and (early, late, r1.index, r2.index) not in reported:
                    reported.add((early, late, r1.index, r2.index))
                    yield Problem(
                        v1.path,
                        f"{early} target {v1.duration} is longer than the {late} target {v2.duration} "
                        f"for {label(combo)} (line {policy.document.locate(v2.path).line})",
                    )

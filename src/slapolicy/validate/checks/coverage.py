"""Every metric marked `required: true` gets a target for every severity x tier combination
(a rule that surely applies: conditions on other attributes cannot prove it).

Passes::

    metrics: {first_response: {start: created, stop: responded, required: true}}
    targets:
      - {when: {severity: P1}, first_response: 15m}
      - {first_response: 1h}                         # the default for all others

Fails::

    targets:
      - {when: {severity: P1}, first_response: 15m}  # SLA501: P2 and P3 get none
"""

from __future__ import annotations

from collections.abc import Iterator

from ...policy.model import Policy
from ._domain import TRUE, label, rules_for, severity_tier
from .base import Problem

CODE = "SLA501"


def check(policy: Policy) -> Iterator[Problem]:
    domain = severity_tier(policy)
    for metric in policy.metrics.values():
        if not metric.required:
            continue
        covered = [False] * len(domain.combos)  # some rule surely gives the metric a target (earlier rules may win)
        for rule in rules_for(policy, metric.id):
            for i, v in enumerate(domain.outcomes(rule.when)):
                covered[i] = covered[i] or v == TRUE
        missing = [label(c) for c, ok in zip(domain.combos, covered) if not ok]
        if missing:
            shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
            yield Problem(metric.path, f"required metric '{metric.id}' has no target that surely applies to: {shown}; add a "
                                       f"target rule for them (a last rule without `when` covers every ticket)", key=True)

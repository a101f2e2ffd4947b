"""Every metric marked `required: true` gets a target for every severity x tier combination
(a rule that surely applies). Conditions on an attribute that lists its values and is always
there (`required: true`, or a `default`) are proven too: rules that cover each of its values
are complete; conditions on other attributes cannot prove it.

Passes::

    metrics: {first_response: {start: created, stop: responded, required: true}}
    targets:
      - {when: {severity: P1}, first_response: 15m}
      - {first_response: 1h}                         # the default for all others

    attributes: {channel: {values: [hotline, chat], required: true}}
    metrics: {acknowledgement: {start: created, stop: acknowledged, required: true}}
    targets:
      - {when: {channel: hotline}, acknowledgement: 30s}
      - {when: {channel: chat}, acknowledgement: 2m}  # every channel: complete

Fails::

    targets:
      - {when: {severity: P1}, first_response: 15m}  # SLA501: P2 and P3 get none
      - {when: {channel: hotline}, acknowledgement: 30s}  # SLA501: a chat gets none
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...i18n import N_, Message
from ...policy.conditions import fields
from ...policy.model import Policy
from ._domain import TRUE, Domain, always_given, label, rules_for
from .base import Problem

CODE = "SLA501"


def check(policy: Policy) -> Iterator[Problem]:
    for metric in policy.metrics.values():
        if not metric.required:
            continue
        domain = always_given(policy, frozenset(f for rule in rules_for(policy, metric.id) for f in fields(rule.when)))
        covered = [False] * len(domain.combos)  # some rule surely gives the metric a target (earlier rules may win)
        for rule in rules_for(policy, metric.id):
            for i, v in enumerate(domain.outcomes(rule.when)):
                covered[i] = covered[i] or v == TRUE
        missing = _collapsed(domain, covered)
        if missing:
            shown = Message(N_("{listed} and {count} more"), listed=", ".join(missing[:6]), count=len(missing) - 6) \
                if len(missing) > 6 else ", ".join(missing)
            yield Problem(metric.path, Message(N_("required metric '{metric}' has no target that surely applies to: {combinations}; "
                                                  "add a target rule for them (a last rule without `when` covers every ticket)"),
                                               metric=metric.id, combinations=shown), key=True)


def _collapsed(domain: Domain, covered: list[bool]) -> list[str]:
    """The combinations without a target; a severity (x tier) that lacks one for every value of the other
    attributes is named alone (`severity=P2`, not once per channel)."""
    groups: dict[str, list[tuple[dict[str, Any], bool]]] = {}
    for combo, ok in zip(domain.combos, covered):
        base = {k: v for k, v in combo.items() if k in ("severity", "tier")}
        groups.setdefault(label(base), []).append((combo, ok))
    out: list[str] = []
    for base_label, members in groups.items():
        if not any(ok for _, ok in members):
            out.append(base_label)
        else:
            out.extend(label(combo) for combo, ok in members if not ok)
    return out

"""The finite set of tickets a policy can tell apart: every severity x tier (x declared values).

Conditions on attributes outside the domain evaluate to 'unknown', so the analyses built
on it never claim more than they can prove."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from ..conditions import evaluate_partial
from ..model import Policy, TargetRule

MAX_COMBINATIONS = 20_000
_MISSING = object()


def severity_tier(policy: Policy) -> tuple[list[dict[str, Any]], frozenset[str]]:
    fields = ["severity"] + (["tier"] if policy.tiers else [])
    combos = [dict(zip(fields, c)) for c in itertools.product(policy.severities, *([policy.tiers] if policy.tiers else []))]
    return combos, frozenset(fields)


def full(policy: Policy) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """severity x tier x each declared attribute's values (or missing), if not too many."""
    axes: dict[str, list[Any]] = {"severity": list(policy.severities)}
    if policy.tiers:
        axes["tier"] = [*policy.tiers, _MISSING]
    for a in policy.attributes.values():
        if a.values is not None:
            axes[a.id] = [*a.values, _MISSING]
    size = 1
    for values in axes.values():
        size *= len(values)
    if size > MAX_COMBINATIONS:
        return severity_tier(policy)
    combos = [
        {k: v for k, v in zip(axes, values) if v is not _MISSING} for values in itertools.product(*axes.values())
    ]
    return combos, frozenset(axes)


def label(combo: dict[str, Any]) -> str:
    return " / ".join(f"{k}={v}" for k, v in combo.items()) or "every ticket"


def first_sure_rule(
    rules: tuple[TargetRule, ...], metric: str, combo: dict[str, Any], known: frozenset[str]
) -> TargetRule | None:
    """The rule that certainly gives `metric` to tickets like `combo`, if that can be proven."""
    for rule in rules:
        if metric not in rule.values:
            continue
        result = evaluate_partial(rule.when, combo, known)
        if result is True:
            return rule
        if result is None:
            return None
    return None


def rules_for(policy: Policy, metric: str) -> Iterator[TargetRule]:
    return (r for r in policy.targets if metric in r.values)

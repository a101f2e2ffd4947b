"""The finite set of tickets a policy can tell apart: every severity x tier (x declared values).

Conditions on attributes outside the domain evaluate to 'unknown', so the analyses built
on it never claim more than they can prove. Each condition is evaluated on the domain
once (`Domain.outcomes`), so the checks built on it cost O(rules x combinations), linear
in the size of the policy; the full domain is used only while that product stays within
WORK_BUDGET, else the checks fall back to severity x tier (they then prove less, never
anything false).
"""

from __future__ import annotations

import itertools
from typing import Any

from ...policy.conditions import Condition, evaluate_partial
from ...policy.model import Policy, TargetRule

MAX_COMBINATIONS = 20_000
WORK_BUDGET = 2_000_000  # condition evaluations per analysis
FALSE, TRUE, UNKNOWN = 0, 1, 2
_MISSING = object()


class Domain:
    """Combinations of attribute values, and each condition's outcome (FALSE / TRUE / UNKNOWN) on them."""

    def __init__(self, combos: list[dict[str, Any]], known: frozenset[str]) -> None:
        self.combos = combos
        self.known = known
        self._outcomes: dict[int, tuple[Condition, bytes]] = {}  # by id; the condition is kept alive

    def outcomes(self, cond: Condition) -> bytes:
        found = self._outcomes.get(id(cond))
        if found is None:
            values = bytes(
                UNKNOWN if (r := evaluate_partial(cond, c, self.known)) is None else TRUE if r else FALSE
                for c in self.combos
            )
            found = self._outcomes[id(cond)] = (cond, values)
        return found[1]


_CACHE: dict[tuple[str, int], tuple[Policy, Domain]] = {}  # the last policies' domains: every check shares them


def _cached(kind: str, policy: Policy, build: Any) -> Domain:
    key = (kind, id(policy))
    found = _CACHE.get(key)
    if found is None or found[0] is not policy:
        if len(_CACHE) > 8:
            _CACHE.clear()
        found = _CACHE[key] = (policy, build(policy))
    return found[1]


def severity_tier(policy: Policy) -> Domain:
    return _cached("severity_tier", policy, _severity_tier)


def always_given(policy: Policy, read: frozenset[str]) -> Domain:
    """severity x tier x each ticket attribute in `read` that lists its values and is always there
    (`required`, or with a `default`): rules on such an attribute that cover all its values leave no
    ticket without a target (one lacking a required attribute, or with an unlisted value, carries a
    finding of its own). Within MAX_COMBINATIONS, else severity x tier."""
    return _cached(f"always_given:{','.join(sorted(read))}", policy, lambda p: _always_given(p, read))


def full(policy: Policy) -> Domain:
    """severity x tier x each declared attribute's values (or missing), if that stays within the budgets."""
    return _cached("full", policy, _full)


def _severity_tier(policy: Policy) -> Domain:
    axes = {name: values for name, values in (("severity", policy.severities), ("tier", policy.tiers)) if values}
    combos = [dict(zip(axes, c)) for c in itertools.product(*axes.values())]  # [{}] when neither is declared
    return Domain(combos, frozenset(("severity", *axes)))  # without severities, no ticket has one


def _always_given(policy: Policy, read: frozenset[str]) -> Domain:
    base = _severity_tier(policy)
    axes = [(a.id, a.values) for a in policy.attributes.values() if a.id in read and a.values is not None
            and a.subject == "ticket" and (a.required or a.default is not None)]
    size = len(base.combos)
    for _, values in axes:
        size *= len(values)
    if not axes or size > MAX_COMBINATIONS:
        return base
    combos = [{**combo, **dict(zip((name for name, _ in axes), values))}
              for combo in base.combos for values in itertools.product(*(v for _, v in axes))]
    return Domain(combos, base.known | {name for name, _ in axes})


def _full(policy: Policy) -> Domain:
    axes: dict[str, list[Any]] = {"severity": list(policy.severities)} if policy.severities else {}
    if policy.tiers:
        axes["tier"] = [*policy.tiers, _MISSING]
    for a in policy.attributes.values():
        if a.values is not None:
            axes[a.id] = [*a.values, _MISSING]
    size = 1
    for values in axes.values():
        size *= len(values)
    conditions = len(policy.targets) + sum(len(steps) for steps in policy.escalations.values())
    if size > MAX_COMBINATIONS or size * max(1, conditions) > WORK_BUDGET:
        return _severity_tier(policy)
    combos = [
        {k: v for k, v in zip(axes, values) if v is not _MISSING} for values in itertools.product(*axes.values())
    ]
    return Domain(combos, frozenset(("severity", *axes)))


def label(combo: dict[str, Any]) -> str:
    return " / ".join(f"{k}={v}" for k, v in combo.items()) or "every ticket"


def first_sure(domain: Domain, rules: list[TargetRule]) -> list[TargetRule | None]:
    """Per combination, the first rule (in order) that certainly matches it, if that can be proven:
    an earlier rule that might match (UNKNOWN) makes the answer unprovable (None)."""
    out: list[TargetRule | None] = [None] * len(domain.combos)
    open_ = set(range(len(domain.combos)))
    for rule in rules:
        values = domain.outcomes(rule.when)
        for i in list(open_):
            if values[i] == TRUE:
                out[i] = rule
                open_.discard(i)
            elif values[i] == UNKNOWN:
                open_.discard(i)
        if not open_:
            break
    return out


def rules_for(policy: Policy, metric: str) -> list[TargetRule]:
    return [r for r in policy.targets if metric in r.values]

"""Every clause a policy cites, with the rule that cites it: what `validate` checks against
the registers, and what `slapolicy clauses` lists as the clause's encoding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .loader import JsonPath
from .model import Policy


class Citation(NamedTuple):
    clause: str
    rule: str  # what cites it, as a reader names it: "target p1-urgent", "metric first_response", …
    path: JsonPath  # of the `clause` key


def at(path: JsonPath) -> JsonPath:
    """Where a rule's `clause` key is (diagnostics point at it)."""
    return (*path, "clause")


def citations(policy: Policy) -> Iterator[Citation]:
    """In the order the policy is written: definitions, then rules."""

    for section, named_items in (("severity", policy.severities), ("tier", policy.tiers), ("subject", policy.subjects)):
        for named in named_items.values():
            for c in named.clauses:
                yield Citation(c, f"{section} {named.id}", at(named.path))
    for name, clauses in policy.calendar_clauses.items():
        for c in clauses:
            yield Citation(c, f"calendar {name}", at(("calendars", name)))
    for attribute in policy.attributes.values():
        for c in attribute.clauses:
            yield Citation(c, f"attribute {attribute.id}", at(attribute.path))
    for section, derived in (("lookup", policy.lookups), ("period", policy.periods)):
        for name, item in derived.items():
            for c in item.clauses:
                yield Citation(c, f"{section} {name}", at(item.path))
    for builtin in policy.builtins.values():
        for c in builtin.clauses:
            yield Citation(c, f"builtin {builtin.behaviour}", at(builtin.path))
    if policy.identity is not None:
        for c in policy.identity.clauses:
            yield Citation(c, "identity", at(policy.identity.path))
    for metric in policy.metrics.values():
        for c in metric.clauses:
            yield Citation(c, f"metric {metric.id}", at(metric.path))
    yield from _rules(policy)


def _rules(policy: Policy) -> Iterator[Citation]:
    for rule in policy.targets:
        label = f"target {rule.id or rule.index + 1}"
        for c in rule.clauses:
            yield Citation(c, label, at(rule.path))
        for value in rule.values.values():
            for c in value.clauses:
                yield Citation(c, f"{label} ({value.metric})", at(value.path))
    for steps in policy.escalations.values():
        for step in steps:
            for c in step.clauses:
                yield Citation(c, f"escalation {step.metric} step {step.index}{f' ({step.id})' if step.id else ''}",
                               at(step.path))
    for kind, items in (("notice", policy.notices), ("invariant", policy.invariants), ("route", policy.routes),
                        ("correlation", policy.correlations), ("penalty", policy.penalties), ("objective", policy.objectives),
                        ("availability", policy.availability), ("credit", policy.credits), ("credit limit", policy.credit_limits)):
        for item in items:
            for c in item.clauses:
                yield Citation(c, f"{kind} {item.id}", at(item.path))
    for a in policy.availability:
        parts = [(f"short outage {i + 1}", s.path, s.clauses) for i, s in enumerate(a.short_outages)]
        if a.maintenance is not None:
            parts.append(("maintenance", a.maintenance.path, a.maintenance.clauses))
        for label, path, clauses in parts:
            for c in clauses:
                yield Citation(c, f"availability {a.id} {label}", at(path))
    for penalty in policy.penalties:
        for i, multiplier in enumerate(penalty.multipliers):
            for c in multiplier.clauses:
                yield Citation(c, f"penalty {penalty.id} multiplier {i + 1}", at(multiplier.path))

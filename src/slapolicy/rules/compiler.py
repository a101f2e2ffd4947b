"""Compile a policy into a ruleset in durable-rules' plain JSON format: pure data, no code.

Every decision the simulator needs is a rule here: which target rules, escalation
steps, notices, invariants, routes, correlations, penalties and their multipliers match a
ticket's attributes (facts `{"t": "ticket", "a_<attribute>": …}`), and
which clocks an event starts, stops, pauses, resumes, cancels or restarts (facts
`{"t": "event", "type": …, "status": …}`). A backend answers with the names of the
rules that match; the simulator applies them in time. Precedence ("the first matching
target rule wins") is the lowest rule index among the matches.

Shape constraints from durable-rules are handled here, once: attribute fields carry an
`a_` prefix (`id` and `sid` are reserved), negation is pushed down to the comparisons
(there is no general `$not`), `in` becomes `$or` (there is no `$in`), and regular
expressions are evaluated in Python and passed as boolean fields `m_<n>` (durable's
own regex dialect differs from Python's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..policy.conditions import All, Compare, Condition, Not, fields, full_match
from ..policy.model import Policy

Expr = dict[str, Any]
NEVER: Expr = {"t": "__never__"}
CLOCK_ACTIONS = ("start", "stop", "pause_on", "resume_on", "cancel_on", "restart_on", "fail_on")


def attribute_field(name: str) -> str:
    return f"a_{name}"


@dataclass
class CompiledPolicy:
    """The durable-format ruleset plus what each rule name means."""

    name: str
    rules: dict[str, Expr]
    meaning: dict[str, dict[str, Any]]
    fields: tuple[str, ...]  # ticket attributes the conditions read: the decision cache key
    regexes: tuple[tuple[str, str], ...] = ()  # (attribute, pattern) for m_<n>

    def ticket_fact(self, attributes: dict[str, Any]) -> dict[str, Any]:
        fact: dict[str, Any] = {"t": "ticket"}
        for name in self.fields:
            if name in attributes and attributes[name] is not None:
                fact[attribute_field(name)] = attributes[name]
        for n, (name, pattern) in enumerate(self.regexes):
            value = attributes.get(name)
            fact[f"m_{n}"] = full_match(pattern, value)
        return fact

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "rules": self.rules, "meaning": self.meaning,
                "fields": list(self.fields), "regexes": [list(r) for r in self.regexes]}


@dataclass
class _Compiler:
    regexes: list[tuple[str, str]] = field(default_factory=list)

    def regex_field(self, name: str, pattern: str) -> str:
        key = (name, pattern)
        if key not in self.regexes:
            self.regexes.append(key)
        return f"m_{self.regexes.index(key)}"

    def compare(self, c: Compare, negate: bool) -> Expr | None:
        f = attribute_field(c.field)
        absent: Expr = {"$nex": {f: 1}}
        op = c.op
        if op == "exists":
            return {"$ex": {f: 1}} if c.value != negate else absent
        if op == "matches":
            return {self.regex_field(c.field, c.value): not negate}
        if op in ("ne", "not_in"):
            negate, op = not negate, {"ne": "eq", "not_in": "in"}[op]
        values = tuple(dict.fromkeys(c.value)) if op == "in" else (c.value,)
        if op in ("eq", "in"):
            if not values:
                return None if negate else NEVER
            if not negate:
                return _or([{f: v} for v in values])
            return _or([absent, _and([{"$neq": {f: v}} for v in values])])
        flipped = {"lt": "$gte", "le": "$gt", "gt": "$lte", "ge": "$lt"}
        direct = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
        if not negate:
            return {direct[op]: {f: c.value}}
        return _or([absent, {flipped[op]: {f: c.value}}])

    def condition(self, cond: Condition, negate: bool = False) -> Expr | None:
        """None means "always true" (an empty `all`)."""
        if isinstance(cond, Compare):
            return self.compare(cond, negate)
        if isinstance(cond, Not):
            return self.condition(cond.item, not negate)
        parts = [self.condition(c, negate) for c in cond.items]
        conjunction = isinstance(cond, All) != negate
        if conjunction:
            kept = [p for p in parts if p is not None]
            return _and(kept) if kept else None
        if any(p is None for p in parts):
            return None
        return _or([p for p in parts if p is not None]) if parts else NEVER


def _unique(items: list[Expr]) -> list[Expr]:
    """Identical sub-expressions once: durable-rules refuses some repeated ones (error 113)."""
    seen: dict[str, Expr] = {}
    for item in items:
        seen.setdefault(json.dumps(item, sort_keys=True), item)
    return list(seen.values())


def _and(items: list[Expr]) -> Expr:
    items = _unique(items)
    return items[0] if len(items) == 1 else {"$and": items}


def _or(items: list[Expr]) -> Expr:
    items = _unique(items)
    return items[0] if len(items) == 1 else {"$or": items}


def _rule(kind: str, expr: Expr | None, name: str) -> Expr:
    base: Expr = {"t": kind}
    return {"all": [{"m": base if expr is None else {"$and": [base, expr]}}], "run": name}


def compile_policy(policy: Policy) -> CompiledPolicy:
    c = _Compiler()
    rules: dict[str, Expr] = {}
    meaning: dict[str, dict[str, Any]] = {}
    # every session runs an action before it is deleted (durable segfaults otherwise)
    rules["opened:ticket"] = _rule("ticket", None, "opened:ticket")
    rules["opened:event"] = _rule("event", None, "opened:event")
    read: set[str] = set()
    for rule in policy.targets:
        read.update(fields(rule.when))
        expr = c.condition(rule.when)
        for target_metric in rule.values:
            name = f"target:{target_metric}:{rule.index}"
            rules[name] = _rule("ticket", expr, name)
            meaning[name] = {"kind": "target", "metric": target_metric, "rule": rule.index,
                             "line": rule.source.line}

    def on_ticket(name: str, cond: Condition, info: dict[str, Any]) -> None:
        """A rule over a subject's attributes: which steps, notices, invariants … apply to it."""
        read.update(fields(cond))
        rules[name] = _rule("ticket", c.condition(cond), name)
        meaning[name] = info

    for metric_id, steps in policy.escalations.items():
        for step in steps:
            on_ticket(f"escalation:{metric_id}:{step.index}", step.when,
                      {"kind": "escalation", "metric": metric_id, "step": step.index, "line": step.source.line})
    for notice in policy.notices:
        on_ticket(f"notice:{notice.id}", notice.when, {"kind": "notice", "notice": notice.id, "line": notice.source.line})
        if notice.on:
            name = f"notice-on:{notice.id}"
            rules[name] = _rule("event", _or([{"type": e} for e in notice.on]), name)
            meaning[name] = {"kind": "notice_on", "notice": notice.id}
    for invariant in policy.invariants:
        on_ticket(f"invariant:{invariant.id}", invariant.when,
                  {"kind": "invariant", "invariant": invariant.id, "line": invariant.source.line})
    for route in policy.routes:
        on_ticket(f"route:{route.id}", route.when, {"kind": "route", "route": route.index, "line": route.source.line})
    for correlation in policy.correlations:
        on_ticket(f"correlation:{correlation.id}", correlation.when,
                  {"kind": "correlation", "correlation": correlation.id, "line": correlation.source.line})
    for penalty in policy.penalties:
        on_ticket(f"penalty:{penalty.id}", penalty.when, {"kind": "penalty", "penalty": penalty.id, "line": penalty.source.line})
        for i, multiplier in enumerate(penalty.multipliers):
            on_ticket(f"multiplier:{penalty.id}:{i}", multiplier.when, {"kind": "multiplier", "penalty": penalty.id, "index": i})
    for metric in policy.metrics.values():
        for action, events in metric.events().items():
            if not events:
                continue
            name = f"clock:{metric.id}:{action}"
            rules[name] = _rule("event", _or([{"type": e} for e in events]), name)
            meaning[name] = {"kind": "clock", "metric": metric.id, "action": action}
        if metric.pause_statuses:
            name = f"clock:{metric.id}:pause_while"
            rules[name] = _rule("event", _or([{"status": s} for s in metric.pause_statuses]), name)
            meaning[name] = {"kind": "clock", "metric": metric.id, "action": "pause_while"}
    return CompiledPolicy(
        name=f"{policy.id}@{policy.version}",
        rules=rules,
        meaning=meaning,
        fields=tuple(sorted(read)),
        regexes=tuple(c.regexes),
    )

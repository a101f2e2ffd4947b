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
own regex dialect differs from Python's). A condition holds at most `BUDGET` `$and` / `$or`
operators (durable refuses a 16th with error 113): one that needs more is split into parts,
rules with the same action (`run`) whose disjunction is the condition; one that would need
more than `MAX_PARTS` parts is refused with a ConditionTooLarge naming the rule.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_, Message
from ..policy.conditions import All, Compare, Condition, Not, fields, full_match
from ..policy.loader import JsonPath
from ..policy.model import Policy

Expr = dict[str, Any]
NEVER: Expr = {"t": "__never__"}
BUDGET = 15  # `$and` / `$or` operators in one rule's condition: each takes 2 of durable's 32 expression slots
MAX_PARTS = 64  # rules one condition may be split into


class EngineError(RuntimeError):
    """The rules engine cannot be given the ruleset, or failed on it; never swallowed."""


class ConditionTooLarge(EngineError):
    """A condition that no MAX_PARTS rules of at most BUDGET operators can hold: durable-rules would refuse it."""

    def __init__(self, rule: str, path: JsonPath) -> None:
        self.message = Message(N_("the condition of rule {rule} is too large for the rules engine: written out as rules of at most "
                                  "{budget} any / all / list / ne operators each (durable-rules takes no more), it needs more than "
                                  "{parts} of them; split it into several rules, or compare fewer lists and negations in one `all`"),
                               rule=rule, budget=BUDGET, parts=MAX_PARTS)
        super().__init__(self.message)
        self.rule, self.path = rule, path


def attribute_field(name: str) -> str:
    return f"a_{name}"


def event_field(name: str) -> str:
    """An event's own field (its group, role, …) in an event fact, as a metric's event filter reads it."""
    return f"e_{name}"


@dataclass
class CompiledPolicy:
    """The durable-format ruleset plus what each rule name means."""

    name: str
    rules: dict[str, Expr]
    meaning: dict[str, dict[str, Any]]
    fields: tuple[str, ...]  # ticket attributes the conditions read: the decision cache key
    regexes: tuple[tuple[str, str], ...] = ()  # (attribute, pattern) for m_<n>
    paths: dict[str, JsonPath] = field(default_factory=dict)  # where each rule is written (all but opened:*)
    event_fields: tuple[str, ...] = ()  # the fields of an event its metrics' filters read (group, role …): part of its key

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
                "fields": list(self.fields), "regexes": [list(r) for r in self.regexes], "event_fields": list(self.event_fields)}


@dataclass
class _Compiler:
    regexes: list[tuple[str, str]] = field(default_factory=list)
    field_of: Callable[[str], str] = attribute_field  # how a compared field is named in the fact

    def regex_field(self, name: str, pattern: str) -> str:
        key = (name, pattern)
        if key not in self.regexes:
            self.regexes.append(key)
        return f"m_{self.regexes.index(key)}"

    def compare(self, c: Compare, negate: bool) -> Expr | None:
        f = self.field_of(c.field)
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


def _flat(op: str, items: list[Expr]) -> list[Expr]:
    """An `$and` of `$and`s is one `$and` (likewise `$or`): one operator fewer of the budget."""
    return [inner for item in items for inner in item.get(op, (item,))]


def _and(items: list[Expr]) -> Expr:
    items = _unique(_flat("$and", items))
    return items[0] if len(items) == 1 else {"$and": items}


def _or(items: list[Expr]) -> Expr:
    items = _unique(_flat("$or", items))
    return items[0] if len(items) == 1 else {"$or": items}


def operators(expr: Expr) -> int:
    """The `$and` / `$or` operators of a condition (each takes two of durable's expression slots)."""
    ((key, value),) = expr.items()
    return 1 + sum(operators(e) for e in value) if key in ("$and", "$or") else 0


def _parts(expr: Expr) -> Iterator[Expr]:
    """Conditions of at most BUDGET operators whose disjunction is `expr` (the `$and` of a rule's kind and
    condition): the largest `$or` among its conjuncts is shared out, its alternatives packed into as few
    parts as fit. Each part has fewer operators than what it came from, so the splitting ends."""
    if operators(expr) <= BUDGET:
        yield expr
        return
    conjuncts = expr["$and"]  # flat: over budget, so some conjunct is an `$or`
    largest = max((c for c in conjuncts if "$or" in c), key=operators)
    rest = [c for c in conjuncts if c is not largest]
    room = BUDGET - 2 - sum(map(operators, rest))  # what the alternatives of a packed `$or` may hold
    groups: list[list[Expr]] = []
    for alternative in largest["$or"]:
        if groups and sum(map(operators, groups[-1])) + operators(alternative) <= room:
            groups[-1].append(alternative)
        else:
            groups.append([alternative])
    for group in groups:
        yield from _parts(_and([*rest, _or(group)]))


def compile_policy(policy: Policy) -> CompiledPolicy:
    """The policy's ruleset; ConditionTooLarge for a condition the engines cannot be given."""
    c = _Compiler()
    rules: dict[str, Expr] = {}
    meaning: dict[str, dict[str, Any]] = {}
    paths: dict[str, JsonPath] = {}

    def add(name: str, kind: str, expr: Expr | None, path: JsonPath | None = None) -> None:
        """The rule `name`, in parts (same action) where its condition is over the budget."""
        base: Expr = {"t": kind}
        whole = base if expr is None else {"$and": [base, *expr.get("$and", (expr,))]}  # flat: expr's items are unique
        parts = [whole] if operators(whole) <= BUDGET else list(itertools.islice(_parts(whole), MAX_PARTS + 1))
        if len(parts) > MAX_PARTS:
            raise ConditionTooLarge(name, path or ())
        for i, part in enumerate(parts, 1):
            rules[name if len(parts) == 1 else f"{name}#{i}"] = {"all": [{"m": part}], "run": name}
        if path is not None:
            paths[name] = path

    # every session runs an action before it is deleted (durable segfaults otherwise)
    add("opened:ticket", "ticket", None)
    add("opened:event", "event", None)
    read: set[str] = set()
    for rule in policy.targets:
        read.update(fields(rule.when))
        expr = c.condition(rule.when)
        for target_metric in rule.values:
            name = f"target:{target_metric}:{rule.index}"
            add(name, "ticket", expr, rule.path + ("when",))
            meaning[name] = {"kind": "target", "metric": target_metric, "rule": rule.index,
                             "line": rule.source.line}

    def on_ticket(name: str, cond: Condition, path: JsonPath, info: dict[str, Any]) -> None:
        """A rule over a subject's attributes: which steps, notices, invariants … apply to it."""
        read.update(fields(cond))
        add(name, "ticket", c.condition(cond), path + ("when",))
        meaning[name] = info

    def on_event(name: str, expr: Expr, path: JsonPath, info: dict[str, Any]) -> None:
        add(name, "event", expr, path)
        meaning[name] = info

    for metric_id, steps in policy.escalations.items():
        for step in steps:
            on_ticket(f"escalation:{metric_id}:{step.index}", step.when, step.path,
                      {"kind": "escalation", "metric": metric_id, "step": step.index, "line": step.source.line})
    for notice in policy.notices:
        on_ticket(f"notice:{notice.id}", notice.when, notice.path, {"kind": "notice", "notice": notice.id, "line": notice.source.line})
        if notice.on:
            on_event(f"notice-on:{notice.id}", _or([{"type": e} for e in notice.on]), notice.path + ("on",),
                     {"kind": "notice_on", "notice": notice.id})
    for invariant in policy.invariants:
        on_ticket(f"invariant:{invariant.id}", invariant.when, invariant.path,
                  {"kind": "invariant", "invariant": invariant.id, "line": invariant.source.line})
    for route in policy.routes:
        on_ticket(f"route:{route.id}", route.when, route.path, {"kind": "route", "route": route.index, "line": route.source.line})
    for correlation in policy.correlations:
        on_ticket(f"correlation:{correlation.id}", correlation.when, correlation.path,
                  {"kind": "correlation", "correlation": correlation.id, "line": correlation.source.line})
    for penalty in policy.penalties:
        on_ticket(f"penalty:{penalty.id}", penalty.when, penalty.path,
                  {"kind": "penalty", "penalty": penalty.id, "line": penalty.source.line})
        for i, multiplier in enumerate(penalty.multipliers):
            on_ticket(f"multiplier:{penalty.id}:{i}", multiplier.when, multiplier.path,
                      {"kind": "multiplier", "penalty": penalty.id, "index": i})
    for credit in policy.credits:
        if credit.breach is not None:  # a credit by availability is owed per service, on no subject's attributes
            on_ticket(f"credit:{credit.id}", credit.when, credit.path,
                      {"kind": "credit", "credit": credit.id, "line": policy.document.locate(credit.path).line})
    on_fields = _Compiler(field_of=event_field)  # event filters compare the event's own fields
    for metric in policy.metrics.values():
        for action, events in metric.events().items():
            if events:
                filters = metric.filters.get(action, {})
                on_event(f"clock:{metric.id}:{action}", _or([_event(e, filters.get(e), on_fields) for e in events]),
                         metric.path + (action,), {"kind": "clock", "metric": metric.id, "action": action})
        if metric.pause_statuses:
            on_event(f"clock:{metric.id}:pause_while", _or([{"status": s} for s in metric.pause_statuses]),
                     metric.path + ("pause_while",), {"kind": "clock", "metric": metric.id, "action": "pause_while"})
    return CompiledPolicy(
        name=f"{policy.id}@{policy.version}",
        rules=rules,
        meaning=meaning,
        fields=tuple(sorted(read)),
        regexes=tuple(c.regexes),
        paths=paths,
        event_fields=tuple(sorted({f for m in policy.metrics.values() for found in m.filters.values()
                                   for cond in found.values() for f in fields(cond)})),
    )


def _event(event_type: str, only: Condition | None, on_fields: _Compiler) -> Expr:
    """An event of this type, and of those only the ones whose fields meet the metric's filter."""
    expr = on_fields.condition(only) if only is not None else None
    return {"type": event_type} if expr is None else _and([{"type": event_type}, expr])

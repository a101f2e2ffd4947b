"""`when:` conditions: structured data over ticket attributes, never code.

    when: {severity: P1}                           equality
    when: {severity: [P1, P2]}                     shorthand for `in`
    when: {region: {in: [same_city, suburbs]}}     eq ne in not_in lt le gt ge matches exists
    when: {all: [...]} / {any: [...]} / {none: [...]} / {not: {...}}

Several keys in one mapping must all hold. `matches` is a regular expression that must
match the whole value; it is RE2 syntax (no backreferences, no lookaround) run by RE2,
whose matching time is linear in the value's length: no pattern can make a run hang
(`(a+)+$` on a long value is as fast as any other). A comparison on an attribute the
ticket does not have is false, except `ne`, `not_in` and `exists: false`, which are true.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from ..i18n import N_, Message

COMBINATORS = ("all", "any", "none", "not")
OPERATORS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "matches", "exists")

Scalar = str | int | float | bool | None


class ConditionError(ValueError):
    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message  # a Message: the text output says it in the reader's language
        self.path = path


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Compare | All | AnyOf | Not
ALWAYS = All(())


def parse_condition(data: Any, path: tuple[str | int, ...] = ()) -> Condition:
    if data is None:
        return ALWAYS
    if not isinstance(data, Mapping):
        raise ConditionError(Message(N_("a condition must be a mapping such as {example}"), example="{severity: P1}"), path)
    items: list[Condition] = []
    for key, value in data.items():
        p = path + (key,)
        if key in ("all", "any", "none"):
            if not isinstance(value, list):
                raise ConditionError(Message(N_("'{key}' takes a list of conditions, e.g. {example}"), key=key,
                                             example=f"{key}: [{{severity: P1}}, {{tier: gold}}]"), p)
            parts = tuple(parse_condition(v, p + (i,)) for i, v in enumerate(value))
            items.append(All(parts) if key == "all" else AnyOf(parts) if key == "any" else Not(AnyOf(parts)))
        elif key == "not":
            items.append(Not(parse_condition(value, p)))
        elif isinstance(value, list):
            items.append(Compare(key, "in", tuple(value)))
        elif isinstance(value, Mapping):
            for op, operand in value.items():
                items.append(_compare(key, op, operand, p + (op,)))
        else:
            items.append(Compare(key, "eq", value))
    return items[0] if len(items) == 1 else All(tuple(items))


def _compare(field: str, op: str, operand: Any, path: tuple[str | int, ...]) -> Compare:
    if op not in OPERATORS:
        raise ConditionError(Message(N_("unknown operator '{op}'; use one of {operators}"), op=op, operators=", ".join(OPERATORS)), path)
    if op in ("in", "not_in"):
        if not isinstance(operand, list):
            raise ConditionError(Message(N_("'{op}' takes a list of values, e.g. {example}"), op=op, example=f"{{{op}: [P1, P2]}}"), path)
        return Compare(field, op, tuple(operand))
    if op == "matches":
        problem = regex_problem(str(operand))
        if problem is not None:
            raise ConditionError(problem, path)
        return Compare(field, op, str(operand))
    if op == "exists" and not isinstance(operand, bool):
        raise ConditionError(Message(N_("'exists' takes true or false, e.g. {example}"), example="{exists: true}"), path)
    return Compare(field, op, operand)


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # errors are reported as diagnostics, not printed by RE2


@lru_cache(maxsize=1024)
def pattern(text: str) -> Any:
    """The compiled RE2 pattern (linear-time matching); re2.error if it is not valid RE2 syntax."""
    return re2.compile(text, _RE2_OPTIONS)


def regex_problem(text: str) -> str | None:
    """Why `text` is not a usable regular expression, or None."""
    try:
        pattern(text)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return Message(N_("invalid regular expression {text}: {reason} (RE2 syntax: no backreferences or lookaround)"), text=repr(text),
                       reason=reason)
    return None


def full_match(regex: str, value: object) -> bool:
    """Whether the whole text matches. Matched as its UTF-8 bytes, which RE2 matches either way: given text,
    the wrapper encodes it and then maps each offset back to a character, work a yes or no does not need. A lone
    surrogate (YAML's "\\ud800" reads as one) is matched as the bytes Python would write for it, not refused."""
    return isinstance(value, str) and pattern(regex).fullmatch(value.encode("utf-8", "surrogatepass")) is not None


def fields(cond: Condition) -> Iterator[str]:
    """Every attribute the condition reads."""
    if isinstance(cond, Compare):
        yield cond.field
    elif isinstance(cond, Not):
        yield from fields(cond.item)
    else:
        for c in cond.items:
            yield from fields(c)


def compares(cond: Condition) -> Iterator[Compare]:
    if isinstance(cond, Compare):
        yield cond
    elif isinstance(cond, Not):
        yield from compares(cond.item)
    else:
        for c in cond.items:
            yield from compares(c)


_MISSING = object()


def _ordered(a: Any, b: Any) -> bool:
    numeric = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numeric) and isinstance(b, numeric)) or (isinstance(a, str) and isinstance(b, str))


def _compare_value(c: Compare, value: Any) -> bool:
    if c.op == "exists":
        return (value is not _MISSING) is bool(c.value)
    if value is _MISSING:
        return c.op in ("ne", "not_in")
    if c.op == "eq":
        return bool(value == c.value)
    if c.op == "ne":
        return bool(value != c.value)
    if c.op == "in":
        return value in c.value
    if c.op == "not_in":
        return value not in c.value
    if c.op == "matches":
        return full_match(c.value, value)
    if not _ordered(value, c.value):
        return False
    if c.op == "lt":
        return bool(value < c.value)
    if c.op == "le":
        return bool(value <= c.value)
    if c.op == "gt":
        return bool(value > c.value)
    return bool(value >= c.value)


def evaluate(cond: Condition, attributes: Mapping[str, Any]) -> bool:
    if isinstance(cond, Compare):
        return _compare_value(cond, attributes.get(cond.field, _MISSING))
    if isinstance(cond, All):
        return all(evaluate(c, attributes) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(evaluate(c, attributes) for c in cond.items)
    return not evaluate(cond.item, attributes)


def evaluate_partial(cond: Condition, known: Mapping[str, Any], known_fields: frozenset[str]) -> bool | None:
    """Three-valued evaluation: None where the answer depends on attributes not in `known_fields`."""
    if isinstance(cond, Compare):
        if cond.field not in known_fields:
            return None
        return _compare_value(cond, known.get(cond.field, _MISSING))
    if isinstance(cond, Not):
        inner = evaluate_partial(cond.item, known, known_fields)
        return None if inner is None else not inner
    results = [evaluate_partial(c, known, known_fields) for c in cond.items]
    if isinstance(cond, All):
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if any(r is True for r in results):
        return True
    return False if all(r is False for r in results) else None


EVENT_FIELDS = ("actor", "role", "assignee", "group")  # what an event says of who did it, to whom (its own fields)
_EVENT_OPERATORS = ("eq", "ne", "in", "not_in", "exists")


def event_items(data: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str, ...], dict[str, Condition]]:
    """A metric's events as written: `assigned`, a list, or an item with a filter on the event's own fields
    (`{assigned: {group: technical_support}}`: an assignment to that group only). The event types, and the
    filter of each type that has one (a type also written plainly, or twice, takes any of them)."""
    items = [data] if isinstance(data, (str, Mapping)) else list(data or ())
    types: list[str] = []
    filters: dict[str, list[Condition] | None] = {}
    for i, item in enumerate(items):
        where = path + ((i,) if not isinstance(data, (str, Mapping)) else ())
        if isinstance(item, str):
            types.append(item)
            filters[item] = None
            continue
        ((event, cond),) = item.items()
        condition = parse_condition(cond, where + (event,))
        for c in compares(condition):
            if c.field not in EVENT_FIELDS:
                raise ConditionError(Message(N_("'{field}' is not a field of an event; a filter reads the event's {fields}"), field=c.field,
                                             fields=", ".join(EVENT_FIELDS)), where + (event,))
            if c.op not in _EVENT_OPERATORS:
                raise ConditionError(Message(N_("an event filter compares with {operators}, not '{op}'"), operators=", ".join(_EVENT_OPERATORS),
                                             op=c.op), where + (event,))
        types.append(event)
        found = filters.setdefault(event, [])
        if found is not None:
            found.append(condition)
    return tuple(dict.fromkeys(types)), {e: c[0] if len(c) == 1 else AnyOf(tuple(c)) for e, c in filters.items() if c}

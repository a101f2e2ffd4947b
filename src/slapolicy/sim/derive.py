"""The attributes a policy derives, filled in before the rules engine is asked: each date period
(`periods:`) from the subject's creation day, then each lookup table (`lookups:`, the priority
matrix) from the keys it reads, a table before those that read what it gives. A lookup is data,
not a rule: both engines see the same attributes, and the decisions are cached per their values.

A subject that gives a derived attribute itself: under `given: finding` the derived value applies
and a given one that differs is a `given_differs` finding; under `given: precedence` the given
value applies and the rule fills in only a missing one. Where the rule gives nothing (a key
missing, a combination without a cell), the given value stands, else the attribute's `default`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from ..policy.derived import Lookup, Period
from ..policy.model import Policy
from .outcome import Derivation, Finding


def ordered(lookups: Mapping[str, Lookup]) -> tuple[Lookup, ...]:
    """The tables, each after those giving the keys it reads (file order otherwise; a cycle, which
    `validate` reports as SLA509, is broken at its first table in file order)."""
    out: list[Lookup] = []
    placed: set[str] = set()

    def place(table: Lookup, visiting: tuple[str, ...]) -> None:
        if table.attribute in placed or table.attribute in visiting:
            return
        for key in table.keys:
            if key in lookups:
                place(lookups[key], visiting + (table.attribute,))
        placed.add(table.attribute)
        out.append(table)

    for table in lookups.values():
        place(table, ())
    return tuple(out)


class Deriver:
    """One policy version's derived attributes."""

    def __init__(self, policy: Policy) -> None:
        self.tz = policy.tz
        self.periods = tuple(policy.periods.values())
        self.lookups = ordered(policy.lookups)
        subject = {name: a.subject for name, a in policy.attributes.items()}
        self._kinds = {t.attribute: subject.get(t.attribute, "ticket") for t in self.lookups}
        self._defaults = {t.attribute: policy.attributes[t.attribute].default for t in self.lookups
                          if t.attribute in policy.attributes and policy.attributes[t.attribute].default is not None}
        self.active = bool(self.periods or self.lookups)

    def derive(self, kind: str, given: Mapping[str, Any], created: float, at: float) -> tuple[dict[str, Any], tuple[Derivation, ...]]:
        """The subject's attributes with the derived ones filled in, and how each was settled."""
        attrs = dict(given)
        found: list[Derivation] = []
        if self.periods and math.isfinite(created):  # a subject read only in part may have no time
            day = dt.datetime.fromtimestamp(created, self.tz).date()
            for period in self.periods:
                found.append(_settle(attrs, period.id, period, period.value_on(day), (("created", day.isoformat()),), at))
        for table in self.lookups:
            if self._kinds[table.attribute] != kind:
                continue
            cell = table.cell(attrs)
            inputs = tuple(zip(table.keys, cell[0])) if cell else tuple((k, attrs.get(k)) for k in table.keys)
            found.append(_settle(attrs, table.attribute, table, cell[1] if cell else None, inputs, at))
            if attrs.get(table.attribute) is None and table.attribute in self._defaults:
                attrs[table.attribute] = self._defaults[table.attribute]
        return attrs, tuple(found)


def _settle(attrs: dict[str, Any], name: str, rule: Lookup | Period, derived: Any, inputs: tuple[tuple[str, Any], ...],
            at: float) -> Derivation:
    given = attrs.get(name)
    value = derived if given is None or (derived is not None and rule.given == "finding") else given
    if value is not None:
        attrs[name] = value
    return Derivation(at, name, value, derived, given, inputs, rule)


def changes(history: list[tuple[Derivation, ...]]) -> tuple[Derivation, ...]:
    """Each derivation of the first snapshot, then each later one that settled its attribute otherwise
    (another value, cell, or given value)."""
    out: list[Derivation] = []
    last: dict[str, Derivation] = {}
    for snapshot in history:
        for d in snapshot:
            before = last.get(d.attribute)
            if before is None or (before.value, before.derived, before.given, before.inputs) != (d.value, d.derived, d.given, d.inputs):
                out.append(d)
                last[d.attribute] = d
    return tuple(out)


def differences(derived: tuple[Derivation, ...]) -> list[Finding]:
    """A `given_differs` finding for each given value that differs from what the rule gives, where the
    rule's value applies (`given: finding`), once per given and derived value."""
    found: list[Finding] = []
    seen: set[tuple[str, Any, Any]] = set()
    for d in derived:
        if not d.differs or d.rule.given != "finding" or (d.attribute, d.given, d.derived) in seen:
            continue
        seen.add((d.attribute, d.given, d.derived))
        found.append(Finding("given_differs", f"{d.attribute} '{d.given}' given, but {why(d)} gives '{d.derived}': "
                                              f"that applies", d.at, d.rule.clauses, d.rule.source, d.attribute))
    return found


def why(d: Derivation) -> str:
    """Which rule, and which cell or day: `the severity table (criticality High × impact MEDIUM)`."""
    if isinstance(d.rule, Period):
        return f"the period of the creation day ({d.inputs[0][1]})"
    return f"the {d.attribute} table ({' × '.join(f'{k} {v}' for k, v in d.inputs)})"

"""Attributes the policy derives rather than the subject giving them: the named period a subject's
creation day falls in (`periods:`), and values looked up in a table from other attributes
(`lookups:`, the priority matrix). The replay fills them in before the rules engine is asked
(`slapolicy.sim.derive`), so conditions, targets and every rule read them like given ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..calendar.periods import DaySpan, PeriodError, parse_span
from ..i18n import N_, Message
from .loader import JsonPath, Source


def cell_key(value: Any) -> str:
    """A value as a lookup table's key is written: text as it is, true/false, numbers as written."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Period:
    """An attribute every subject has: the named period its creation day (policy time zone) falls in
    (`periods:` — term time, vacation, a year-end freeze), else `otherwise`."""

    id: str
    spans: Mapping[str, tuple[DaySpan, ...]]  # each named period and its days, in file order
    otherwise: str
    path: JsonPath
    source: Source
    given: str = "finding"  # a subject that gives it: the period applies (a given_differs finding) or the given one
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return (*self.spans, self.otherwise)

    def value_on(self, day: dt.date) -> str:
        for value, spans in self.spans.items():
            if any(span.holds(day) for span in spans):
                return value
        return self.otherwise


@dataclass(frozen=True)
class Lookup:
    """The table that gives `attribute` its value from the values of `rows` (and `columns`): a priority
    matrix (criticality x impact -> severity), a criticality by service and period."""

    attribute: str
    rows: str
    columns: str | None
    cells: Mapping[tuple[str, ...], Any]  # (row,) or (row, column), as `cell_key` writes them -> the value
    otherwise: Any
    path: JsonPath
    source: Source
    given: str = "finding"  # a subject that gives it: the table's value applies (a given_differs finding) or the given one
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.rows,) if self.columns is None else (self.rows, self.columns)

    def cell(self, attributes: Mapping[str, Any]) -> tuple[tuple[Any, ...], Any] | None:
        """The subject's values of the keys and the value the table gives them; None where a key is missing
        or the table has no cell (and no `otherwise`) for them."""
        found = tuple(attributes.get(k) for k in self.keys)
        if any(v is None for v in found):
            return None
        value = self.cells.get(tuple(cell_key(v) for v in found), self.otherwise)
        return None if value is None else (found, value)


Fail = Callable[[JsonPath, str], None]  # reports a value the schema cannot judge, at its place


def read_period(name: str, spec: Mapping[str, Any], path: JsonPath, source: Source, clauses: tuple[str, ...],
                fail: Fail) -> Period:
    """A schema-valid `periods:` entry as a Period; days that do not exist and ranges that run backwards are reported."""
    spans: dict[str, tuple[DaySpan, ...]] = {}
    for value, items in spec["dates"].items():
        read = []
        for i, item in enumerate(items):
            where = path + ("dates", value, i)
            try:
                read.append(parse_span(item) if isinstance(item, str) else parse_span(item["from"], item["to"]))
            except PeriodError as exc:
                fail(where, exc.args[0])  # a Message
        spans[value] = tuple(read)
    if spec["otherwise"] in spans:
        fail(path + ("otherwise",), Message(N_("'{period}' names a period with dates; `otherwise` names every other day (term_time)"),
                                            period=spec["otherwise"]))
    return Period(name, spans, spec["otherwise"], path, source, spec.get("given", "finding"), clauses, spec.get("choice"))


def read_lookup(attribute: str, spec: Mapping[str, Any], path: JsonPath, source: Source, clauses: tuple[str, ...],
                fail: Fail) -> Lookup:
    """A schema-valid `lookups:` entry as a Lookup: one value per row, or a mapping per row with two keys."""
    two = "columns" in spec
    cells: dict[tuple[str, ...], Any] = {}
    for row, entry in spec["cells"].items():
        if isinstance(entry, Mapping) != two:
            fail(path + ("cells", row), f"row '{row}' must be a mapping of {spec['columns']} to values" if two else
                 f"row '{row}' must be one value: the table has no `columns`, so each row gives the value itself")
            continue
        for column, value in (entry.items() if two else [(None, entry)]):
            cells[(cell_key(row),) if column is None else (cell_key(row), cell_key(column))] = value
    return Lookup(attribute, spec["rows"], spec.get("columns"), cells, spec.get("otherwise"), path, source,
                  spec.get("given", "finding"), clauses, spec.get("choice"))

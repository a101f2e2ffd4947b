"""Lookup tables are read one after another, each after the tables giving the attributes it reads:
tables that read each other's values in a circle have no order (severity from criticality, and
criticality from severity).

Passes::

    lookups:
      criticality: {rows: service, columns: season, cells: {...}}
      severity: {rows: criticality, columns: impact, cells: {...}}   # criticality first

Fails::

    lookups:
      criticality: {rows: severity, cells: {...}}      # SLA511: criticality -> severity -> criticality
      severity: {rows: criticality, cells: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ...i18n import N_, Message
from ...policy.derived import Lookup
from ...policy.model import Policy
from .base import Problem

CODE = "SLA511"


def check(policy: Policy) -> Iterator[Problem]:
    tables = policy.lookups
    reported: set[str] = set()
    for start, table in tables.items():
        cycle = None if start in reported else _cycle_from(tables, start)
        if cycle is not None:
            reported.update(cycle)
            yield Problem(table.path, Message(N_("the lookup tables read each other in a circle: {circle}; give one of them from "
                                                 "attributes no table gives"), circle=" -> ".join([*cycle, start])), key=True)


def _cycle_from(tables: Mapping[str, Lookup], start: str) -> list[str] | None:
    """The tables of a circle through `start`, in reading order, or None."""
    stack: list[list[str]] = [[start]]
    while stack:
        trail = stack.pop()
        for key in tables[trail[-1]].keys:
            if key == start:
                return trail
            if key in tables and key not in trail:
                stack.append([*trail, key])
    return None

"""Ids of target rules, escalation steps and objectives are unique within a policy.

Passes::

    targets:
      - {id: p1, when: {severity: P1}, first_response: 15m}
      - {id: p2, when: {severity: P2}, first_response: 30m}

Fails::

    targets:
      - {id: p1, when: {severity: P1}, first_response: 15m}
      - {id: p1, when: {severity: P2}, first_response: 30m}   # SLA202 duplicate id 'p1'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ...i18n import N_, Message
from ...policy.loader import JsonPath
from ...policy.model import Policy
from .base import Problem

CODE = "SLA202"


def _duplicates(kind: str, items: Iterable[tuple[str | None, JsonPath]], doc_line: dict[JsonPath, int]) -> Iterator[Problem]:
    seen: dict[str, JsonPath] = {}
    for ident, path in items:
        if ident is None:
            continue
        if ident in seen:
            yield Problem(path + ("id",), Message(N_("duplicate {kind} id '{id}' (first used at line {line}); give each {kind} "
                                                     "its own id"), kind=Message(kind), id=ident, line=doc_line[seen[ident]]))
        else:
            seen[ident] = path


def check(policy: Policy) -> Iterator[Problem]:
    doc = policy.document
    lines: dict[JsonPath, int] = {}
    groups: list[tuple[str, list[tuple[str | None, JsonPath]]]] = [
        (N_("target rule"), [(r.id, r.path) for r in policy.targets]),
        (N_("escalation step"), [(s.id, s.path) for steps in policy.escalations.values() for s in steps]),
        (N_("objective"), [(o.id, o.path) for o in policy.objectives]),
    ]
    for _, items in groups:
        for _, path in items:
            lines[path] = doc.locate(path + ("id",)).line
    for kind, items in groups:
        yield from _duplicates(kind, items, lines)

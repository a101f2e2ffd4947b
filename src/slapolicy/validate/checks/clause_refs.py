"""A policy that names the clause registers it implements (`registers:`) may cite only
their clauses, and the registers must be readable.

Passes::

    registers: [../../regulation/000.yaml]
    targets:
      - {when: {severity: P1}, clause: R-000-04, first_response: 15m}

Fails::

    registers: [../../regulation/000.yaml]
    targets:
      - {when: {severity: P1}, clause: R-000-44, first_response: 15m}   # SLA702: no such clause
"""

from __future__ import annotations

from collections.abc import Iterator

from ...diagnostics.record import did_you_mean
from ...i18n import N_, Message
from ...policy.citations import citations
from ...policy.model import Policy
from ...policy.register import clause_index, registers_of
from .base import Problem

CODE = "SLA702"


def check(policy: Policy) -> Iterator[Problem]:
    if not policy.registers:
        return
    registers, broken = registers_of(policy.source, policy.registers)
    for i, raw in enumerate(policy.registers):
        for name, why in broken:
            if name == raw:
                yield Problem(("registers", i), Message(N_("register {path}: {why}"), path=raw, why=why))
    if broken:
        return
    known = clause_index(registers)
    names = ", ".join(r.id for r in registers)
    for clause, _, path in citations(policy):
        if clause not in known:
            yield Problem(path, Message(N_("{clause} is not a clause of the registers this policy implements ({registers}){near}"),
                                        clause=clause, registers=names, near=did_you_mean(clause, tuple(known))))

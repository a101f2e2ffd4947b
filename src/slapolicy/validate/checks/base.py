"""What a semantic check yields: a place in the policy and a message; the runner adds the
code and its registered severity."""

from __future__ import annotations

from dataclasses import dataclass

from ...policy.loader import JsonPath
from ...policy.model import Policy
from ...policy.register import Clause, clause_index, registers_of


@dataclass(frozen=True)
class Problem:
    path: JsonPath
    message: str
    key: bool = False  # point at the key rather than its value


def implemented_clauses(policy: Policy) -> dict[str, Clause] | None:
    """The clauses of the registers the policy implements, by id; None when it names none, or when one
    cannot be used (SLA702 says why): the checks of clauses have nothing to check against."""
    if not policy.registers:
        return None
    registers, broken = registers_of(policy.source, policy.registers)
    return None if broken else clause_index(registers)

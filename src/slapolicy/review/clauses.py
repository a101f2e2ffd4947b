"""The regulation against its encoding: for every clause of the registers the policies
implement, the rules that encode it and the policy-test cases that cite it and verify it.

A clause is *cited* when a rule or a case names it, and *verified* when a passing case that
cites it checks one of the things it governs (review.governs: an expectation on a clock,
escalation, notice, finding, charge or objective whose rule cites the clause). `slapolicy
clauses` prints this table; a clause to enforce (any kind but `org`) that is not verified is a
gap. The manual's clause table (docs/shipped.md) is this table's Markdown form, checked by a test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics.record import Diagnostic, Severity
from ..policy.citations import citations
from ..policy.register import Clause, Register, registers_of
from ..rules.engine import Backend
from ..validate.repository import scan
from ..validate.settings import NO_SETTINGS, Settings
from .testing import CaseResult, run_tests


@dataclass(frozen=True)
class RuleRef:
    policy: str  # policy id and version
    rule: str  # "target p1-urgent", "metric first_response", …
    source: str  # path:line


@dataclass(frozen=True)
class ClauseRow:
    clause: Clause
    policies: tuple[str, ...]  # the policies implementing its register
    rules: tuple[RuleRef, ...]
    cases: tuple[CaseResult, ...]  # test cases citing it, whatever their outcome

    @property
    def passing(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if c.outcome == "passed")

    @property
    def verifying(self) -> tuple[CaseResult, ...]:
        """The passing cases citing it that check something it governs."""
        return tuple(c for c in self.passing if self.clause.id in c.checks)

    @property
    def cited(self) -> bool:
        return bool(self.rules or self.cases)

    @property
    def status(self) -> str:
        """org (needs no rule), unencoded (no rule cites it), untested (no passing case cites it),
        unverified (passing cases cite it, none checks what it governs), or verified."""
        if not self.clause.enforceable:
            return "org"
        if not self.rules:
            return "unencoded"
        if not self.passing:
            return "untested"
        return "verified" if self.verifying else "unverified"


@dataclass
class ClauseTable:
    rows: list[ClauseRow] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unreadable: bool = False

    @property
    def gaps(self) -> list[ClauseRow]:
        return [r for r in self.rows if r.status in ("unencoded", "untested", "unverified")]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)


def clause_table(paths: Iterable[str | Path], backend: Backend, settings: Settings = NO_SETTINGS) -> ClauseTable:
    """Read the policies and test files under `paths`, run the tests, and relate each clause of
    the policies' registers to the rules citing it and the cases citing it (a policy file named
    outright: its rules, and the tests beside it)."""
    paths = list(paths)
    scanned = scan(paths, settings)
    table = ClauseTable(diagnostics=list(scanned.diagnostics), unreadable=scanned.unreadable)
    registers: dict[str, Register] = {}
    implementers: dict[str, set[str]] = {}  # register id -> policy ids
    rules: dict[str, list[RuleRef]] = {}
    for policy in sorted(scanned.usable(), key=lambda p: (p.id, p.version_key)):
        found, _ = registers_of(policy.source, policy.registers)  # unreadable ones are SLA702 diagnostics
        for register in found:
            registers.setdefault(register.id, register)
            implementers.setdefault(register.id, set()).add(policy.id)
        for cited in citations(policy):
            line = policy.document.locate(cited.path).line
            rules.setdefault(cited.clause, []).append(RuleRef(policy.label, cited.rule, f"{policy.source}:{line}"))
    run = run_tests(paths, backend, settings=settings)
    table.diagnostics.extend(run.diagnostics)
    table.unreadable |= run.unreadable
    cases: dict[str, list[CaseResult]] = {}
    owner = {c.id: r.id for r in registers.values() for c in r.clauses}
    uncited: list[Diagnostic] = []
    for case in run.cases:
        for clause_id in case.clauses:
            register_id = owner.get(clause_id)
            if register_id is not None and case.policy_id in implementers[register_id]:
                cases.setdefault(clause_id, []).append(case)
            else:
                uncited.append(Diagnostic.of(
                    case.path, case.line, 1, "SLA702",
                    f"the case cites {clause_id}, which is not a clause of the registers policy '{case.policy_id}' implements"))
    table.diagnostics.extend(settings.apply(uncited, ()))
    for register in sorted(registers.values(), key=lambda r: r.id):
        for clause in register.clauses:
            table.rows.append(ClauseRow(clause, tuple(sorted(implementers[register.id])), tuple(rules.get(clause.id, ())),
                                        tuple(cases.get(clause.id, ()))))
    return table

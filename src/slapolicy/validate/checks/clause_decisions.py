"""Where two clauses of the regulation disagree (the register says so: `disagrees_with`),
a policy that cites either records which one it applies and why (`decisions:`).

Passes::

    decisions:
      - {clauses: [R-000-01, R-000-04], applies: R-000-04, why: "the severity table is the specific rule"}
    targets:
      - {when: {severity: P1}, clause: R-000-04, first_response: 15m}

Fails::

    targets:
      - {when: {severity: P1}, clause: R-000-04, first_response: 15m}   # SLA703: R-000-01 says 2 h; no decision
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.citations import citations
from ...policy.model import Policy
from .base import Problem, implemented_clauses

CODE = "SLA703"


def check(policy: Policy) -> Iterator[Problem]:
    known = implemented_clauses(policy)
    if known is None:
        return
    decided = {frozenset(d.clauses) for d in policy.decisions}
    reported: set[frozenset[str]] = set()
    for clause, _, path in citations(policy):
        entry = known.get(clause)
        if entry is None:
            continue
        for other in entry.disagrees_with:
            pair = frozenset((clause, other))
            if pair in reported or any(pair <= d for d in decided):
                continue
            reported.add(pair)
            yield Problem(path, Message(N_("{clause} and {other} disagree; record which one the policy applies and why ({example})"),
                                        clause=clause, other=other,
                                        example=f"decisions: [{{clauses: [{clause}, {other}], applies: …, why: …}}]"))
    for i, decision in enumerate(policy.decisions):
        for clause in (*decision.clauses, *decision.applies):
            if clause not in known:
                yield Problem(("decisions", i), Message(N_("{clause} is not a clause of the registers this policy implements"),
                                                        clause=clause))
        for applied in decision.applies:
            if applied not in decision.clauses:
                yield Problem(("decisions", i, "applies"), Message(N_("{clause} is not one of the clauses this decision is between"),
                                                                   clause=applied))

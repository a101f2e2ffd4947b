"""Which clauses a test case checks: for each expectation, the clauses of the rule that decides
what the expectation compares. `slapolicy clauses` calls a clause *verified* when a passing case
that cites it checks it this way (docs/clauses.md); a case that only cites it, or only expects a
rejection, a count or the absence of every finding, checks no clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..policy.model import Policy
from ..sim.outcome import Charge, ClockOutcome, EscalationFiring, Finding, NoticeFiring


def of_clock(policy: Policy, clock: ClockOutcome) -> set[str]:
    """The clauses of the target rule (and target value) that timed the clock, or, for a clock no
    clause-citing rule times (a periodic duty, an untimed measure, a deadline that is a choice),
    of the metric, which decide when it starts and stops; of the calendar it is counted on (and of the
    calendar choice that picked it for the subject); and, for a clock whose target a change of attributes
    re-selected, of `builtins: attribute_change`."""
    decided = (*(clock.rule.clauses if clock.rule is not None else ()),
               *(clock.target.clauses if clock.target is not None else ()))
    chosen_by = clock.target.chosen_by if clock.target is not None else None
    changed = of_builtin(policy, "attribute_change") if clock.changes else set()
    return {*(decided or clock.metric.clauses), *policy.calendar_clauses.get(clock.calendar, ()),
            *(policy.calendar_clauses.get(chosen_by, ()) if chosen_by else ()), *changed}


def of_builtin(policy: Policy, behaviour: str) -> set[str]:
    """The clauses a policy cites for one of slapolicy's own behaviours (`builtins:`)."""
    builtin = policy.builtins.get(behaviour)
    return set(builtin.clauses) if builtin is not None else set()


def of_firings(firings: Iterable[EscalationFiring | NoticeFiring | Finding | Charge]) -> set[str]:
    """The clauses of the escalation steps, notices, broken rules or penalties an expectation matched."""
    found: set[str] = set()
    for f in firings:
        if isinstance(f, EscalationFiring):
            found.update(f.step.clauses)
        elif isinstance(f, NoticeFiring):
            found.update(f.notice.clauses)
        elif isinstance(f, Charge):
            found.update(f.penalty.clauses)
        else:
            found.update(f.clauses)
    return found


def of_absent_steps(policy: Policy, want: Mapping[str, Any]) -> set[str]:
    """A `no_escalations` entry checks the steps it names (all of its metric's when it names none)."""
    return {c for s in policy.escalations.get(want["metric"], ())
            if want.get("step", s.index) == s.index and want.get("id", s.id) == s.id for c in s.clauses}


def of_absent_notice(policy: Policy, want: Mapping[str, Any]) -> set[str]:
    """A `no_notices` entry checks the notice it names."""
    return {c for n in policy.notices if n.id == want["id"] for c in n.clauses}

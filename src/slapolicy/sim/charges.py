"""Penalties charged on a subject: one charge per occurrence (a breach, a finding, or when the
subject came to match), computed on its attributes as they were at as_of, dated at the
occurrence, multiplied by the multipliers that apply, and paid by the first payer source that
names someone."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..policy.model import Penalty, Policy, hundredths
from .clock import Calendars
from .decisions import Snapshot
from .matches import Match
from .outcome import Charge, ClockOutcome, Finding
from .roster import Roster
from .tickets import Ticket


class Penalties:
    """One policy version's penalties, charged on subjects."""

    def __init__(self, policy: Policy, calendars: Calendars, roster: Roster, as_of: float) -> None:
        self._calendars = calendars
        self._roster = roster
        self._as_of = as_of

    def charges(self, ticket: Ticket, snapshots: list[Snapshot], clocks: tuple[ClockOutcome, ...],
                findings: tuple[Finding, ...], matches: tuple[Match, ...]) -> tuple[Charge, ...]:
        """Each occurrence of each penalty that applies: its amount, multipliers and payer."""
        known = [s for s in snapshots if s.at <= self._as_of] or snapshots[:1]  # nothing after --as-of counts
        decision = known[-1].decision
        if not decision.penalties:
            return ()
        attrs = known[-1].attributes
        matched = {m.correlation for m in matches}
        out: list[Charge] = []
        for penalty in decision.penalties:
            occurrences: list[tuple[float, str | None, str]] = []  # (when, actor, what)
            if penalty.breach is not None:
                occurrences += [(c.breached_at, None, f"{c.metric.id} breached" + (f" (period {c.cycle})" if c.cycle > 1 else ""))
                                for c in clocks if c.metric.id == penalty.breach and c.breached_at is not None]
            elif penalty.finding is not None:  # the rule broken, not a rule that could not be applied
                occurrences += [(f.at if f.at is not None else ticket.events[0].at, f.actor, f"{f.code}: {f.message}")
                                for f in findings if f.rule == penalty.finding and f.code != "undecided_rule"]
            else:
                since = next(s.at for s in known if penalty in s.decision.penalties)
                occurrences.append((since, None, f"{ticket.kind} matches {penalty.id}"))
            factor = 1.0  # shown as the policy writes its factors; the amount is multiplied exactly
            for i, multiplier in enumerate(penalty.multipliers):
                if (multiplier.matched is not None and multiplier.matched in matched) or (
                        multiplier.matched is None and (penalty.id, i) in decision.multiplied):
                    factor *= multiplier.factor
            window = self._calendars.counted_on(penalty.calendar, attrs) if penalty.calendar is not None else None
            for at, actor, what in occurrences:
                if window is not None and not window.in_working_time(at):
                    continue
                payer = self._payer(penalty, ticket, attrs, at, actor)
                out.append(Charge(at, penalty, hundredths(penalty.amount * Decimal(str(factor))), factor, payer, what))
        return tuple(out)

    def _payer(self, penalty: Penalty, ticket: Ticket, attrs: Mapping[str, Any], at: float, actor: str | None) -> str | None:
        """The first of the penalty's payer sources that names someone."""
        for source, argument in penalty.payer:
            found: str | None = None
            if source == "assignee":
                found = next((e.assignee for e in reversed(ticket.events) if e.at <= at and e.assignee is not None), None)
            elif source == "actor":
                found = actor
            elif source == "on_duty":
                found = self._roster.on_duty(at, argument)
            elif source == "attribute":
                value = attrs.get(argument or "")
                found = str(value) if value not in (None, "") else None
            elif source == "role":
                found = self._roster.on_duty(at, argument) or f"{argument} (role)"
            if found:
                return found
        return None

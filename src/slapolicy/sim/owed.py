"""What a subject adds to what the provider owes: the credits its late clocks earn its customer, and
the outages an availability measure cannot count.

A credit per breach is computed on the subject's attributes as they were at as_of, dated at the
breach, for each breached clock of its metric: a flat `credit`, or by its lateness, the working time on
the clock's calendar from its due time to its end (its stop, failure or cancellation, else as_of),
paused time left out. A share of a fee is of the subject's fee attribute; the sum of a lateness is
rounded to the hundredth once. The limits on what one customer is credited are the ledger's
(`slapolicy.kpi.ledger`), where all of a customer's credits meet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..policy.model import Policy, hundredths
from ..policy.owed import Amount, Credit, OfFee
from .clock import Calendars
from .decisions import Snapshot
from .outcome import ClockOutcome, CreditOwed, Finding
from .tickets import Ticket


class Owed:
    """One policy version's credits per breach, and the outage kinds its availability measures count."""

    def __init__(self, policy: Policy, calendars: Calendars, as_of: float) -> None:
        self._calendars = calendars
        self._as_of = as_of
        self.breaches = any(c.breach is not None for c in policy.credits)
        # the kind of subject each measure's downtime metric times, and the attributes it counts outages by
        self._outages = [(a, policy.metrics[a.downtime].subject) for a in policy.availability if a.downtime in policy.metrics]
        self.outage_kinds = frozenset(kind for _, kind in self._outages)
        self._life_ends = frozenset(policy.life_ends)
        self._services = frozenset(a.services.subject for a in policy.availability if a.services is not None)

    def ended(self, ticket: Ticket) -> float | None:
        """When a service's life ended (its term, where no term dates are given); None for other subjects."""
        if ticket.kind not in self._services:
            return None
        return next((e.at for e in ticket.events if e.type in self._life_ends), None)

    def credits(self, ticket: Ticket, snapshots: list[Snapshot], clocks: tuple[ClockOutcome, ...]) -> tuple[tuple[CreditOwed, ...], tuple[Finding, ...]]:
        """Each breach's credit, and a finding for each credit that cannot be computed (a fee the subject lacks)."""
        known = [s for s in snapshots if s.at <= self._as_of] or snapshots[:1]  # nothing after --as-of counts
        decision = known[-1].decision
        if not decision.credits:
            return (), ()
        attrs = known[-1].attributes
        owed: list[CreditOwed] = []
        findings: list[Finding] = []
        for credit in decision.credits:
            for clock in clocks:
                if clock.metric.id != credit.breach or clock.breached_at is None:
                    continue
                parts, why = self._earned(credit, clock)
                amount, missing = _money(parts, attrs)
                if missing:
                    findings.append(Finding("undecided_rule", f"credit {credit.id} could not be computed: the {ticket.kind} has no "
                                                              f"number '{missing}'", clock.breached_at, credit.clauses, None, credit.id))
                    continue
                payee = attrs.get(credit.payee)
                owed.append(CreditOwed(clock.breached_at, credit, amount, None if payee in (None, "") else str(payee), why))
        return tuple(owed), tuple(findings)

    def _earned(self, credit: Credit, clock: ClockOutcome) -> tuple[list[tuple[int, Amount]], str]:
        """What the breach earns, as (times, amount) parts, and why in words."""
        cycle = f" (cycle {clock.cycle})" if clock.cycle > 1 else ""
        if credit.credit is not None:
            return [(1, credit.credit)], f"{clock.metric.id} breached{cycle}"
        late = self._lateness(clock)
        parts: list[tuple[int, Amount]] = []
        words = []
        rest = late
        for step in credit.lateness:
            span = step.span.seconds
            if step.kind == "first":
                if rest > 0:
                    parts.append((1, step.credit))
                    words.append(f"the first {step.span}")
                rest = max(0.0, rest - span)
                continue
            times = math.ceil(rest / span) if step.kind == "each_started" else math.floor(rest / span)
            if times:
                parts.append((times, step.credit))
                words.append(f"{times} × {'started ' if step.kind == 'each_started' else ''}{step.span}")
            rest = 0.0
        return parts, f"{clock.metric.id}{cycle} {_hm(late)} late: {' + '.join(words) or 'nothing earned'}"

    def _lateness(self, clock: ClockOutcome) -> float:
        """Working time on the clock's calendar from its due time to its end, paused time left out."""
        due = clock.breached_at if clock.breached_at is not None else clock.due
        assert due is not None
        end = next((t for t in (clock.stopped, clock.failed, clock.cancelled) if t is not None), self._as_of)
        if end <= due:
            return 0.0
        cal = self._calendars[clock.calendar]
        late = cal.elapsed_epoch(due, end)
        for start, stop in clock.pauses:
            if stop > due and start < end:
                late -= cal.elapsed_epoch(max(start, due), min(stop, end))
        return max(0.0, late)

    def uncounted(self, kind: str, attrs: Mapping[str, Any], at: float) -> tuple[Finding, ...]:
        """An outage that lacks an attribute its measure counts outages by is counted nowhere: a finding says so."""
        found = []
        for measure, outage in self._outages:
            missing = [name for name in measure.per if attrs.get(name) in (None, "")]
            if outage == kind and missing:
                names = ", ".join(f"'{n}'" for n in missing)
                found.append(Finding("undecided_rule", f"availability {measure.id} could not count this {kind}: it has no {names}",
                                     at, measure.clauses, None, measure.id))
        return tuple(found)


def _money(parts: list[tuple[int, Amount]], attrs: Mapping[str, Any]) -> tuple[Decimal, str | None]:
    """The sum of the parts, shares of fees taken of the subject's fees, rounded once; or the fee it lacks."""
    total = Decimal(0)
    for times, amount in parts:
        if isinstance(amount, OfFee):
            fee = fee_of(attrs, amount.fee)
            if fee is None:
                return Decimal(0), amount.fee
            total += times * amount.share.fraction * fee
        else:
            total += times * amount
    return hundredths(total), None


def fee_of(attrs: Mapping[str, Any], name: str) -> Decimal | None:
    """A fee as the subject gives it, exactly (a number; None when it has none)."""
    value = attrs.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value))


def _hm(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"

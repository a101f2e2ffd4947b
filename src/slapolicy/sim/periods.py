"""Clocks of `every` metrics: a duty per calendar period (day, working day, week, month, quarter,
year) from the subject's start to its end (a `cancel_on` event, or the end of its life: closed, or
an event declared `ends: life`) or as_of, each period met by a stop event inside it by its due
time, each period missed its own breach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..calendar.business import BusinessCalendar
from ..policy.model import Metric, Policy
from .clock import INF, MAX_PERIODS, Calendars, too_many_periods
from .outcome import ClockOutcome, ClockStatus
from .tickets import Ticket


class Periods:
    """One policy version's `every` metrics, laid out over a subject's history."""

    def __init__(self, policy: Policy, calendars: Calendars, as_of: float) -> None:
        self._scheduled = {k: tuple(m for m in policy.metrics.values() if m.subject == k and m.every) for k in policy.kinds}
        self.kinds = frozenset(k for k, metrics in self._scheduled.items() if metrics)  # those with any
        self._calendars = calendars
        self._tz = policy.tz
        self._as_of = as_of
        life = frozenset(policy.life_ends)
        self._ends = {m.id: life | frozenset(m.cancel_on) for ms in self._scheduled.values() for m in ms}  # a duty ends with the life

    def clocks(self, ticket: Ticket) -> Iterator[ClockOutcome]:
        """The period clocks of the subject's `every` metrics, in policy order."""
        for metric in self._scheduled[ticket.kind]:
            yield from self._periods(metric, ticket)

    def _periods(self, metric: Metric, ticket: Ticket) -> Iterator[ClockOutcome]:
        """One clock per calendar period from the subject's start (its start event, else its creation) to
        its end (a cancel event or the end of its life) or as_of: met by a stop event inside the period,
        by its due time."""
        assert metric.schedule is not None
        as_of = self._as_of
        starts = [e.at for e in ticket.events if e.type in metric.start] if metric.start else [ticket.events[0].at]
        if not starts:
            return
        begin = starts[0]
        end_types = self._ends[metric.id]
        ends = [e.at for e in ticket.events if e.type in end_types and e.at >= begin]
        end = min(ends[0] if ends else INF, as_of)
        proofs = [e.at for e in ticket.events if e.type in metric.stop and e.at >= begin]
        cal = self._calendars.counted_on(metric.schedule.calendar, ticket.attributes)
        period_start = _period_start(dt.datetime.fromtimestamp(begin, self._tz), metric.every or "month")
        cycle = 0
        while True:
            lo = period_start.timestamp()
            if lo >= end:
                return
            period_end = _next_period(period_start, metric.every or "month")
            hi = period_end.timestamp()
            if metric.every == "working_day" and not cal.hours_on(period_start.date()):
                period_start = period_end  # a day off on the metric's calendar owes nothing
                continue
            due = hi if metric.due.working_day is None else _nth_working_day_end(cal, lo, hi, metric.due.working_day)
            if due <= begin:  # due before the subject's duty began (created after the 5th working day)
                period_start = period_end
                continue
            cycle += 1
            if cycle > MAX_PERIODS:
                raise too_many_periods(metric, end, self._tz, metric.every or "month")
            proof = next((p for p in proofs if lo <= p < hi), None)
            started = max(lo, begin)
            cancelled = ends[0] if ends and ends[0] < hi and (proof is None or ends[0] < proof) else None
            breached_at: float | None = None
            if proof is not None and proof <= as_of:
                state = ClockStatus.MET if proof <= due else ClockStatus.BREACHED
                breached_at = due if state is ClockStatus.BREACHED else None
            elif cancelled is not None and cancelled <= as_of and cancelled < due:
                state = ClockStatus.CANCELLED
            elif due <= as_of:
                state, breached_at = ClockStatus.BREACHED, due
            else:
                state = ClockStatus.RUNNING
            horizon = min(x for x in (proof, cancelled, as_of, hi) if x is not None)
            elapsed = cal.elapsed_epoch(started, max(started, horizon))
            yield ClockOutcome(metric, cycle, metric.schedule, None, started, due,
                               proof if proof is not None and proof <= as_of else None,
                               cancelled if cancelled is not None and cancelled <= as_of else None,
                               0.0, elapsed, False, state, breached_at, (), None, cal.name)
            period_start = period_end


def _period_start(when: dt.datetime, every: str) -> dt.datetime:
    """The start (local midnight) of the calendar period containing `when`."""
    day = when.date()
    if every == "week":
        day -= dt.timedelta(days=day.weekday())
    elif every == "month":
        day = day.replace(day=1)
    elif every == "quarter":
        day = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif every == "year":
        day = dt.date(day.year, 1, 1)
    return _midnight(day, when.tzinfo)


def _next_period(start: dt.datetime, every: str) -> dt.datetime:
    day = start.date()
    if every in ("day", "working_day"):
        day += dt.timedelta(days=1)
    elif every == "week":
        day += dt.timedelta(days=7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[every]
        index = day.month - 1 + months
        day = dt.date(day.year + index // 12, index % 12 + 1, 1)
    return _midnight(day, start.tzinfo)


def _midnight(day: dt.date, tz: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp(), tz)


def _nth_working_day_end(cal: BusinessCalendar, lo: float, hi: float, n: int) -> float:
    """The end of the Nth working day in [lo, hi), or the period's end if it has fewer (the day before
    the period is the start: it is not counted, its first working day is the 1st)."""
    return min(cal.add_working_days_epoch(lo - 1, n, "end_of_day"), hi)

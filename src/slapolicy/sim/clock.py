"""One cycle of one metric's clock, and its deadline: the state the clock machine
(`slapolicy.sim.machine`) drives and escalations read, kept apart so that how a clock is held
can change without touching what drives it.

A clock runs from its start until it is stopped, cancelled or failed; it may pause and resume
(paused working time does not count) and change target when the subject's attributes change,
in which case it keeps every target it had (`changes`), measured from its original start.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from typing import Any

from ..calendar.business import BusinessCalendar
from ..calendar.instants import InstantError, parse_instant
from ..policy.model import Metric, Policy, TargetRule, TargetValue
from .outcome import TargetChange
from .tickets import TicketError

INF = math.inf
MAX_PERIODS = 10_000  # periods of one recurring clock or `every` duty in one subject; with MAX_EVENTS this bounds its work


def local_day(t: float, tz: dt.tzinfo) -> str:
    """The day an instant falls on in a time zone, as messages name it."""
    return dt.datetime.fromtimestamp(t, tz).date().isoformat()


def too_many_periods(metric: Metric, until: float, tz: dt.tzinfo, every: str) -> TicketError:
    """The one limit of periods, for repeat clocks and `every` duties alike: a subject may have
    MAX_PERIODS periods of a metric, and its period number MAX_PERIODS + 1, however it begins, before
    `until` (the end of the replay), is refused with this `limit` error (raised where the periods are
    counted: `period > MAX_PERIODS`, inline, on the path of every period). `every`: how often they come."""
    return TicketError("limit", f"'{metric.id}' would run more than {MAX_PERIODS} periods (every {every}) before "
                                f"{local_day(until, tz)}; check --as-of and the subject's events")


class Calendars(dict[str, BusinessCalendar]):
    """The policy's business calendars by name, each built when first asked for (then a plain lookup)."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.specs = policy.calendars

    def __missing__(self, name: str) -> BusinessCalendar:
        cal = self[name] = BusinessCalendar(self.specs[name])
        return cal


class Clock:
    """One cycle of one metric's clock while the subject is replayed (mutable; becomes a ClockOutcome)."""

    __slots__ = ("metric", "cycle", "rank", "started", "target", "rule", "pauses", "stopped", "cancelled", "failed",
                 "changes", "breached_period")

    def __init__(self, metric: Metric, cycle: int, rank: int, started: float, target: TargetValue | None,
                 rule: TargetRule | None) -> None:
        self.metric = metric
        self.cycle = cycle
        self.rank = rank  # outcomes list clocks by metric (policy order), then cycle
        self.started = started
        self.target = target
        self.rule = rule
        self.pauses: list[list[float]] | None = None  # [start, end]; end = inf while open
        self.stopped: float | None = None
        self.cancelled: float | None = None
        self.failed: float | None = None
        self.changes: list[TargetChange] | None = None  # from the first re-selection on: every target it had
        self.breached_period: float | None = None  # for repeat clocks: due of a missed period

    @property
    def running(self) -> bool:
        return self.stopped is None and self.cancelled is None and self.failed is None

    @property
    def paused(self) -> bool:
        return self.pauses is not None and self.pauses[-1][1] == INF

    @property
    def paused_since(self) -> float:
        """When the open pause began (INF when it is not paused)."""
        return self.pauses[-1][0] if self.pauses is not None and self.pauses[-1][1] == INF else INF

    def pause(self, t: float) -> None:
        if self.pauses is None:
            self.pauses = [[t, INF]]
        else:
            self.pauses.append([t, INF])

    def resume(self, t: float) -> None:
        """End an open pause at t (no-op when not paused)."""
        if self.pauses is not None and self.pauses[-1][1] == INF:
            self.pauses[-1][1] = t

    def pauses_before(self, horizon: float) -> tuple[tuple[float, float], ...]:
        """Its pauses that began before `horizon`, each ending there at the latest."""
        return tuple((a, min(b, horizon)) for a, b in self.pauses if a < horizon) if self.pauses else ()

    def pauses_until(self, horizon: float, cal: BusinessCalendar) -> tuple[tuple[tuple[float, float], ...], float]:
        """`pauses_before(horizon)` and their working time on `cal`."""
        spans = self.pauses_before(horizon)
        return spans, (sum(cal.elapsed_epoch(a, b) for a, b in spans) if spans else 0.0)

    def retarget(self, t: float, target: TargetValue | None, rule: TargetRule | None) -> None:
        if self.changes is None:
            self.changes = [TargetChange(self.started, self.target, self.rule)]
        self.changes.append(TargetChange(t, target, rule))
        self.target, self.rule = target, rule


BY_RANK = operator.attrgetter("rank")


class Deadlines:
    """When a clock falls due under a target: on the target's calendar from the clock's start, or
    before the date an attribute names; pushed back by the working time it was paused."""

    def __init__(self, policy: Policy, calendars: Calendars) -> None:
        self.calendars = calendars
        self._anchors: dict[tuple[str, str], float] = {}
        self._date_anchors = frozenset(a.id for a in policy.attributes.values() if a.type == "date")

    def due(self, clock: Clock, target: TargetValue | None, attrs: dict[str, Any], until: float) -> float | None:
        """The due time under `target`, counting the clock's pauses that began before `until`; None
        when untimed, or when the anchor date it is due before is not known."""
        if target is None:
            return None
        cal = self.calendars[target.calendar]
        metric = clock.metric
        if metric.before is not None:
            anchor = attrs.get(metric.before)
            if anchor is None:
                return None
            return cal.due_before_epoch(self._anchor(anchor, cal), target.duration, metric.before in self._date_anchors)
        duration = target.duration
        if clock.pauses is None:
            if duration.kind == "seconds":
                return clock.started + duration.amount if cal.always else cal.add_epoch(clock.started, duration.amount)
            return cal.due_epoch(clock.started, duration, target.counting)
        pauses = clock.pauses_before(until)
        if duration.kind == "seconds":
            return cal.add_excluding_epoch(clock.started, duration.amount, pauses)
        base = cal.due_epoch(clock.started, duration, target.counting)
        paused = sum(cal.elapsed_epoch(a, min(b, base)) for a, b in pauses if a < base)
        return cal.add_epoch(base, paused) if paused else base

    def _anchor(self, value: Any, cal: BusinessCalendar) -> float:
        key = (str(value), cal.spec.timezone)
        at = self._anchors.get(key)
        if at is None:
            try:
                at = self._anchors[key] = parse_instant(key[0], cal.tz)
            except InstantError as exc:
                raise TicketError("bad_timestamp", str(exc)) from None
        return at

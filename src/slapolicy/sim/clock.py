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
from collections.abc import Mapping
from typing import Any

from ..calendar.business import BusinessCalendar
from ..calendar.durations import Duration, DurationError, parse_duration
from ..calendar.instants import InstantError, parse_instant
from ..i18n import N_, Message
from ..policy.model import Metric, Policy, TargetRule, TargetValue
from .outcome import TargetChange
from .tickets import TicketError

INF = math.inf
_SAME_DAY = Duration("days", 0, "0 calendar days")  # an agreed date: due at its end
MAX_PERIODS = 10_000  # periods of one recurring clock or `every` duty in one subject; with MAX_EVENTS this bounds its work


def local_day(t: float, tz: dt.tzinfo) -> str:
    """The day an instant falls on in a time zone, as messages name it."""
    return dt.datetime.fromtimestamp(t, tz).date().isoformat()


def too_many_periods(metric: Metric, until: float, tz: dt.tzinfo, every: str) -> TicketError:
    """The one limit of periods, for repeat clocks and `every` duties alike: a subject may have
    MAX_PERIODS periods of a metric, and its period number MAX_PERIODS + 1, however it begins, before
    `until` (the end of the replay), is refused with this `limit` error (raised where the periods are
    counted: `period > MAX_PERIODS`, inline, on the path of every period). `every`: how often they come."""
    return TicketError("limit", Message(N_("'{metric}' would run more than {limit} periods (every {every}) before {day}; check --as-of "
                                           "and the subject's events"), metric=metric.id, limit=MAX_PERIODS, every=every,
                                        day=local_day(until, tz)))


class Calendars(dict[str, BusinessCalendar]):
    """The policy's business calendars by name, each built when first asked for (then a plain lookup)."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.specs = policy.calendars
        self._counted_on = policy.counted_on

    def __missing__(self, name: str) -> BusinessCalendar:
        cal = self[name] = BusinessCalendar(self.specs[name])
        return cal

    def counted_on(self, name: str, attributes: Mapping[str, Any]) -> BusinessCalendar:
        """The calendar a subject with these attributes is counted on where `name` is written (a calendar
        chosen by the subject picks one of its calendars: `Policy.counted_on`)."""
        return self[self._counted_on(name, attributes)]


class Clock:
    """One cycle of one metric's clock while the subject is replayed (mutable; becomes a ClockOutcome)."""

    __slots__ = ("metric", "cycle", "rank", "started", "target", "rule", "pauses", "stopped", "cancelled", "failed",
                 "changes", "breached_period", "origin", "judged_by", "excused", "late")

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
        self.origin = started  # what the target in force is measured from: the start, or a change (`retime_from: change`)
        self.judged_by: dict[str, Any] | None = None  # (due before a date) the attributes as they stood before its end event
        self.excused = False  # (owed_if_late) the event it warns of came in time: it was never owed
        self.late: float | None = None  # (owed_if_late) when that event came late

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
        if self.metric.retime_from == "change":
            self.origin = t


BY_RANK = operator.attrgetter("rank")


class Deadlines:
    """When a clock falls due under a target: on the target's calendar from the clock's start, or
    before the date an attribute names, or when the subject's agreed time says; pushed back by the
    working time it was paused (an agreed instant is not)."""

    def __init__(self, policy: Policy, calendars: Calendars) -> None:
        self.calendars = calendars
        self._anchors: dict[tuple[str, str], float] = {}
        self._date_anchors = frozenset(a.id for a in policy.attributes.values() if a.type == "date")
        self._agreed_lengths = frozenset(a.id for a in policy.attributes.values() if a.type == "duration")
        self._lengths: dict[str, Duration] = {}

    def due(self, clock: Clock, target: TargetValue | None, attrs: dict[str, Any], until: float,
            origin: float | None = None) -> float | None:
        """The due time under `target` measured from `origin` (default: what the clock's target in force is
        measured from), counting the clock's pauses that began before `until`; None when untimed, when the
        anchor date it is due before is not known, or when it is due only as agreed and nothing was."""
        if target is None:
            return None
        cal = self.calendars[target.calendar]
        metric = clock.metric
        if metric.before is not None:
            anchor = attrs.get(metric.before)
            if anchor is None or target.duration is None:
                return None
            return cal.due_before_epoch(self._anchor(anchor, cal), target.duration, metric.before in self._date_anchors)
        duration = target.duration
        if target.agreed is not None:
            agreed = attrs.get(target.agreed)
            if agreed is not None and target.agreed not in self._agreed_lengths:  # a time agreed: no pause moves it
                return self._instant(target.agreed, agreed, cal)
            duration = self.duration(target, attrs)
            if duration is None:
                return None
        assert duration is not None  # only an agreed target lacks one
        start = clock.origin if origin is None else origin
        seconds = duration.amount if duration.kind == "seconds" else cal.length(duration) if duration.working_time else None
        if clock.pauses is None:
            if seconds is not None:
                return start + seconds if cal.always else cal.add_epoch(start, seconds)
            return cal.due_epoch(start, duration, target.counting)
        pauses = clock.pauses_before(until)
        if start > clock.started:  # re-timed from a change: the pauses before it do not count
            pauses = tuple((max(a, start), b) for a, b in pauses if b > start)
        if seconds is not None:
            return cal.add_excluding_epoch(start, seconds, pauses)
        base = cal.due_epoch(start, duration, target.counting)
        paused = sum(cal.elapsed_epoch(a, min(b, base)) for a, b in pauses if a < base)
        return cal.add_epoch(base, paused) if paused else base

    def duration(self, target: TargetValue, attrs: dict[str, Any]) -> Duration | None:
        """The length the subject's clock is timed by: agreed with it (a `duration` attribute the target's
        `agreed` names), else as written; None for a time agreed, or when nothing is."""
        agreed = attrs.get(target.agreed) if target.agreed is not None else None
        if agreed is None:
            return target.duration
        if target.agreed not in self._agreed_lengths:
            return None
        found = self._lengths.get(str(agreed))
        if found is None:
            try:
                found = self._lengths[str(agreed)] = parse_duration(agreed)
            except DurationError as exc:
                raise TicketError("bad_duration", f"{target.agreed}: {exc}") from None
        return found

    def anchor(self, metric: Metric, attrs: Mapping[str, Any], calendar: str) -> float | None:
        """The instant a deadline `before:` an attribute is anchored at, as these attributes have it (a date: the
        end of that day), in the zone of `calendar`; None when they lack it."""
        value = attrs.get(metric.before or "")
        return None if value is None else self._instant(metric.before or "", value, self.calendars[calendar])

    def _instant(self, attribute: str, value: Any, cal: BusinessCalendar) -> float:
        """The instant a date or date-time attribute names: a date-time itself, a date the end of that day."""
        at = self._anchor(value, cal)
        return cal.due_epoch(at, _SAME_DAY) if attribute in self._date_anchors else at

    def _anchor(self, value: Any, cal: BusinessCalendar) -> float:
        key = (str(value), cal.spec.timezone)
        at = self._anchors.get(key)
        if at is None:
            try:
                at = self._anchors[key] = parse_instant(key[0], cal.tz)
            except InstantError as exc:
                raise TicketError("bad_timestamp", str(exc)) from None
        return at

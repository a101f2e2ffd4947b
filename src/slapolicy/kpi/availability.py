"""Availability per service and calendar period, from the outages of a replayed history.

What the replay of each subject gives is collected as it is added to a report (`Collected`, a few
records per outage, service and maintenance notice: mergeable, however the history was split), and
measured once at the end (`measure`):

- the services of a measure are the values of its `per` attributes: those its service subjects
  carry, and those its outages carry (a service no subject describes is measured over the whole
  periods its outages fall in);
- a service's periods are the calendar periods (policy time zone) of its term: the days of its
  `term` dates (first and last day, inclusive), or its life (created … the end of its life, or
  open); a period is cut to the term (Tencent's Service Month: "the first Service Month from March 17
  to March 31"), and one still running at --as-of is measured over its whole time, its downtime so far
  (the availability can only fall: a credit it earns so far is owed at least);
- an interruption is a clock of the downtime metric (a cancelled one is none), from its start to its
  stop (or --as-of), paused time left out; overlapping ones count once (their union);
- downtime inside a maintenance window announced at least the notice period before the window
  starts does not count; an announcement names the services it is for by the `per` attributes it
  carries (one it lacks: every value);
- the downtime left is cut at the period's ends and each part is counted by the short-outage rules
  (the first whose `under` it is shorter than), else rounded up to whole `round_up` steps, else as it
  is; the counted downtime is at most the period's time;
- availability = (time − counted downtime) / time, an exact fraction; each period is measured under
  the version in force when it starts (the newest that had taken effect by then; before the first
  version, the first).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from ..calendar.instants import InstantError, parse_instant
from ..policy.model import Policy
from ..policy.owed import Availability
from ..sim.outcome import ClockStatus, SubjectOutcome
from .periods import period_key

Key = tuple[str, ...]  # the values of a measure's `per` attributes
Span = tuple[float, float]


class Interruption(NamedTuple):
    measure: str
    key: Key
    start: float
    end: float | None  # None: still down at --as-of
    pauses: tuple[Span, ...]


class Service(NamedTuple):
    measure: str
    key: Key
    start: float
    end: float | None  # None: an open term
    subject: str
    line: int
    attributes: Mapping[str, Any]


class Window(NamedTuple):
    measure: str
    key: tuple[str | None, ...]  # None: every value
    announced: float
    start: float
    end: float


@dataclass
class Collected:
    """What the subjects of a history give the availability measures: mergeable lists."""

    interruptions: list[Interruption] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)

    def merge(self, other: Collected) -> None:
        self.interruptions.extend(other.interruptions)
        self.services.extend(other.services)
        self.windows.extend(other.windows)

    def add(self, outcome: SubjectOutcome, tz: dt.tzinfo, unusable: list[str]) -> None:
        """What the subject gives each measure of its version; `unusable` gathers why a record could not be read."""
        for measure in outcome.policy.availability:
            if measure.downtime in outcome.policy.metrics and outcome.policy.metrics[measure.downtime].subject == outcome.kind:
                self._outage(measure, outcome)
            if measure.services is not None and measure.services.subject == outcome.kind:
                self._service(measure, outcome, tz, unusable)
            if measure.maintenance is not None and measure.maintenance.subject == outcome.kind:
                self._window(measure, outcome, tz, unusable)

    def _outage(self, measure: Availability, outcome: SubjectOutcome) -> None:
        key = _key(measure, outcome.attributes)
        if key is None:  # the replay's finding says so (`slapolicy.sim.owed`)
            return
        for clock in outcome.clocks:
            if clock.metric.id == measure.downtime and clock.status is not ClockStatus.CANCELLED:
                end = clock.stopped if clock.stopped is not None else clock.failed
                self.interruptions.append(Interruption(measure.id, key, clock.started, end, clock.pauses))

    def _service(self, measure: Availability, outcome: SubjectOutcome, tz: dt.tzinfo, unusable: list[str]) -> None:
        assert measure.services is not None
        key = _key(measure, outcome.attributes)
        if key is None:
            missing = ", ".join(f"'{p}'" for p in measure.per if outcome.attributes.get(p) in (None, ""))
            unusable.append(f"availability {measure.id} could not measure {outcome.kind} {outcome.id}: it has no {missing}")
            return
        start, end = outcome.created, outcome.ended
        if measure.services.term is not None:
            first, last = (outcome.attributes.get(name) for name in measure.services.term)
            start = _midnight(_day(first) or dt.datetime.fromtimestamp(outcome.created, tz).date(), tz)
            last_day = _day(last)
            end = None if last_day is None else _midnight(last_day + dt.timedelta(days=1), tz)
        self.services.append(Service(measure.id, key, start, end, outcome.id, outcome.line, dict(outcome.attributes)))

    def _window(self, measure: Availability, outcome: SubjectOutcome, tz: dt.tzinfo, unusable: list[str]) -> None:
        assert measure.maintenance is not None
        try:
            start, end = (parse_instant(str(outcome.attributes[name]), tz) for name in measure.maintenance.window)
        except (KeyError, InstantError):
            names = " and ".join(f"'{n}'" for n in measure.maintenance.window)
            unusable.append(f"availability {measure.id} could not use {outcome.kind} {outcome.id}: it needs {names} as date-times")
            return
        key = tuple(None if outcome.attributes.get(p) in (None, "") else str(outcome.attributes[p]) for p in measure.per)
        self.windows.append(Window(measure.id, key, outcome.created, start, end))


def _key(measure: Availability, attrs: Mapping[str, Any]) -> Key | None:
    values = [attrs.get(p) for p in measure.per]
    return None if any(v in (None, "") for v in values) else tuple(str(v) for v in values)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value not in (None, "") else None
    except ValueError:
        return None


def _midnight(day: dt.date, tz: dt.tzinfo) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


@dataclass(frozen=True)
class Measured:
    """One service's availability in one period (cut to its term)."""

    measure: Availability
    version: str
    key: Key
    period: str
    start: float
    end: float
    downtime: float  # as counted (short outages, rounding, at most the period's time)
    raw: float  # interruptions' union inside the period, maintenance left out
    excluded: float  # inside announced maintenance windows
    interruptions: int  # parts counted (after the union and the windows)
    open: bool  # the period runs on past --as-of: downtime so far
    service: Service | None

    @property
    def total(self) -> float:
        return self.end - self.start

    @property
    def availability(self) -> Fraction:
        return 1 - Fraction(self.downtime) / Fraction(self.total)

    @property
    def labels(self) -> dict[str, str]:
        return dict(zip(self.measure.per, self.key))


def measure(collected: Collected, versions: Sequence[Policy], tz: dt.tzinfo, as_of: float) -> list[Measured]:
    """Every service's availability in every period of every measure, in measure, service and period order."""
    ordered = sorted(versions, key=lambda p: p.effective_from)
    names = list(dict.fromkeys(a.id for p in ordered for a in p.availability))
    rows: list[Measured] = []
    for name in names:
        downs: dict[Key, list[Interruption]] = {}
        for i in collected.interruptions:
            if i.measure == name:
                downs.setdefault(i.key, []).append(i)
        services: dict[Key, list[Service]] = {}
        for s in collected.services:
            if s.measure == name:
                services.setdefault(s.key, []).append(s)
        windows = [w for w in collected.windows if w.measure == name]
        for key in sorted({*downs, *services}):
            down = _union(downs.get(key, []), as_of)
            for span, service in _spans(services.get(key), down, tz, as_of, _periods_of(ordered, name)):
                policy = _version_at(ordered, span[0], tz)
                found = next((a for a in policy.availability if a.id == name), None)
                if found is None:
                    continue
                rows.append(_measured(found, policy.version, key, span, service, down, windows, tz, as_of))
    return rows


def _periods_of(versions: Sequence[Policy], name: str) -> str:
    """A measure's period as its newest version gives it (the check of versions keeps it one thing)."""
    return next(a.period for p in reversed(versions) for a in p.availability if a.id == name)


def _version_at(versions: Sequence[Policy], t: float, tz: dt.tzinfo) -> Policy:
    day = dt.datetime.fromtimestamp(t, tz).date()
    return next((p for p in reversed(versions) if p.effective_from <= day), versions[0])


def _union(interruptions: list[Interruption], as_of: float) -> list[Span]:
    """The time down: the interruptions' union up to --as-of, paused time left out."""
    pieces: list[Span] = []
    for i in interruptions:
        end = min(i.end if i.end is not None else as_of, as_of)
        cuts = sorted((max(a, i.start), min(b, end)) for a, b in i.pauses if b > i.start and a < end)
        at = i.start
        for a, b in cuts:
            if a > at:
                pieces.append((at, a))
            at = max(at, b)
        if end > at:
            pieces.append((at, end))
    return _merged(pieces)


def _merged(pieces: list[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(pieces):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _spans(services: list[Service] | None, down: list[Span], tz: dt.tzinfo, as_of: float,
           period: str) -> Iterator[tuple[tuple[float, float, str], Service | None]]:
    """(start, end, period key) of each period a service is measured in, cut to its term, with the service."""
    if not services:  # no service subject: the whole periods its interruptions fall in
        seen: set[str] = set()
        for a, b in down:
            for span in _periods(a, max(a, b - 1e-6), period, tz):
                if span[2] not in seen:
                    seen.add(span[2])
                    yield span, None
        return
    for service in sorted(services, key=lambda s: s.start):
        last = min(service.end, as_of) if service.end is not None else as_of
        if last <= service.start:
            continue
        for p0, p1, key in _periods(service.start, last - 1e-6, period, tz):
            end = p1 if service.end is None else min(p1, service.end)
            yield (max(p0, service.start), end, key), service


def _periods(first: float, last: float, period: str, tz: dt.tzinfo) -> Iterator[tuple[float, float, str]]:
    """The calendar periods from the one holding `first` to the one holding `last`: (start, end, key)."""
    day = dt.datetime.fromtimestamp(first, tz).date()
    start = _period_start(day, period)
    while True:
        after = _next_start(start, period)
        t0, t1 = _midnight(start, tz), _midnight(after, tz)
        if t0 > last:
            return
        yield t0, t1, period_key(dt.datetime(start.year, start.month, start.day), period)
        start = after


def _period_start(day: dt.date, period: str) -> dt.date:
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def _next_start(start: dt.date, period: str) -> dt.date:
    if period in ("day", "week"):
        return start + dt.timedelta(days=1 if period == "day" else 7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def _measured(found: Availability, version: str, key: Key, span: tuple[float, float, str], service: Service | None,
              down: list[Span], windows: list[Window], tz: dt.tzinfo, as_of: float) -> Measured:
    start, end, period = span
    notice = found.maintenance.notice.seconds if found.maintenance is not None else 0
    excused = _merged([(w.start, w.end) for w in windows if w.announced <= w.start - notice
                       and all(k is None or k == v for k, v in zip(w.key, key))])
    inside = [(max(a, start), min(b, end)) for a, b in down if b > start and a < end]
    raw = sum(b - a for a, b in inside)
    parts = _without(inside, excused)
    counted = sum(_counted(found, b - a) for a, b in parts)
    return Measured(found, version, key, period, start, end, min(counted, end - start), raw, raw - sum(b - a for a, b in parts),
                    len(parts), as_of < end, service)


def _without(pieces: list[Span], holes: list[Span]) -> list[Span]:
    """The parts of `pieces` outside `holes` (both sorted, each without overlaps)."""
    out = []
    for a, b in pieces:
        at = a
        for h0, h1 in holes:
            if h1 <= at or h0 >= b:
                continue
            if h0 > at:
                out.append((at, h0))
            at = max(at, h1)
        if b > at:
            out.append((at, b))
    return out


def _counted(found: Availability, seconds: float) -> float:
    """An interruption as the measure counts it: its short-outage rule, else rounded up, else as it is."""
    seconds = round(seconds, 6)  # instants are read to the microsecond
    for rule in found.short_outages:
        if seconds < rule.under.seconds:
            return float(rule.counts.seconds)
    if found.round_up is not None:
        step = found.round_up.seconds
        return float(math.ceil(seconds / step) * step)
    return seconds

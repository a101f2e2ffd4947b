"""What is open now and what falls due next: the board a service lead keeps open, and the answer
to "which open tickets breach soon?" (`slapolicy due`, a service's GET /tickets).

A subject is open while a clock of it runs: the latest cycle of a metric, not stopped, cancelled
or failed at as_of, with a due time (running, or breached and still open: overdue). Its time left
is due − as_of in clock time (negative: overdue); a paused clock's due time is the one it would
have if it ran on from as_of, and it does not fall due while it stays paused. "Today" is the
calendar day of as_of in the policy's time zone: the breaches and escalations of today are those
of every subject, open or not, at instants from its midnight up to as_of.

The board is plain data (texts, numbers, epoch seconds and zone names), built from outcomes in
the replay's workers and merged in input order; formatting it is the output layer's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ..policy.model import Named, TargetRule
from ..sim.outcome import ClockOutcome, ClockStatus, Outcome, Rejection, SubjectOutcome

HOUR = 3600.0
_OPEN = (ClockStatus.RUNNING, ClockStatus.BREACHED)


@dataclass(frozen=True, slots=True)
class Name:
    """A name in the policy's own words and in English (the English one falls back to the original)."""

    id: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class OpenClock:
    metric: Name
    cycle: int
    target: str
    calendar: str
    zone: str  # the calendar's time zone, for its instants
    started: float
    due: float
    paused: bool
    breached: bool  # past its due time and still open
    rule: str | None  # file:line of the target rule
    clauses: tuple[str, ...]  # what the rule's figure encodes (the target's own, else the rule's)
    choice: str | None  # why, when no clause gives the figure: the company's choice


@dataclass(frozen=True, slots=True)
class OpenSubject:
    id: str
    kind: str
    policy: str
    version: str
    zone: str  # the policy's time zone
    created: float
    severity: Name | None
    tier: Name | None
    group: str | None
    assignee: str | None
    clocks: tuple[OpenClock, ...]  # soonest due first

    @property
    def next_due(self) -> float | None:
        """The due time of its soonest clock that runs (not paused), or None when every one is paused."""
        return min((c.due for c in self.clocks if not c.paused), default=None)


@dataclass(frozen=True, slots=True)
class Who:
    """The subject an event of today's lists is of, as the board filters it: severity, group, assignee."""

    id: str
    severity: str | None
    group: str | None
    assignee: str | None


@dataclass(frozen=True, slots=True)
class Breach:
    subject: Who
    metric: str
    cycle: int
    at: float
    zone: str
    rule: str | None
    clauses: tuple[str, ...]
    open: bool  # the clock still runs (overdue)


@dataclass(frozen=True, slots=True)
class Escalation:
    subject: Who
    metric: str
    cycle: int
    step: int
    step_id: str | None
    repeat: int
    at: float
    zone: str
    notify: tuple[str, ...]
    rule: str  # file:line of the escalation step
    clauses: tuple[str, ...]


@dataclass
class Board:
    """The open subjects, today's breaches and escalations, and the rejected items of a replay at
    `as_of`; a replay's partial (`add`, `export`) and its total (`merge`)."""

    as_of: float
    zone: ZoneInfo  # the policy set's: where today begins
    subjects: list[OpenSubject] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    replayed: int = 0
    later: int = 0  # created after as_of: not replayed, counted apart (no fault of the input)
    kinds: set[str] = field(default_factory=set)  # of the subjects replayed: a count says them in their kind's word
    today: tuple[float, float] = field(init=False)  # the calendar day of as_of in the policy's zone: its midnight, the next

    def __post_init__(self) -> None:
        day = dt.datetime.fromtimestamp(self.as_of, self.zone).date()
        self.today = (_midnight(day, self.zone), _midnight(day + dt.timedelta(days=1), self.zone))

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        (outcome,) = outcomes
        if isinstance(outcome, Rejection):
            if outcome.not_yet_created:
                self.later += 1
            else:
                self.rejected.append(outcome)
            return
        self.replayed += 1
        self.kinds.add(outcome.kind)
        start, _ = self.today
        running = open_clocks(outcome, self.as_of)
        calendars = outcome.policy.calendars
        severity = outcome.attributes.get("severity")
        who = Who(outcome.id, None if severity is None else str(severity), outcome.group, outcome.assignee)
        for clock in outcome.clocks:
            if clock.breached_at is not None and start <= clock.breached_at <= self.as_of:
                self.breaches.append(Breach(who, clock.metric.id, clock.cycle, clock.breached_at,
                                            str(calendars[clock.calendar].tz), _label(clock.rule), _clauses(clock)[0],
                                            any(c is clock for c in running)))
        for e in outcome.escalations:
            if start <= e.at <= self.as_of:
                clock = next(c for c in outcome.clocks if c.metric.id == e.step.metric and c.cycle == e.cycle)
                self.escalations.append(Escalation(who, e.step.metric, e.cycle, e.step.index, e.step.id, e.repeat, e.at,
                                                   str(calendars[clock.calendar].tz), e.step.notify, str(e.step.source),
                                                   e.step.clauses))
        if running:
            self.subjects.append(_subject(outcome, running))

    def export(self) -> Board:
        return self

    def merge(self, exported: Board) -> None:
        self.subjects += exported.subjects
        self.breaches += exported.breaches
        self.escalations += exported.escalations
        self.rejected += exported.rejected
        self.replayed += exported.replayed
        self.later += exported.later
        self.kinds |= exported.kinds

    def due(self, within: float | None = None) -> list[tuple[OpenSubject, OpenClock]]:
        """Every open clock, soonest due first (paused ones last: they do not fall due while paused);
        with `within`, those that run and fall due by as_of + within (the overdue among them)."""
        found = [(s, c) for s in self.subjects for c in s.clocks
                 if within is None or (not c.paused and c.due <= self.as_of + within)]
        return sorted(found, key=lambda sc: (sc[1].paused, sc[1].due, sc[0].id, sc[1].metric.id, sc[1].cycle))

    def ordered(self) -> list[OpenSubject]:
        """The open subjects, the one whose running clock falls due first first; those whose every clock is paused last."""
        return sorted(self.subjects, key=lambda s: (s.next_due is None, s.next_due or 0.0, s.id))


def open_clocks(outcome: SubjectOutcome, as_of: float) -> list[ClockOutcome]:
    """The subject's open clocks at as_of, in policy order (the board's, and a live service's)."""
    latest: dict[str, ClockOutcome] = {}
    for clock in outcome.clocks:  # in metric order, then cycle: the last one seen is the metric's latest
        latest[clock.metric.id] = clock
    return [c for c in latest.values() if _is_open(c, as_of)]


def _is_open(clock: ClockOutcome, as_of: float) -> bool:
    return (clock.status in _OPEN and clock.due is not None and clock.stopped is None and clock.cancelled is None
            and clock.failed is None and clock.breached_at in (None, clock.due) and clock.started <= as_of)


def _midnight(day: dt.date, zone: ZoneInfo) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _label(rule: TargetRule | None) -> str | None:
    return None if rule is None else str(rule.source)


def _clauses(clock: ClockOutcome) -> tuple[tuple[str, ...], str | None]:
    """What gives the clock's figure: the target's own clauses, else its rule's; else the choice it is."""
    target, rule = clock.target, clock.rule
    clauses = (target.clauses if target is not None else ()) or (rule.clauses if rule is not None else ())
    choice = None if clauses else ((target.choice if target is not None else None) or (rule.choice if rule is not None else None))
    return clauses, choice


def _name(key: str, declared: Mapping[str, Named]) -> Name:
    found = declared.get(key)
    if found is None:
        return Name(key, key, key)
    return Name(key, found.name or key, found.name_en or found.name or key)


def _subject(outcome: SubjectOutcome, clocks: Iterable[ClockOutcome]) -> OpenSubject:
    policy = outcome.policy
    attrs = outcome.attributes
    listed = []
    for c in clocks:
        assert c.due is not None and c.target is not None
        clauses, choice = _clauses(c)
        metric = Name(c.metric.id, c.metric.title or c.metric.id, c.metric.title_en or c.metric.title or c.metric.id)
        listed.append(OpenClock(metric, c.cycle, c.target.text, c.calendar, str(policy.calendars[c.calendar].tz),
                                     c.started, c.due, c.paused, c.status is ClockStatus.BREACHED, _label(c.rule), clauses,
                                     choice))
    listed.sort(key=lambda c: (c.paused, c.due))
    severity, tier = attrs.get("severity"), attrs.get("tier")
    return OpenSubject(outcome.id, outcome.kind, policy.id, policy.version, str(policy.tz), outcome.created,
                       None if severity is None else _name(str(severity), policy.severities),
                       None if tier is None else _name(str(tier), policy.tiers),
                       outcome.group, outcome.assignee, tuple(listed))


__all__ = ["HOUR", "Board", "Breach", "Escalation", "Name", "OpenClock", "OpenSubject", "Who", "open_clocks"]

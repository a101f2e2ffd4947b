"""Replay one history under two policy versions: KPI deltas, the notifications each role is sent, and
the tickets whose outcome changes.

`Comparison` is the partial of a two-lane replay (base, candidate): two reports (grouped by
severity, for on-time rates per severity and metric), each version's notification load and the
event types it ignored, and the changed outcomes, mergeable in input order like every partial.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import tzinfo

from ..policy.model import Policy
from ..sim.imports import Profile
from ..sim.outcome import NOT_GOVERNED, ClockOutcome, ClockStatus, Outcome, SubjectOutcome
from ..sim.replay import Plan
from ..sim.roster import EMPTY as NO_ROSTER
from ..sim.roster import Roster
from ..validate.repository import PolicySet
from .periods import period_key
from .report import Aggregator, Report

DECIDED = (ClockStatus.MET, ClockStatus.BREACHED)


@dataclass(frozen=True)
class Change:
    """A ticket whose outcome differs: rejected under one version only, or a clock met under one and breached under the other."""

    id: str | None
    line: int
    base: str
    candidate: str
    metric: str | None = None
    cycle: int | None = None
    base_due: float | None = None
    candidate_due: float | None = None
    base_tz: tzinfo | None = None  # of each clock's calendar, to show its due time
    candidate_tz: tzinfo | None = None


@dataclass
class Differences:
    """Changed outcomes of both kinds, counted apart: clocks met under one version and breached under the other,
    and tickets rejected under one version only (a ticket is no clock: counting it as one misleads)."""

    changed: list[Change] = field(default_factory=list)  # the first `limit` of both kinds, in input order
    clocks: int = 0  # clocks met under one version, breached under the other
    rejected_only_base: int = 0  # tickets rejected under the base version, not under the candidate (replayed, or not yet created)
    rejected_only_candidate: int = 0
    only_candidate: int = 0  # clocks only one version has (a metric it adds or drops)
    only_base: int = 0

    @property
    def count(self) -> int:
        """Changed outcomes of both kinds: the entries `changed` lists (up to the limit)."""
        return self.clocks + self.rejected_only_base + self.rejected_only_candidate

    def merge(self, other: Differences, limit: int) -> None:
        self.changed.extend(other.changed[: max(0, limit - len(self.changed))])
        self.clocks += other.clocks
        self.rejected_only_base += other.rejected_only_base
        self.rejected_only_candidate += other.rejected_only_candidate
        self.only_candidate += other.only_candidate
        self.only_base += other.only_base


@dataclass
class Load:
    """What one version does beyond its report: the escalation notifications each role is sent (one per role a
    firing step notifies), per period and per year of the instant it is sent, and the events it ignored (of
    types only the other version declares, `slapolicy.sim.simulator._foreign`)."""

    notified: Counter[tuple[str, str]] = field(default_factory=Counter)  # (period, role) -> notifications
    yearly: Counter[tuple[str, str]] = field(default_factory=Counter)  # (year, role) -> notifications
    ignored: Counter[str] = field(default_factory=Counter)  # event type -> events ignored
    ignoring: int = 0  # tickets with an event ignored

    def add(self, outcome: SubjectOutcome, tz: tzinfo, period: str) -> None:
        for firing in outcome.escalations:
            when = dt.datetime.fromtimestamp(firing.at, tz)
            key, year = period_key(when, period), str(when.year)
            for role in firing.step.notify:
                self.notified[(key, role)] += 1
                self.yearly[(year, role)] += 1
        if outcome.ignored:
            self.ignored.update(outcome.ignored)
            self.ignoring += 1

    def merge(self, other: Load) -> None:
        self.notified.update(other.notified)
        self.yearly.update(other.yearly)
        self.ignored.update(other.ignored)
        self.ignoring += other.ignoring


@dataclass
class ComparisonData:
    base: Report
    candidate: Report
    differences: Differences
    base_load: Load = field(default_factory=Load)
    candidate_load: Load = field(default_factory=Load)


class Comparison:
    """Adds (base outcome, candidate outcome) pairs; `limit` changed outcomes are kept."""

    def __init__(self, base: Policy, candidate: Policy, period: str, limit: int, as_of: float | None = None) -> None:
        self.base = Aggregator(base.tz, period, BY, as_of)
        self.candidate = Aggregator(candidate.tz, period, BY, as_of)
        self.zones = (base.tz, candidate.tz)
        self.period = period
        self.limit = limit
        self.differences = Differences()
        self.loads = (Load(), Load())

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        a, b = outcomes
        self.base.add_outcome(a)
        self.candidate.add_outcome(b)
        for outcome, load, tz in zip(outcomes, self.loads, self.zones):
            if isinstance(outcome, SubjectOutcome):
                load.add(outcome, tz, self.period)
        d = self.differences
        if not isinstance(a, SubjectOutcome) or not isinstance(b, SubjectOutcome):
            if _status(a) != _status(b):
                d.rejected_only_base += _status(a) == "rejected"  # the statuses differ: one of them at most
                d.rejected_only_candidate += _status(b) == "rejected"
                if NOT_GOVERNED not in (_status(a), _status(b)):  # a kind one version adds: counted by each report
                    self._note(Change(a.id, a.line, _status(a), _status(b)))
            return
        before = {(c.metric.id, c.cycle): c for c in a.clocks}
        after = {(c.metric.id, c.cycle): c for c in b.clocks}
        for key in sorted(before.keys() | after.keys()):
            x, y = before.get(key), after.get(key)
            if x is None or y is None:
                d.only_candidate += x is None
                d.only_base += y is None
                continue
            if x.status is not y.status and x.status in DECIDED and y.status in DECIDED:
                d.clocks += 1
                self._note(_clock_change(a, b, x, y))

    def _note(self, change: Change) -> None:
        """Keep a changed outcome (of either kind, counted by the caller) while fewer than `limit` are kept."""
        if len(self.differences.changed) < self.limit:
            self.differences.changed.append(change)

    def export(self) -> ComparisonData:
        return ComparisonData(self.base.report, self.candidate.report, self.differences, *self.loads)

    def merge(self, other: ComparisonData) -> None:
        self.base.merge(other.base)
        self.candidate.merge(other.candidate)
        self.differences.merge(other.differences, self.limit)
        self.loads[0].merge(other.base_load)
        self.loads[1].merge(other.candidate_load)


BY = ("severity",)  # the reports' grouping: on-time rates per severity and metric


def _status(o: Outcome) -> str:
    if isinstance(o, SubjectOutcome):
        return "ok"
    return o.reasons[0].code if o.not_yet_created or o.not_governed else "rejected"


def _clock_change(a: SubjectOutcome, b: SubjectOutcome, x: ClockOutcome, y: ClockOutcome) -> Change:
    return Change(a.id, a.line, x.status.value, y.status.value, x.metric.id, x.cycle, x.due, y.due,
                  a.policy.calendars[x.calendar].tz, b.policy.calendars[y.calendar].tz)


def comparison_plan(base: Policy, candidate: Policy, as_of: float, period: str, limit: int = 0, engine: str | None = None,
                    encoding: str | None = None, roster: Roster = NO_ROSTER,
                    profile: Profile | None = None) -> tuple[Plan, Comparison]:
    """The two-lane plan that replays a history under `base` and under `candidate` (each applied to every
    ticket, whatever its effective dates), and the empty comparison the replay fills."""
    lanes = (PolicySet.of([base], pinned=True), PolicySet.of([candidate], pinned=True))
    new = functools.partial(Comparison, base, candidate, period, limit, as_of)
    return Plan(lanes, as_of, engine, new, encoding, roster, profile), new()

"""Quality KPIs from a replayed ticket history: the report (counters per period, subject kind
and --by values, the objectives' tallies, the ledger) and the Aggregator that adds outcomes to it.

Aggregation keeps counters and log-bucket histograms only (`tally`), so memory stays flat
however long the history, and partial reports merge exactly, however the tickets were split.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..calendar.business import BusinessCalendar
from ..diagnostics.record import did_you_mean
from ..policy.conditions import evaluate, fields
from ..policy.model import BUILTIN_ATTRIBUTES, Objective, Policy
from ..sim.outcome import ClockStatus, Outcome, Rejection, SubjectOutcome
from .tally import Histogram, ObjectiveTally, micro, percentile_cuts

PERIODS = ("day", "week", "month", "quarter", "year")
STATUSES = tuple(ClockStatus)
_STATUS_INDEX = {s: i for i, s in enumerate(STATUSES)}


def period_key(when: dt.datetime, period: str) -> str:
    if period == "day":
        return when.date().isoformat()
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{when.year}-{when.month:02d}"
    if period == "quarter":
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    return str(when.year)


@dataclass
class MetricStats:
    statuses: list[int] = field(default_factory=lambda: [0] * len(STATUSES))  # in ClockStatus order
    time_to_stop: Histogram = field(default_factory=Histogram)

    def count(self, status: ClockStatus) -> int:
        return self.statuses[_STATUS_INDEX[status]]

    @property
    def clocks(self) -> int:
        return sum(self.statuses)

    def on_time_rate(self) -> float | None:
        met, breached = self.statuses[0], self.statuses[1]
        return rate(met, met + breached)

    def merge(self, other: MetricStats) -> None:
        self.statuses = [a + b for a, b in zip(self.statuses, other.statuses)]
        self.time_to_stop.merge(other.time_to_stop)


@dataclass
class Group:
    tickets: int = 0  # subjects of the group's kind
    resolved: int = 0
    metrics: dict[str, MetricStats] = field(default_factory=dict)
    escalations: Counter[tuple[str, int]] = field(default_factory=Counter)  # (metric, step) -> firings
    notices: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)  # code -> subjects with it
    finding_clauses: Counter[str] = field(default_factory=Counter)  # clause -> findings citing it
    finding_actors: Counter[str] = field(default_factory=Counter)  # person -> findings on their events

    def merge(self, other: Group) -> None:
        self.tickets += other.tickets
        self.resolved += other.resolved
        for name, stats in other.metrics.items():
            self.metrics.setdefault(name, MetricStats()).merge(stats)
        self.escalations.update(other.escalations)
        self.notices.update(other.notices)
        self.findings.update(other.findings)
        self.finding_clauses.update(other.finding_clauses)
        self.finding_actors.update(other.finding_actors)


class LedgerLine(NamedTuple):
    """One charge, as plain data (it travels from worker processes): traceable to its subject and clause."""

    at: float
    subject: str
    kind: str
    line: int
    penalty: str
    clauses: tuple[str, ...]
    cents: int
    factor: float
    payer: str | None
    reason: str


@dataclass
class Report:
    """Counters of a replayed history: pure data, mergeable, exact."""

    period: str
    by: tuple[str, ...]
    groups: dict[tuple[str, ...], Group] = field(default_factory=dict)
    objectives: dict[tuple[str, str], ObjectiveTally] = field(default_factory=dict)
    simulated: int = 0
    rejected: int = 0
    later: int = 0  # created after --as-of: listed among the rejects, counted apart, no error
    rejects: list[Rejection] = field(default_factory=list)
    interrupted: bool = False
    ledger: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (period, payer) -> [cents, charges]
    charges: list[LedgerLine] = field(default_factory=list)

    @property
    def tickets(self) -> int:
        return self.simulated + self.rejected + self.later

    def merge(self, other: Report) -> None:
        for key, group in other.groups.items():
            self.groups.setdefault(key, Group()).merge(group)
        for key, tally in other.objectives.items():
            self.objectives.setdefault(key, ObjectiveTally()).merge(tally)
        self.simulated += other.simulated
        self.rejected += other.rejected
        self.later += other.later
        self.rejects.extend(other.rejects)
        self.interrupted |= other.interrupted
        for key, (cents, count) in other.ledger.items():
            total = self.ledger.setdefault(key, [0, 0])
            total[0] += cents
            total[1] += count
        self.charges.extend(other.charges)


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


class _Days:
    """Period keys of an instant's local day, cached for the day the last instant fell in."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.lo = self.hi = 0.0
        self.keys: dict[str, str] = {}

    def keys_at(self, t: float) -> dict[str, str] | None:
        """The day's keys, or None when `t` falls in the same day as the last instant."""
        if self.lo <= t < self.hi:
            return None
        when = dt.datetime.fromtimestamp(t, self.tz)
        day = when.date()
        self.lo = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp()
        after = day + dt.timedelta(days=1)
        self.hi = dt.datetime(after.year, after.month, after.day, tzinfo=self.tz).timestamp()
        self.keys = {p: period_key(when, p) for p in PERIODS}
        return self.keys


_SHARE, _RESOLUTION, _AVERAGE, _ON_TIME, _MEAN_TIME, _PERCENTILE, _FINDING_RATE, _COVERAGE = range(8)
_MEASURES = {"share": _SHARE, "resolution_rate": _RESOLUTION, "average": _AVERAGE, "on_time_rate": _ON_TIME,
             "mean_time": _MEAN_TIME, "percentile": _PERCENTILE, "finding_rate": _FINDING_RATE, "coverage": _COVERAGE}
NOBODY = "(no payer)"  # a charge none of its penalty's payer sources could name
_UNUSED = ObjectiveTally()  # the slot of a coverage objective among the current day's tallies
_DECIDED = (ClockStatus.MET, ClockStatus.BREACHED)


class Aggregator:
    """Adds outcomes to a Report (the partial of a `report` replay).

    Objectives are those of `policy` (the newest version), their `where` / `of`
    conditions evaluated on each ticket's final attributes, cached per combination of the
    values they read; the tallies of the current day are looked up once per day."""

    def __init__(self, policy: Policy, period: str, by: Iterable[str]) -> None:
        self.report = Report(period, tuple(by))
        self.objectives: tuple[Objective, ...] = policy.objectives
        self._measures = tuple(_MEASURES[o.measure] for o in policy.objectives)
        self._within = tuple(BusinessCalendar(policy.calendars[o.calendar]) if o.calendar else None for o in policy.objectives)
        self._days = _Days(policy.tz)
        self._fields = tuple(sorted({f for o in policy.objectives for c in (o.of, o.where) for f in fields(c)}))
        self._applicable: dict[tuple[Any, ...], tuple[tuple[int, bool], ...]] = {}
        self._group_key: tuple[str, ...] = ()
        self._tallies: list[ObjectiveTally] = []  # of the current day, per objective
        self._tz = policy.tz
        self._coverage = {o.id: i for i, o in enumerate(policy.objectives) if o.measure == "coverage"}

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        (outcome,) = outcomes
        self.add_outcome(outcome)

    def _new_day(self, keys: dict[str, str]) -> None:
        report = self.report
        self._group_key = (keys[report.period],)
        tallies = report.objectives
        self._tallies = []
        for o in self.objectives:
            if o.measure == "coverage":  # tallied in the period of each sample (_covered)
                self._tallies.append(_UNUSED)
                continue
            key = (o.id, keys[o.period])
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = ObjectiveTally(microseconds=o.measure == "mean_time")
                if o.measure == "percentile":
                    tally.histogram, tally.q = Histogram(cuts=percentile_cuts(o)), o.q
            self._tallies.append(tally)

    def add_outcome(self, outcome: Outcome) -> None:
        report = self.report
        if isinstance(outcome, Rejection):
            if outcome.not_yet_created:
                report.later += 1
            else:
                report.rejected += 1
            report.rejects.append(outcome)
            return
        report.simulated += 1
        attrs = outcome.attributes
        keys = self._days.keys_at(outcome.created)
        if keys is not None:
            self._new_day(keys)
        key = (*self._group_key, outcome.kind)  # (period, kind, *by)
        if report.by:
            key = (*key, *(str(attrs.get(b, "")) for b in report.by))
        group = report.groups.get(key)
        if group is None:
            group = report.groups[key] = Group()
        group.tickets += 1
        group.resolved += outcome.resolved
        metrics = group.metrics
        index = _STATUS_INDEX
        for clock in outcome.clocks:
            stats = metrics.get(clock.metric.id)
            if stats is None:
                stats = metrics[clock.metric.id] = MetricStats()
            stats.statuses[index[clock.status]] += 1
            if clock.stopped is not None:
                stats.time_to_stop.add(clock.elapsed_seconds)
        for firing in outcome.escalations:
            group.escalations[(firing.step.metric, firing.step.index)] += 1
        for told in outcome.notices:
            group.notices[told.notice.id] += 1
        if outcome.findings:
            for code in {f.code for f in outcome.findings}:
                group.findings[code] += 1
            for finding in outcome.findings:
                group.finding_clauses.update(finding.clauses)
                if finding.actor is not None:
                    group.finding_actors[finding.actor] += 1
        if outcome.charges:
            self._charge(outcome)
        if self.objectives:
            for i, where in self._objectives_for(outcome.kind, attrs):
                within = self._within[i]
                if within is None or within.in_working_time(outcome.created):
                    self._objective(i, where, outcome)

    def _charge(self, outcome: SubjectOutcome) -> None:
        """The subject's charges into the ledger, each in the period of its occurrence."""
        report = self.report
        for c in outcome.charges:
            key = (period_key(dt.datetime.fromtimestamp(c.at, self._tz), report.period), c.payer or NOBODY)
            total = report.ledger.setdefault(key, [0, 0])
            total[0] += c.cents
            total[1] += 1
            report.charges.append(LedgerLine(c.at, outcome.id, outcome.kind, outcome.line, c.penalty.id, c.penalty.clauses,
                                             c.cents, c.factor, c.payer, c.reason))

    def _covered(self, i: int, where: bool, outcome: SubjectOutcome) -> None:
        """A coverage objective: each sample in the period of its population event, not of the subject's creation."""
        if not where:
            return
        objective = self.objectives[i]
        for sample in outcome.coverage:
            if sample.objective != objective.id:
                continue
            key = (objective.id, period_key(dt.datetime.fromtimestamp(sample.at, self._tz), objective.period))
            tally = self.report.objectives.get(key)
            if tally is None:
                tally = self.report.objectives[key] = ObjectiveTally()
            tally.tickets += 1
            tally.denominator += 1
            tally.numerator.whole += sample.covered

    def _objectives_for(self, kind: str, attrs: Any) -> tuple[tuple[int, bool], ...]:
        """(objective index, whether its `where` holds) for the objectives of this kind whose `of` holds."""
        key = (kind, *[attrs.get(f) for f in self._fields])
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = tuple(
                (i, evaluate(o.where, attrs)) for i, o in enumerate(self.objectives) if o.subject == kind and evaluate(o.of, attrs)
            )
        return found

    def _objective(self, i: int, where: bool, outcome: SubjectOutcome) -> None:
        measure = self._measures[i]
        if measure == _COVERAGE:
            self._covered(i, where, outcome)
            return
        tally = self._tallies[i]
        if measure == _SHARE:
            tally.tickets += 1
            tally.denominator += 1
            tally.numerator.whole += where
            return
        if not where:
            return
        tally.tickets += 1
        if measure == _FINDING_RATE:
            rule = self.objectives[i].finding
            tally.denominator += 1
            tally.numerator.whole += any(f.rule == rule and f.code != "undecided_rule" for f in outcome.findings)
        elif measure == _RESOLUTION:
            tally.denominator += 1
            tally.numerator.whole += outcome.resolved
        elif measure == _AVERAGE:
            value = outcome.attributes.get(self.objectives[i].attribute or "")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                tally.numerator.add(value)
                tally.denominator += 1
        else:
            metric = self.objectives[i].metric
            for clock in outcome.clocks:
                if clock.metric.id != metric:
                    continue
                if measure == _ON_TIME:
                    if clock.status in _DECIDED:
                        tally.denominator += 1
                        tally.numerator.whole += clock.status is ClockStatus.MET
                elif clock.stopped is not None:
                    tally.denominator += 1
                    if measure == _PERCENTILE and tally.histogram is not None:
                        tally.histogram.add(clock.elapsed_seconds)
                    else:
                        tally.numerator.whole += micro(clock.elapsed_seconds)

    def export(self) -> Report:
        return self.report

    def merge(self, other: Report) -> None:
        self.report.merge(other)


def check_grouping(versions: Sequence[Policy], by: Iterable[str]) -> None:
    """`--by` names an attribute some version of the policy declares (or severity, tier); a typo
    would group every ticket under one empty value without a word."""
    declared = sorted({*BUILTIN_ATTRIBUTES, *(a for p in versions for a in p.attributes)})
    for name in by:
        if name not in declared:
            raise GroupingError(f"--by '{name}': policy {versions[-1].id} declares no such attribute"
                                f"{did_you_mean(name, declared) or '.'} Group by one it declares: {', '.join(declared)} "
                                "(--by severity)")


class GroupingError(ValueError):
    """A `--by` the policy does not declare."""

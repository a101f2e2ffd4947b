"""Quality KPIs from a replayed ticket history: the report (counters per period, subject kind
and --by values, the objectives' tallies per version, the ledger) and the Aggregator that adds
outcomes to it.

Aggregation keeps counters and log-bucket histograms only (`tally`), so memory stays flat
however long the history (but for the lists a reader needs whole: rejected lines, charges, the
subjects an objective's working time could not measure to their stop), and partial reports
merge exactly, however the tickets were split.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from ..diagnostics.record import did_you_mean
from ..policy.model import BUILTIN_ATTRIBUTES, Policy
from ..sim.outcome import ClockOutcome, ClockStatus, Outcome, Rejection, SubjectOutcome
from .availability import Collected
from .measured import Place, place
from .periods import Days
from .tally import Histogram, ObjectiveTally
from .tallying import TallyKey, VersionObjectives

STATUSES = tuple(ClockStatus)
_STATUS_INDEX = {s: i for i, s in enumerate(STATUSES)}


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

    def unstopped(self, clock: ClockOutcome) -> None:
        """A clock without a stop in the working time figures: open past its target at its time so far, ended
        unsolved as never; pending and cancelled ones are not in them (`slapolicy.kpi.measured`)."""
        found = place(clock)
        if found is Place.OPEN:
            self.time_to_stop.add(clock.elapsed_seconds, True)
        elif found is Place.NEVER:
            self.time_to_stop.add_never()

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
    """One charge (a fine a person pays), as plain data (it travels from worker processes): traceable to its
    subject and clause."""

    at: float
    subject: str
    kind: str
    line: int
    penalty: str
    clauses: tuple[str, ...]
    amount: Decimal
    factor: float
    payer: str | None
    reason: str


class CreditLine(NamedTuple):
    """A credit a subject earned its customer by a late clock, before the credit limits (`slapolicy.kpi.ledger`
    applies them, grouping by the subject's attributes): plain data, like a LedgerLine."""

    at: float
    subject: str
    kind: str
    line: int
    credit: str
    version: str
    clauses: tuple[str, ...]
    amount: Decimal
    payee: str | None
    reason: str
    attributes: dict[str, Any]


@dataclass
class Report:
    """Counters of a replayed history: pure data, mergeable, exact."""

    period: str
    by: tuple[str, ...]
    groups: dict[tuple[str, ...], Group] = field(default_factory=dict)
    objectives: dict[TallyKey, ObjectiveTally] = field(default_factory=dict)
    simulated: int = 0
    rejected: int = 0
    later: int = 0  # created after --as-of: listed among the rejects, counted apart, no error
    ungoverned: int = 0  # in a comparison, subjects of a kind only the other version governs: counted apart, no error
    rejects: list[Rejection] = field(default_factory=list)
    interrupted: bool = False
    charges: list[LedgerLine] = field(default_factory=list)
    credits: list[CreditLine] = field(default_factory=list)
    outages: Collected = field(default_factory=Collected)  # what availability is measured from
    as_of: float | None = None  # the replay's now: outages still open run to it
    versions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (period, version) -> subjects replayed under it
    event_types: set[str] = field(default_factory=set)  # in the history: what it can measure
    undecided: Counter[str] = field(default_factory=Counter)  # a rule not applied (its message) -> subjects

    @property
    def tickets(self) -> int:
        return self.simulated + self.rejected + self.later + self.ungoverned

    def now(self) -> float:
        """The replay's now (--as-of), where outages still open end; the clock's when none was given."""
        return self.as_of if self.as_of is not None else time.time()

    def merge(self, other: Report) -> None:
        for key, group in other.groups.items():
            self.groups.setdefault(key, Group()).merge(group)
        for key, tally in other.objectives.items():
            self.objectives.setdefault(key, ObjectiveTally()).merge(tally)
        self.simulated += other.simulated
        self.rejected += other.rejected
        self.later += other.later
        self.ungoverned += other.ungoverned
        self.rejects.extend(other.rejects)
        self.interrupted |= other.interrupted
        self.charges.extend(other.charges)
        self.credits.extend(other.credits)
        self.outages.merge(other.outages)
        self.versions.update(other.versions)
        self.event_types |= other.event_types
        self.undecided.update(other.undecided)


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


NOBODY = "(no payer)"  # a charge none of its penalty's payer sources could name


class Aggregator:
    """Adds outcomes to a Report (the partial of a `report` replay), each subject's objectives those of
    the version it was replayed under (`slapolicy.kpi.tallying`), periods in the zone `tz`."""

    def __init__(self, tz: dt.tzinfo, period: str, by: Iterable[str], as_of: float | None = None) -> None:
        self.report = Report(period, tuple(by), as_of=as_of)
        self._days = Days(tz)
        self._tz = tz
        self._day = 0  # how many days the outcomes have moved between: the tallies' day
        self._keys: dict[str, str] = {}
        self._versions: dict[str, VersionObjectives] = {}

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        (outcome,) = outcomes
        self.add_outcome(outcome)

    def add_outcome(self, outcome: Outcome) -> None:
        report = self.report
        if isinstance(outcome, Rejection):
            if outcome.not_yet_created:
                report.later += 1
            elif outcome.not_governed:
                report.ungoverned += 1
                return  # another version's subject: nothing of this version's to list
            else:
                report.rejected += 1
            report.rejects.append(outcome)
            return
        report.simulated += 1
        attrs = outcome.attributes
        keys = self._days.keys_at(outcome.created)
        if keys is not None:
            self._keys = keys
            self._day += 1
        period = self._keys[report.period]
        key: tuple[str, ...] = (period, outcome.kind)  # (period, kind, *by)
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
            else:
                stats.unstopped(clock)
        for firing in outcome.escalations:
            group.escalations[(firing.step.metric, firing.step.index)] += 1
        for told in outcome.notices:
            group.notices[told.notice.id] += 1
        if outcome.findings:
            self._findings(group, outcome)
        if outcome.charges:
            self._charge(outcome)
        if outcome.credits:
            report.credits += [CreditLine(c.at, outcome.id, outcome.kind, outcome.line, c.credit.id, outcome.policy.version,
                                          c.credit.clauses, c.amount, c.payee, c.reason, dict(outcome.attributes))
                               for c in outcome.credits]
        if outcome.policy.availability:
            unusable: list[str] = []
            report.outages.add(outcome, self._tz, unusable)
            report.undecided.update(unusable)
        if not outcome.event_types <= report.event_types:
            report.event_types |= outcome.event_types
        version = outcome.policy.version
        report.versions[(period, version)] += 1
        objectives = self._versions.get(version)
        if objectives is None:
            objectives = self._versions[version] = VersionObjectives(outcome.policy, report.objectives, self._tz)
        if objectives.objectives:
            if objectives.day != self._day:
                objectives.new_day(self._keys, self._day)
            objectives.add(outcome)

    def _findings(self, group: Group, outcome: SubjectOutcome) -> None:
        """Subjects per code, findings per clause and person; rules not applied, once per cause (their message)."""
        report = self.report
        for code in {f.code for f in outcome.findings}:
            group.findings[code] += 1
        for finding in outcome.findings:
            group.finding_clauses.update(finding.clauses)
            if finding.actor is not None:
                group.finding_actors[finding.actor] += 1
        report.undecided.update({f.message for f in outcome.findings if f.code == "undecided_rule"})

    def _charge(self, outcome: SubjectOutcome) -> None:
        """The subject's charges, for the ledger (`slapolicy.kpi.ledger`)."""
        self.report.charges += [LedgerLine(c.at, outcome.id, outcome.kind, outcome.line, c.penalty.id, c.penalty.clauses,
                                           c.amount, c.factor, c.payer, c.reason) for c in outcome.charges]

    def export(self) -> Report:
        return self.report

    def merge(self, other: Report) -> None:
        self.report.merge(other)


def check_grouping(versions: Sequence[Policy], by: Iterable[str]) -> None:
    """`--by` names an attribute some version of the policy declares, a date period, tier, or severity
    where a version grades tickets; a typo would group every ticket under one empty value without a word."""
    graded = any(p.severities for p in versions)
    declared = sorted({*(a for a in BUILTIN_ATTRIBUTES if graded or a != "severity"),
                       *(a for p in versions for a in (*p.attributes, *p.periods))})
    for name in by:
        if name not in declared:
            raise GroupingError(f"--by '{name}': policy {versions[-1].id} declares no such attribute"
                                f"{did_you_mean(name, declared) or '.'} Group by one it declares: {', '.join(declared)} "
                                f"(--by {'severity' if 'severity' in declared else declared[0]})")


class GroupingError(ValueError):
    """A `--by` the policy does not declare."""

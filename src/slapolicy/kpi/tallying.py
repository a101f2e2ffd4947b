"""One policy version's objectives tallied over the subjects replayed under it: which of them apply
to a subject, and what the subject adds to each (a rate's part and whole, a working time or its
place among the unfinished, a coverage sample in the period of its population event).

Objectives are judged by the version each subject was replayed under (the one in force at its
creation), so adding next year's version leaves this year's verdicts as they were.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..calendar.business import BusinessCalendar
from ..policy.conditions import evaluate, fields
from ..policy.model import Objective, Policy
from ..sim.outcome import ClockOutcome, ClockStatus, SubjectOutcome
from .measured import Place, place
from .periods import period_key
from .tally import Histogram, ObjectiveTally, micro, percentile_cuts

TallyKey = tuple[str, str, str]  # (version, objective id, period)

_SHARE, _RESOLUTION, _AVERAGE, _ON_TIME, _MEAN_TIME, _PERCENTILE, _FINDING_RATE, _COVERAGE = range(8)
_MEASURES = {"share": _SHARE, "resolution_rate": _RESOLUTION, "average": _AVERAGE, "on_time_rate": _ON_TIME,
             "mean_time": _MEAN_TIME, "percentile": _PERCENTILE, "finding_rate": _FINDING_RATE, "coverage": _COVERAGE}
_UNUSED = ObjectiveTally()  # the slot of a coverage objective among the current day's tallies
_DECIDED = (ClockStatus.MET, ClockStatus.BREACHED)


class VersionObjectives:
    """The objectives of one version, their `where` / `of` conditions evaluated on each subject's final
    attributes and cached per combination of the values they read; the tallies of the current day
    looked up once per day (`day`: the aggregator's count of days the tallies are of)."""

    def __init__(self, policy: Policy, tallies: dict[TallyKey, ObjectiveTally], tz: dt.tzinfo) -> None:
        self.version = policy.version
        # availability is measured per service and period from the whole history, not tallied per subject
        self.objectives: tuple[Objective, ...] = tuple(o for o in policy.objectives if o.measure != "availability")
        self.day = -1
        self._all = tallies  # the report's, every version's
        self._tz = tz
        self._measures = tuple(_MEASURES[o.measure] for o in self.objectives)
        self._within = tuple(o.calendar for o in self.objectives)  # count only subjects that start inside its working time
        self._counted_on = policy.counted_on
        self._specs = policy.calendars  # a calendar chosen by the subject: the one it picks for each
        self._calendars: dict[str, BusinessCalendar] = {}
        self._fields = tuple(sorted({f for o in self.objectives for c in (o.of, o.where) for f in fields(c)}))
        self._applicable: dict[tuple[Any, ...], tuple[tuple[int, bool], ...]] = {}
        self._tallies: list[ObjectiveTally] = []  # of the current day, per objective

    def new_day(self, keys: dict[str, str], day: int) -> None:
        self.day = day
        self._tallies = []
        for o in self.objectives:
            if o.measure == "coverage":  # tallied in the period of each sample (_covered)
                self._tallies.append(_UNUSED)
                continue
            self._tallies.append(self._tally(o, keys[o.period]))

    def _tally(self, o: Objective, period: str) -> ObjectiveTally:
        key = (self.version, o.id, period)
        tally = self._all.get(key)
        if tally is None:
            tally = self._all[key] = ObjectiveTally(microseconds=o.measure == "mean_time")
            if o.measure == "percentile":
                tally.histogram, tally.q = Histogram(cuts=percentile_cuts(o)), o.q
        return tally

    def add(self, outcome: SubjectOutcome) -> None:
        for i, where in self._objectives_for(outcome.kind, outcome.attributes):
            within = self._within[i]
            if within is None or self._calendar(within, outcome.attributes).in_working_time(outcome.created):
                self._objective(i, where, outcome)

    def _calendar(self, name: str, attrs: Any) -> BusinessCalendar:
        picked = self._counted_on(name, attrs)
        cal = self._calendars.get(picked)
        if cal is None:
            cal = self._calendars[picked] = BusinessCalendar(self._specs[picked])
        return cal

    def _objectives_for(self, kind: str, attrs: Any) -> tuple[tuple[int, bool], ...]:
        """(objective index, whether its `where` holds) for the objectives of this kind whose `of` holds."""
        key = (kind, *[attrs.get(f) for f in self._fields])
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = tuple(
                (i, evaluate(o.where, attrs)) for i, o in enumerate(self.objectives) if o.subject == kind and evaluate(o.of, attrs)
            )
        return found

    def _covered(self, i: int, where: bool, outcome: SubjectOutcome) -> None:
        """A coverage objective: each sample in the period of its population event, not of the subject's creation."""
        if not where:
            return
        objective = self.objectives[i]
        for sample in outcome.coverage:
            if sample.objective != objective.id:
                continue
            tally = self._tally(objective, period_key(dt.datetime.fromtimestamp(sample.at, self._tz), objective.period))
            tally.tickets += 1
            tally.denominator += 1
            tally.numerator.whole += sample.covered

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
        objective = self.objectives[i]
        if measure == _FINDING_RATE:
            tally.denominator += 1
            tally.numerator.whole += any(f.rule == objective.finding and f.code != "undecided_rule" for f in outcome.findings)
        elif measure == _RESOLUTION:
            tally.denominator += 1
            tally.numerator.whole += outcome.resolved
        elif measure == _AVERAGE:
            value = outcome.attributes.get(objective.attribute or "")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                tally.numerator.add(value)
                tally.denominator += 1
        elif measure == _ON_TIME:
            for clock in outcome.clocks:
                if clock.metric.id != objective.metric:
                    continue
                if clock.status in _DECIDED:
                    tally.denominator += 1
                    tally.numerator.whole += clock.status is ClockStatus.MET
                if objective.count != "cycle":  # the subject once: its first cycle decides
                    break
        else:
            for clock in outcome.clocks:
                if clock.metric.id == objective.metric:
                    _time(tally, clock, objective, outcome.id)


def _time(tally: ObjectiveTally, clock: ClockOutcome, objective: Objective, subject: str) -> None:
    """A clock into a mean or percentile of working time, by its place (`slapolicy.kpi.measured`)."""
    found = place(clock, objective.max)
    if found is Place.VOID:
        return
    unfinished = tally.unfinished
    if found is Place.PENDING:
        unfinished.pending += 1
        return
    tally.denominator += 1
    histogram = tally.histogram
    if found is Place.NEVER:
        unfinished.never.append(subject)
        if histogram is not None:
            histogram.add_never()
        return
    if found is Place.OPEN:
        unfinished.open.append(subject)
    if histogram is not None:
        histogram.add(clock.elapsed_seconds, found is Place.OPEN)
    else:
        tally.numerator.whole += micro(clock.elapsed_seconds)

"""The objectives' verdicts: each version's objectives per their own period over the subjects
replayed under that version, met or missed as the exact tally decides, and summed up at the
report's period (a daily objective in a quarterly report: its worst day, and on how many days
it was missed).

A verdict is as of --as-of: a figure of working time that rests on clocks still open past their
target is a lower bound, and its verdict holds only *so far* where those clocks running on could
still turn it (`settled`). An objective whose figure the history cannot measure (no event that
stops its metric) is *not measured*, with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..policy.model import Objective, Policy
from .availability import Measured, measure
from .measured import objective_unmeasured
from .periods import PERIODS, period_key
from .report import Report
from .tally import Unfinished, written


@dataclass(frozen=True)
class ObjectiveResult:
    objective: Objective
    period: str
    value: float | None  # math.inf: the figure falls among subjects never solved
    met: bool | None
    tickets: int
    measured: int
    exact: bool = True  # False for a percentile read from the histogram (within 1 %)
    version: str = ""
    lower: bool = False  # the value is a lower bound: clocks still open past their target are in it at their time so far
    settled: bool = True  # False: the verdict holds so far, those clocks running on could still turn it
    unfinished: Unfinished = field(default_factory=Unfinished)
    unmeasured: str | None = None  # why the history cannot measure it


def objective_results(report: Report, versions: Iterable[Policy]) -> list[ObjectiveResult]:
    """Each version's objectives per period over its own subjects: value, met or missed (None without data
    or not measured), and what it rests on."""
    versions = list(versions)
    rows = []
    available = _availability(report, versions)
    for policy in versions:
        tallied = sorted(k for k in report.objectives if k[0] == policy.version)
        for o in policy.objectives:
            if o.measure == "availability":
                rows += _available(o, policy.version, available)
                continue
            unmeasured = objective_unmeasured(o, policy, report.event_types)
            for key in (k for k in tallied if k[1] == o.id):
                tally = report.objectives[key]
                found = None if unmeasured else tally.estimate()
                value = None if found is None else found.value
                met = None if found is None else tally.meets(o.min, o.max)
                lower = found is not None and found.lower
                measured = 0 if unmeasured else tally.denominator
                rows.append(ObjectiveResult(o, key[2], value, met, tally.tickets, measured, found is None or found.exact,
                                            policy.version, lower, not lower or _settled(o, met, value), tally.unfinished,
                                            unmeasured))
    return rows


def _availability(report: Report, versions: list[Policy]) -> list[Measured]:
    if not any(o.measure == "availability" for p in versions for o in p.objectives):
        return []
    return measure(report.outages, versions, versions[-1].tz, report.now())


def _available(o: Objective, version: str, measured: list[Measured]) -> list[ObjectiveResult]:
    """An availability objective per period: its lowest service's availability (cut to 6 decimals, never more than was
    measured), met when every service's reaches `min` exactly; a period still running is met only so far."""
    periods: dict[str, list[Measured]] = {}
    for row in measured:
        if row.version == version and row.measure.id == o.availability:
            periods.setdefault(row.period, []).append(row)
    least = written(o.min) if o.min is not None else None
    out = []
    for period, rows in sorted(periods.items()):
        lowest = min(row.availability for row in rows)
        met = least is None or lowest >= least
        out.append(ObjectiveResult(o, period, math.floor(lowest * 1_000_000) / 1_000_000, met, len(rows), len(rows),
                                   version=version, settled=not (met and any(row.open for row in rows))))
    return out


def _settled(objective: Objective, met: bool | None, value: float | None) -> bool:
    """A lower bound can only grow: a verdict it gives stands unless growing turns it (met under a `max`, missed
    for want of reaching a `min`)."""
    if met:
        return objective.max is None
    return objective.max is not None and value is not None and value > objective.max


@dataclass(frozen=True)
class ObjectiveSummary:
    """An objective over one period of the report: its own result when its period is as long as the
    report's or longer, else how many of its shorter periods (days of a quarter) met and missed it."""

    objective: Objective
    period: str  # the objective's own period, or the report's when `periods` > 1
    value: float | None  # its value, or the worst of its shorter periods
    met: bool | None
    measured: int
    periods: int  # the objective's periods with data inside `period`
    missed: int
    exact: bool
    version: str = ""
    lower: bool = False
    settled: bool = True
    unfinished: Unfinished = field(default_factory=Unfinished)
    unmeasured: str | None = None


def _worst(objective: Objective, values: list[float]) -> float:
    return max(values) if objective.min is None and objective.max is not None else min(values)


def summarise(results: list[ObjectiveResult], period: str) -> list[ObjectiveSummary]:
    """Objectives at the report's period: one line per objective, version and report period (never 365
    daily lines in a quarterly report), one line for an objective no subject was measured by, and one
    for an objective the history cannot measure."""
    rows: list[ObjectiveSummary] = []
    order = {p: i for i, p in enumerate(PERIODS)}
    by_objective: dict[tuple[str, str], list[ObjectiveResult]] = {}
    for r in results:
        by_objective.setdefault((r.version, r.objective.id), []).append(r)
    for found in by_objective.values():
        objective, version, unmeasured = found[0].objective, found[0].version, found[0].unmeasured
        measured = [r for r in found if r.value is not None]
        if not measured:
            rows.append(ObjectiveSummary(objective, "", None, None, 0, 0, 0, True, version, unmeasured=unmeasured))
            continue
        if order[objective.period] >= order[period]:
            rows += [ObjectiveSummary(objective, r.period, r.value, r.met, r.measured, 1, int(r.met is False), r.exact, version,
                                      r.lower, r.settled, r.unfinished) for r in measured]
            continue
        spans: dict[str, list[ObjectiveResult]] = {}
        for r in measured:
            spans.setdefault(_enclosing(r.period, objective.period, period), []).append(r)
        for key, inside in spans.items():
            missed = sum(r.met is False for r in inside)
            unfinished = Unfinished()
            for r in inside:
                unfinished.merge(r.unfinished)
            rows.append(ObjectiveSummary(objective, key, _worst(objective, [r.value for r in inside if r.value is not None]),
                                         not missed, sum(r.measured for r in inside), len(inside), missed,
                                         all(r.exact for r in inside), version, any(r.lower for r in inside),
                                         all(r.settled for r in inside), unfinished))
    return rows


def _enclosing(key: str, own: str, period: str) -> str:
    """The report period a shorter period's key falls in (a week by its Thursday, as ISO 8601 gives a week its year)."""
    if own == "day":
        day = dt.date.fromisoformat(key)
    elif own == "week":
        year, week = key.split("-W")
        day = dt.date.fromisocalendar(int(year), int(week), 4)
    elif own == "month":
        day = dt.date.fromisoformat(key + "-01")
    else:  # quarter
        year, quarter = key.split("-Q")
        day = dt.date(int(year), 3 * int(quarter) - 2, 1)
    return period_key(dt.datetime(day.year, day.month, day.day), period)

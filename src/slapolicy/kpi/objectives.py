"""The objectives' verdicts: each objective per its own period, met or missed as its exact
tally decides, and summed up at the report's period (a daily objective in a quarterly report:
its worst day, and on how many days it was missed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..policy.model import Objective
from .report import PERIODS, Report, period_key


@dataclass(frozen=True)
class ObjectiveResult:
    objective: Objective
    period: str
    value: float | None
    met: bool | None
    tickets: int
    measured: int
    exact: bool = True  # False for a percentile read from the histogram (within 1 %)


def objective_results(report: Report, objectives: Iterable[Objective]) -> list[ObjectiveResult]:
    """Each objective per period: its value, met or missed (None without data), and what it rests on."""
    rows = []
    for o in objectives:
        for key in sorted(k for k in report.objectives if k[0] == o.id):
            tally = report.objectives[key]
            found = tally.estimate()
            value = None if found is None else found.value
            met = None if value is None else tally.meets(o.min, o.max)
            rows.append(ObjectiveResult(o, key[1], value, met, tally.tickets, tally.denominator, found is None or found.exact))
    return rows


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


def _worst(objective: Objective, values: list[float]) -> float:
    return max(values) if objective.min is None and objective.max is not None else min(values)


def summarise(results: list[ObjectiveResult], period: str) -> list[ObjectiveSummary]:
    """Objectives at the report's period: one line per objective and report period (never 365 daily
    lines in a quarterly report), and one line for an objective no subject was measured by."""
    rows: list[ObjectiveSummary] = []
    order = {p: i for i, p in enumerate(PERIODS)}
    by_objective: dict[str, list[ObjectiveResult]] = {}
    for r in results:
        by_objective.setdefault(r.objective.id, []).append(r)
    for found in by_objective.values():
        objective = found[0].objective
        measured = [r for r in found if r.value is not None]
        if not measured:
            rows.append(ObjectiveSummary(objective, "", None, None, 0, 0, 0, True))
            continue
        if order[objective.period] >= order[period]:
            rows += [ObjectiveSummary(objective, r.period, r.value, r.met, r.measured, 1, int(r.met is False), r.exact)
                     for r in measured]
            continue
        spans: dict[str, list[ObjectiveResult]] = {}
        for r in measured:
            spans.setdefault(_enclosing(r.period, objective.period, period), []).append(r)
        for key, inside in spans.items():
            missed = sum(r.met is False for r in inside)
            rows.append(ObjectiveSummary(objective, key, _worst(objective, [r.value for r in inside if r.value is not None]),
                                         not missed, sum(r.measured for r in inside), len(inside), missed,
                                         all(r.exact for r in inside)))
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

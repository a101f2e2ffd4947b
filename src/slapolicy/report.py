"""Quality KPIs from a replayed ticket history, against the policy's objectives.

Aggregation keeps counters and log-bucket histograms only, so memory stays flat however
long the history; partial reports from parallel workers merge exactly (the result does
not depend on how the tickets were split). Medians and p90s of working time come from
the histogram, to within 1 %.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .conditions import evaluate
from .model import Objective, Policy

PERIODS = ("day", "week", "month", "quarter", "year")
_BASE = math.log(1.01)


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
class Histogram:
    """Counts per 1 % log bucket of seconds: exact to merge, flat in memory."""

    buckets: Counter[int] = field(default_factory=Counter)
    count: int = 0
    total: float = 0.0

    def add(self, seconds: float) -> None:
        self.buckets[int(math.log1p(max(0.0, seconds)) / _BASE)] += 1
        self.count += 1
        self.total += seconds

    def merge(self, other: Histogram) -> None:
        self.buckets.update(other.buckets)
        self.count += other.count
        self.total += other.total

    def quantile(self, q: float) -> float | None:
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                return round(math.expm1(bucket * _BASE))
        return None


@dataclass
class MetricStats:
    statuses: Counter[str] = field(default_factory=Counter)
    time_to_stop: Histogram = field(default_factory=Histogram)

    def merge(self, other: MetricStats) -> None:
        self.statuses.update(other.statuses)
        self.time_to_stop.merge(other.time_to_stop)

    def to_json(self) -> dict[str, Any]:
        met, breached = self.statuses["met"], self.statuses["breached"]
        return {
            "clocks": sum(self.statuses.values()),
            "met": met, "breached": breached, "running": self.statuses["running"], "cancelled": self.statuses["cancelled"],
            "on_time_rate": _rate(met, met + breached),
            "median_seconds": self.time_to_stop.quantile(0.5),
            "p90_seconds": self.time_to_stop.quantile(0.9),
        }


@dataclass
class Group:
    tickets: int = 0
    resolved: int = 0
    metrics: dict[str, MetricStats] = field(default_factory=dict)
    escalations: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Group) -> None:
        self.tickets += other.tickets
        self.resolved += other.resolved
        for name, stats in other.metrics.items():
            self.metrics.setdefault(name, MetricStats()).merge(stats)
        self.escalations.update(other.escalations)


@dataclass
class ObjectiveTally:
    """Numerator and denominator (or sum and count) of one objective in one period."""

    numerator: float = 0.0
    denominator: float = 0.0
    tickets: int = 0

    def merge(self, other: ObjectiveTally) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.tickets += other.tickets


@dataclass
class Report:
    policy: str
    period: str
    by: tuple[str, ...]
    groups: dict[tuple[str, ...], Group] = field(default_factory=dict)
    objectives: dict[tuple[str, str], ObjectiveTally] = field(default_factory=dict)
    simulated: int = 0
    rejected: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)
    partial: bool = False

    def merge(self, other: Report) -> None:
        for key, group in other.groups.items():
            self.groups.setdefault(key, Group()).merge(group)
        for key, tally in other.objectives.items():
            self.objectives.setdefault(key, ObjectiveTally()).merge(tally)
        self.simulated += other.simulated
        self.rejected += other.rejected
        self.rejects.extend(other.rejects)
        self.partial |= other.partial


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


class Aggregator:
    """Adds simulated tickets to a Report."""

    def __init__(self, policies: list[Policy], period: str, by: Iterable[str]) -> None:
        self.tz = ZoneInfo(policies[-1].timezone)
        self.report = Report(policies[-1].id, period, tuple(by))
        self.objectives: list[Objective] = list(policies[-1].objectives)

    def add(self, result: dict[str, Any]) -> None:
        report = self.report
        if result["status"] != "ok":
            report.rejected += 1
            report.rejects.append({"line": result.get("line"), "id": result.get("id"), "errors": result["errors"]})
            return
        report.simulated += 1
        attrs = result["attributes"]
        created = self._created(result)
        key = (period_key(created, report.period), *(str(attrs.get(b, "")) for b in report.by))
        group = report.groups.setdefault(key, Group())
        group.tickets += 1
        group.resolved += bool(result["resolved"])
        for clock in result["clocks"]:
            stats = group.metrics.setdefault(clock["metric"], MetricStats())
            stats.statuses[clock["status"]] += 1
            if clock["stopped_at"] is not None:
                stats.time_to_stop.add(clock["elapsed_seconds"])
        for e in result["escalations"]:
            group.escalations[f"{e['metric']} step {e['step']}"] += 1
        for objective in self.objectives:
            self._objective(objective, result, attrs, created)

    def _created(self, result: dict[str, Any]) -> dt.datetime:
        return dt.datetime.fromisoformat(result["created_at"]).astimezone(self.tz)

    def _objective(self, o: Objective, result: dict[str, Any], attrs: dict[str, Any], created: dt.datetime) -> None:
        if not evaluate(o.of, attrs):
            return
        tally = self.report.objectives.setdefault((o.id, period_key(created, o.period)), ObjectiveTally())
        if o.measure == "share":
            tally.tickets += 1
            tally.denominator += 1
            tally.numerator += evaluate(o.where, attrs)
            return
        if not evaluate(o.where, attrs):
            return
        tally.tickets += 1
        if o.measure == "resolution_rate":
            tally.denominator += 1
            tally.numerator += bool(result["resolved"])
        elif o.measure == "average":
            value = attrs.get(o.attribute or "")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                tally.numerator += value
                tally.denominator += 1
        else:
            for clock in result["clocks"]:
                if clock["metric"] != o.metric:
                    continue
                if o.measure == "on_time_rate" and clock["status"] in ("met", "breached"):
                    tally.denominator += 1
                    tally.numerator += clock["status"] == "met"
                elif o.measure == "mean_time" and clock["stopped_at"] is not None:
                    tally.denominator += 1
                    tally.numerator += clock["elapsed_seconds"]


def objective_rows(report: Report, policy: Policy) -> list[dict[str, Any]]:
    rows = []
    for o in policy.objectives:
        keys = sorted(k for k in report.objectives if k[0] == o.id)
        for key in keys:
            tally = report.objectives[key]
            value = _rate(tally.numerator, tally.denominator)
            met = None
            if value is not None:
                met = (o.min is None or value >= o.min - 1e-9) and (o.max is None or value <= o.max + 1e-9)
            clause = policy.document.data["objectives"][policy.objectives.index(o)].get("clause")
            rows.append({"objective": o.id, "clause": clause, "measure": o.measure, "period": key[1],
                         "value": value, "min": o.min, "max": o.max, "met": met, "tickets": tally.tickets,
                         "measured": int(tally.denominator)})
    return rows


def to_json(report: Report, policy: Policy) -> dict[str, Any]:
    groups = []
    for key in sorted(report.groups):
        g = report.groups[key]
        entry: dict[str, Any] = {"period": key[0], **dict(zip(report.by, key[1:]))}
        entry.update({
            "tickets": g.tickets,
            "resolution_rate": _rate(g.resolved, g.tickets),
            "metrics": {m: g.metrics[m].to_json() for m in policy.metrics if m in g.metrics},
            "escalations": dict(sorted(g.escalations.items())),
        })
        groups.append(entry)
    return {
        "policy": report.policy,
        "period": report.period,
        "by": list(report.by),
        "partial": report.partial,
        "summary": {"tickets": report.simulated + report.rejected, "simulated": report.simulated, "rejected": report.rejected},
        "groups": groups,
        "objectives": objective_rows(report, policy),
    }

"""What a replayed history can measure: where each clock stands in a figure of working time
(a mean, a median, a percentile), and what a metric or an objective needs the history to
contain before a value of it means anything.

A figure of working time measures the whole population, not only the clocks that stopped:
a clock open past its target at as_of is in it at its working time so far (a lower bound),
one that ended without its stop was never solved, one still within its target is pending.
A history that never holds the event that stops a metric cannot tell met from breached:
the metric is *not measured*, not 0 % on time.
"""

from __future__ import annotations

import enum
from collections.abc import Set

from ..i18n import N_, Message, alternatives
from ..policy.model import Metric, Objective, Policy
from ..sim.outcome import ClockOutcome, ClockStatus


class Place(enum.Enum):
    SOLVED = "solved"  # stopped by as_of: its working time to stop
    OPEN = "open"  # still running at as_of, past its target: its working time so far, a lower bound
    NEVER = "never"  # ended without its stop (a fail_on event, a period missed): never solved
    PENDING = "pending"  # still running at as_of within its target: not in the figure yet
    VOID = "void"  # cancelled: not in the figure


def place(clock: ClockOutcome, limit: float | None = None) -> Place:
    """Where a clock stands in a figure of working time to stop. A clock paused at as_of is within its
    target (its due time moves); a period of a `repeat` or `every` metric breached without its stop has
    ended unsolved. `limit`: for a clock no target times, the past-the-target line (an objective's `max`);
    without one such a clock is pending until it stops."""
    if clock.cancelled is not None:
        return Place.VOID
    if clock.stopped is not None:
        return Place.SOLVED
    if clock.failed is not None:
        return Place.NEVER
    status = clock.status
    if status is ClockStatus.BREACHED:
        return Place.NEVER if clock.metric.repeat or clock.metric.every else Place.OPEN
    if status is ClockStatus.UNTIMED and limit is not None and clock.elapsed_seconds > limit:
        return Place.OPEN
    return Place.PENDING


def absent(needed: tuple[str, ...], events: Set[str]) -> str | None:
    """Why a figure cannot be measured when the history holds none of the `needed` event types (None: it can): a
    Message, said in the reader's language where a report is written for people, in English in its JSON."""
    if not needed or any(e in events for e in needed):
        return None
    return Message(N_("the history has no {types} events"), types=alternatives([f"'{e}'" for e in needed]))


def metric_unmeasured(metric: Metric, events: Set[str]) -> str | None:
    """A metric is measured by its stop events: without any, no clock of it could ever be met."""
    return absent(metric.stop, events)


def objective_unmeasured(objective: Objective, policy: Policy, events: Set[str]) -> str | None:
    """The events an objective's value rests on: its metric's stop, `resolved` for a resolution rate, the proof
    of a coverage."""
    if objective.measure == "resolution_rate":
        return absent(("resolved",), events)
    if objective.measure == "coverage":
        return absent(objective.proof, events)
    metric = policy.metrics.get(objective.metric or "")
    if metric is None or objective.measure not in ("on_time_rate", "mean_time", "percentile"):
        return None
    return metric_unmeasured(metric, events)

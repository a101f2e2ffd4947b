"""An objective on the on-time rate of a metric that no target times measures nothing: the
metric's clocks are untimed, never met or breached. (Means and percentiles of a metric
without targets do measure: its clocks still run.)

Passes::

    targets:
      - {resolution: 8h}
    objectives:
      - {id: resolved-in-time, measure: on_time_rate, metric: resolution, min: 90%}

Fails::

    targets: []
    objectives:
      - {id: resolved-in-time, measure: on_time_rate, metric: resolution, min: 90%}   # SLA505
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA505"


def check(policy: Policy) -> Iterator[Problem]:
    timed = policy.timed
    for objective in policy.objectives:
        metric = policy.metrics.get(objective.metric or "")
        if objective.measure == "on_time_rate" and metric is not None and metric.id not in timed and not metric.every:
            yield Problem(objective.path + ("metric",), Message(N_("no target times '{metric}', so objective {objective} would "
                                                                   "measure nothing; give the metric a target, or measure "
                                                                   "mean_time or a percentile instead"),
                                                                metric=metric.id, objective=objective.id))

"""How a clock runs is a figure too: a pause (`pause_while`, `pause_on`), a cancellation
(`cancel_on`), a repeat (`repeat`) or a window (a coverage `within`) that the clauses a metric
or objective cites do not say is the company's choice, and says why. The clauses' register
entries say which they give (`constructs:`, each in the clause's own words); the metric says
the others in `choices:`, a window in its own `choice`.

Applies to policies that name the clause registers they implement, to the metrics and
objectives that cite a clause.

Passes::

    metrics:
      resolution:
        clause: R-000-05
        start: created
        stop: resolved
        pause_while: {status: waiting_on_customer}
        choices: {pause: "the seed gives no pause; the company stops the clock while it waits on the customer"}

Fails::

    metrics:
      resolution:
        clause: R-000-05                       # 4小时内处理: no pause in the clause's words
        start: created
        stop: resolved
        pause_while: {status: waiting_on_customer}   # SLA704
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.loader import JsonPath
from ...policy.model import Metric, Policy
from ...policy.register import Clause
from .base import Problem, implemented_clauses

CODE = "SLA704"


def check(policy: Policy) -> Iterator[Problem]:
    known = implemented_clauses(policy)
    if known is None:
        return
    for metric in policy.metrics.values():
        cited = [known[c] for c in metric.clauses if c in known]
        if not cited:
            continue
        for construct, path, what in _constructs(metric):
            if construct not in metric.choices and not _given(cited, construct, metric.id):
                said = N_("the {metric} clock {what}, which {clauses} does not say; if it is the company's choice, say why: {fix}") \
                    if len(cited) == 1 else N_("the {metric} clock {what}, which {clauses} do not say; if it is the company's choice, "
                                               "say why: {fix}")
                yield Problem(path, Message(said, metric=metric.id, what=what, clauses=_ids(cited), fix=f'choices: {{{construct}: "why"}}'),
                              key=True)
    for objective in policy.objectives:
        window = objective.within
        cited = [known[c] for c in objective.clauses if c in known]
        if window is not None and cited and window.choice is None and not _given(cited, "window", None):
            said = N_("objective {objective} counts a proof within {duration}, a window {clauses} does not give; if it is the "
                      "company's choice, say why: {fix}") if len(cited) == 1 else \
                N_("objective {objective} counts a proof within {duration}, a window {clauses} do not give; if it is the company's "
                   "choice, say why: {fix}")
            yield Problem(window.path, Message(said, objective=objective.id, duration=window.duration, clauses=_ids(cited),
                                               fix=f'within: {{within: {window.duration}, choice: "why"}}'))


def _constructs(metric: Metric) -> Iterator[tuple[str, JsonPath, Message]]:
    """Each construct the metric has: its name, where it is written, and what it does in words."""
    if metric.pause_statuses:
        yield "pause", metric.path + ("pause_while",), Message(N_("pauses while the status is {statuses}"),
                                                               statuses=", ".join(metric.pause_statuses))
    elif metric.pause_on:
        yield "pause", metric.path + ("pause_on",), Message(N_("pauses on {events}"), events=", ".join(metric.pause_on))
    if metric.cancel_on:
        yield "cancel", metric.path + ("cancel_on",), Message(N_("is cancelled (no verdict) on {events}"), events=", ".join(metric.cancel_on))
    if metric.repeat:
        yield "repeat", metric.path + ("repeat",), Message(N_("starts again at each stop (repeat)"))


def _given(cited: list[Clause], construct: str, metric: str | None) -> bool:
    return any(c.construct == construct and c.metric in (None, metric) for clause in cited for c in clause.constructs)


def _ids(cited: list[Clause]) -> str:
    """`R-000-01, R-000-05`: the clauses a message names (its verb agrees with how many)."""
    return ", ".join(c.id for c in cited)

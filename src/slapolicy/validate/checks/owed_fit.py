"""The parts of an availability measure, a credit or a credit limit fit together: the downtime is a
metric of another kind of subject than tickets' life (each of its clocks one interruption: not a
repeating clock or a duty), the fee a share is of is a number attribute, a term is two date
attributes and a maintenance window two datetime attributes, an availability objective holds a
`min` over the measure's own period, and a credit on a breach says what each breach earns (a
`credit`, or by its `lateness` on a clock that ends once) and applies `when` to the subjects of
that clock only.

Passes::

    attributes:
      monthly_fee: {subject: instance, type: number}
    availability:
      - {id: single-instance, downtime: unavailable, per: [customer, instance], period: month}
    objectives:
      - {id: available, measure: availability, availability: single-instance, min: 99.975%}

Fails::

    attributes:
      monthly_fee: {subject: instance}                  # SLA509: a fee is a number
    objectives:
      - {id: available, measure: availability, availability: single-instance, min: 99.975%, period: year}   # SLA509
    credits:
      - {id: late, breach: resolution, payee: customer}  # SLA509: neither credit nor lateness
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ...i18n import N_, Message
from ...policy.conditions import ALWAYS
from ...policy.loader import JsonPath
from ...policy.model import Policy
from ...policy.owed import OfFee
from .base import Problem

CODE = "SLA509"


def check(policy: Policy) -> Iterator[Problem]:
    yield from _measures(policy)
    yield from _objectives(policy)
    yield from _credits(policy)


def _typed(policy: Policy, names: Iterable[str], types: tuple[str, ...], path: JsonPath, what: str) -> Iterator[Problem]:
    for i, name in enumerate(names):
        declared = policy.attributes.get(name)
        if declared is not None and declared.type not in types:
            yield Problem(path + (i,), Message(N_("'{name}' is {what}, so it must be declared `type: {types}`, not {declared}"),
                                               name=name, what=Message(what), types=" or ".join(types), declared=declared.type))


def _measures(policy: Policy) -> Iterator[Problem]:
    for a in policy.availability:
        metric = policy.metrics.get(a.downtime)
        if metric is not None and (metric.repeat or metric.every):
            yield Problem(a.path + ("downtime",), Message(N_("each clock of '{metric}' must be one interruption; a repeating "
                                                             "clock or a duty per period is not: give the outages a metric from "
                                                             "down to up"), metric=a.downtime))
        if a.services is not None and a.services.term is not None:
            yield from _typed(policy, a.services.term, ("date",), a.path + ("services", "term"), N_("a day of the term"))
        if a.maintenance is not None:
            yield from _typed(policy, a.maintenance.window, ("datetime",), a.path + ("maintenance", "window"),
                              N_("an end of the maintenance window"))


def _objectives(policy: Policy) -> Iterator[Problem]:
    measures = {a.id: a for a in policy.availability}
    for o in policy.objectives:
        measure = measures.get(o.availability or "")
        if o.measure != "availability" or measure is None:
            continue
        if o.max is not None or o.min is None:
            yield Problem(o.path, Message(N_("objective {objective} judges availability with `min` (99.975%): the least each "
                                             "service may have; `max` would reward downtime"), objective=o.id))
        if o.period != measure.period:
            yield Problem(o.path + ("period",), Message(N_("availability '{measure}' is measured per {period}; objective "
                                                           "{objective} judges those periods, so leave out its period or write "
                                                           "{period}"), measure=measure.id, period=measure.period, objective=o.id))


def _credits(policy: Policy) -> Iterator[Problem]:
    amounts: list[tuple[Any, JsonPath]] = []
    for c in policy.credits:
        amounts += [(b.credit, b.path + ("credit",)) for b in c.bands] + [(s.credit, s.path + ("credit",)) for s in c.lateness]
        if c.credit is not None:
            amounts.append((c.credit, c.path + ("credit",)))
        if c.availability is not None and (c.breach is not None or c.credit is not None or c.lateness):
            yield Problem(c.path, Message(N_("credit {credit} is by availability bands; one by a breach is another credit"),
                                          credit=c.id))
        if c.availability is not None and c.when != ALWAYS:
            yield Problem(c.path + ("when",), Message(N_("credit {credit} is owed per service by its availability; `when` "
                                                         "chooses the subjects of a late clock: leave it out"), credit=c.id))
        if c.breach is not None and (c.credit is None) == (not c.lateness):
            yield Problem(c.path, Message(N_("credit {credit} on a breach of {metric} says what each breach earns: `credit` (the "
                                             "same for each) or `lateness` (by how late), one of them"), credit=c.id, metric=c.breach))
        metric = policy.metrics.get(c.breach or "")
        if metric is not None and c.lateness and (metric.repeat or metric.every):
            yield Problem(c.path + ("lateness",), Message(N_("a period of '{metric}' that is missed ends at its due time, so it "
                                                             "has no lateness; give each breach a `credit`"), metric=metric.id))
    amounts += [(limit.max, limit.path + ("max",)) for limit in policy.credit_limits]
    yield from _fees(policy, amounts)


def _fees(policy: Policy, amounts: Iterable[tuple[Any, JsonPath]]) -> Iterator[Problem]:
    """A fee that is not a number, once, where a share of it is first written."""
    told = set()
    for amount, path in amounts:
        if isinstance(amount, OfFee) and amount.fee not in told:
            declared = policy.attributes.get(amount.fee)
            if declared is not None and declared.type != "number":
                told.add(amount.fee)
                yield Problem(path, Message(N_("'{fee}' is a fee, so it must be declared `type: number`, not {declared}"),
                                            fee=amount.fee, declared=declared.type))

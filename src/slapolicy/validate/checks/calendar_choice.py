"""A calendar chosen by the subject (`by: customer_region`) must have a calendar for every subject: each
value the attribute declares is mapped to a calendar, or a `fallback` serves the values it does not map
(an attribute without declared values needs one). A subject that still has no calendar (it lacks the
attribute) cannot be timed on it: its target is an `undecided_rule` finding. A metric, objective, coverage
window or penalty counts every subject on its calendar, so a choice named there needs a fallback.

Passes::

    attributes:
      region: {values: [uk, us]}
    calendars:
      customer_hq: {by: region, calendars: {uk: london, us: new_york}}

Fails::

    attributes:
      region: {values: [uk, us, de]}
    calendars:
      customer_hq: {by: region, calendars: {uk: london, us: new_york}}   # SLA409: nothing for 'de'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...diagnostics.record import shorten
from ...i18n import N_, Message
from ...policy.loader import JsonPath
from ...policy.model import Policy
from .base import Problem

CODE = "SLA409"


def check(policy: Policy) -> Iterator[Problem]:
    choices = policy.calendar_choices
    if not choices:
        return
    for choice in choices.values():
        if choice.fallback is not None:
            continue
        domain = _declared(policy, choice.attribute)
        if domain is None:
            yield Problem(choice.path, Message(N_("calendar choice '{choice}' has no fallback, and '{attribute}' declares no "
                                                  "values: a subject with a value it does not map would have no calendar; give it "
                                                  "a fallback, or declare the attribute's values"),
                                               choice=choice.name, attribute=choice.attribute), key=True)
            continue
        missing = [v for v in domain if v not in choice.calendars]
        if missing:
            shown = ", ".join(f"'{shorten(v)}'" for v in missing)
            yield Problem(choice.path, Message(N_("calendar choice '{choice}' maps no calendar for {attribute} {values} and has "
                                                  "no fallback: such a subject would have no calendar; map each value, or give a "
                                                  "fallback"), choice=choice.name, attribute=choice.attribute, values=shown), key=True)
    for path, name in _counting_every_subject(policy):
        used = choices.get(name)
        if used is not None and used.fallback is None:
            yield Problem(path, Message(N_("calendar choice '{choice}' has no fallback, but this counts every subject on its "
                                           "calendar: a subject without {attribute} would have none; give '{choice}' a fallback"),
                                        choice=name, attribute=used.attribute))


def _declared(policy: Policy, attribute: str) -> tuple[Any, ...] | None:
    if attribute == "severity":
        return tuple(policy.severities)
    if attribute == "tier":
        return tuple(policy.tiers)
    found = policy.attributes.get(attribute)
    return found.values if found is not None else ()  # an undeclared attribute is SLA201's


def _counting_every_subject(policy: Policy) -> Iterator[tuple[JsonPath, str]]:
    """The places outside targets that name a calendar: a metric's, an objective's, a coverage window's, a penalty's."""
    for metric in policy.metrics.values():
        if metric.calendar is not None:
            yield metric.path + ("calendar",), metric.calendar
    for objective in policy.objectives:
        if objective.calendar is not None:
            yield objective.path + ("calendar",), objective.calendar
        if objective.within is not None:
            yield objective.within.path, objective.within.calendar
    for penalty in policy.penalties:
        if penalty.calendar is not None:
            yield penalty.path + ("calendar",), penalty.calendar

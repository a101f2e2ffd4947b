"""A calendar that no target, metric, objective or other calendar uses has no effect: the
staffed hours it describes are not applied anywhere (a 09:00-22:00 hotline declared but
never used counts calls at 23:30 against the answer rate). Calendars declared as plain
`24x7` are left alone.

Passes::

    calendars: {hotline: {hours: {daily: ["09:00-22:00"]}}}
    objectives:
      - {id: answered, measure: share, of: {}, where: {answered: true}, min: 100%, calendar: hotline}

Fails::

    calendars: {hotline: {hours: {daily: ["09:00-22:00"]}}}     # SLA408: nothing uses it
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA408"


def check(policy: Policy) -> Iterator[Problem]:
    used = {v.calendar for rule in policy.targets for v in rule.values.values()}
    used |= {m.calendar for m in policy.metrics.values() if m.calendar}
    used |= {o.calendar for o in policy.objectives if o.calendar}
    used |= set(policy.calendar_extends.values())
    used |= {c.within.calendar for c in policy.objectives if c.within is not None}
    used |= {p.calendar for p in policy.penalties if p.calendar}
    used |= {name for choice in policy.calendar_choices.values() if choice.name in used for name in choice.candidates}
    for choice in policy.calendar_choices.values():
        if choice.name not in used:
            yield Problem(choice.path, Message(N_("calendar choice '{name}' is used by no target, metric or objective: the "
                                                  "calendars it picks by {attribute} apply nowhere; use it (calendar: {name}) or "
                                                  "remove it"), name=choice.name, attribute=choice.attribute), key=True)
    for name, path in policy.calendar_paths.items():
        if name not in used and policy.document.data["calendars"][name] != "24x7":
            yield Problem(path, Message(N_("calendar '{name}' is used by no target, metric or objective: its hours apply nowhere; "
                                           "use it (calendar: {name}) or remove it"), name=name),
                          key=True)

"""On a business calendar a duration counts working time: `3d` is 72 working hours, about
nine working days of an office calendar, not three. Days there are almost always meant as
days of working hours (`3 days of working hours`: 3 x the calendar's working day, as a service
desk's "3 Days" column means it), as working days (`3 working days`: to the end of the 3rd
working day) or as calendar days (`3 calendar days`, to the end of the day); hours and
minutes are fine.

Passes::

    follow_up: {within: 3 working days, calendar: office}
    resolution: {within: 3 days of working hours, calendar: office}

Fails::

    follow_up: {within: 3d, calendar: office}      # SLA304: did you mean 3 working days?
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...diagnostics.record import ordinal
from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA304"
_DAYS = re.compile(r"(?:\d+[wd])+(?:\d+[hms])*|\d+\s+(?:day|week)s?", re.IGNORECASE)


def check(policy: Policy) -> Iterator[Problem]:
    for rule in policy.targets:
        for value in rule.values.values():
            if value.duration is None:
                continue
            text = value.duration.text
            if value.duration.kind != "seconds" or not _DAYS.fullmatch(text):
                continue
            name = next((n for n in policy.candidates(value.calendar) if n in policy.calendars and not policy.calendars[n].always),
                        None)
            if name is None:
                continue
            days = value.duration.amount // 86400
            yield Problem(value.path, Message(N_("{text} on the {calendar} calendar is {hours} working hours, not {days} days; did "
                                                 "you mean '{days} days of working hours' ({days} x the calendar's working day), "
                                                 "'{days} working days' (to the end of the {nth} working day) or '{days} calendar "
                                                 "days'?"), text=text, calendar=name, hours=value.duration.amount // 3600, days=days,
                                              nth=ordinal(days)))


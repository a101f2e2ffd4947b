"""On a business calendar a duration counts working time: `3d` is 72 working hours, about
nine working days of an office calendar, not three. Days there are almost always meant as
working days (`3 working days`) or as calendar days (`3 calendar days`, to the end of the
day); hours and minutes are fine.

Passes::

    follow_up: {within: 3 working days, calendar: office}

Fails::

    follow_up: {within: 3d, calendar: office}      # SLA304: did you mean 3 working days?
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...policy.model import Policy
from .base import Problem

CODE = "SLA304"
_DAYS = re.compile(r"(?:\d+[wd])+(?:\d+[hms])*|\d+\s+(?:day|week)s?", re.IGNORECASE)


def check(policy: Policy) -> Iterator[Problem]:
    for rule in policy.targets:
        for value in rule.values.values():
            spec = policy.calendars.get(value.calendar)
            text = value.duration.text
            if spec is None or spec.always or value.duration.kind != "seconds" or not _DAYS.fullmatch(text):
                continue
            days = value.duration.amount // 86400
            yield Problem(value.path, f"{text} on the {value.calendar} calendar is {value.duration.amount // 3600} working "
                                      f"hours, not {days} days; did you mean '{days} working days' or '{days} calendar days'?")

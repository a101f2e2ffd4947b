"""`N days of working hours` counts N times the length of the calendar's working day (`3 days of
working hours` on a 09:00-17:00 calendar is 24 working hours). On a calendar whose working days
differ in length (Friday shorter) a day of working hours has no one length: write the hours,
or `N working days` for the end of the Nth working day.

Passes::

    calendars:
      office: {hours: {mon-fri: ["09:00-17:00"]}}
    targets:
      - {resolution: {within: 3 days of working hours, calendar: office}}

Fails::

    calendars:
      office: {hours: {mon-thu: ["09:00-17:00"], fri: ["09:00-15:00"]}}
    targets:
      - {resolution: {within: 3 days of working hours, calendar: office}}   # SLA305
"""

from __future__ import annotations

from collections.abc import Iterator

from ...calendar.spec import WEEKDAYS, CalendarSpec, day_length
from ...diagnostics.record import ordinal
from ...i18n import N_, Message
from ...policy.model import Policy, TargetValue
from .base import Problem

CODE = "SLA305"


def check(policy: Policy) -> Iterator[Problem]:
    values: list[TargetValue] = [v for rule in policy.targets for v in rule.values.values()]
    values.extend(o.within for o in policy.objectives if o.within is not None)
    for value in values:
        if value.duration is None or value.duration.kind != "day_hours":
            continue
        n = value.duration.amount
        for name in policy.candidates(value.calendar):
            spec = policy.calendars.get(name)
            if spec is not None and day_length(spec) is None:
                yield Problem(value.path, Message(N_("'{duration}' on the {calendar} calendar: its working days differ in length "
                                                     "({lengths}), so a day of working hours has no one length; write the working "
                                                     "hours it means, or '{n} working days' for the end of the {nth} working day"),
                                                  duration=value.duration, calendar=name, lengths=_lengths(spec), n=n, nth=ordinal(n)))


def _lengths(spec: CalendarSpec) -> str:
    """'mon-thu 8h, fri 6h'-style: each weekday with work and its hours, days of one length run together."""
    runs: list[tuple[int, int, int]] = []  # first day, last day, minutes
    for day, spans in enumerate(spec.hours):
        minutes = sum(b - a for a, b in spans)
        if not minutes:
            continue
        if runs and runs[-1][2] == minutes and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, minutes)
        else:
            runs.append((day, day, minutes))
    return ", ".join(f"{WEEKDAYS[a]}{'' if a == b else '-' + WEEKDAYS[b]} {m // 60}h{f'{m % 60:02d}m' if m % 60 else ''}"
                     for a, b, m in runs)

"""Working intervals of a day must not overlap, including an overnight interval running into
the next day's hours.

Passes::

    hours: {mon-fri: ["09:00-12:00", "13:30-18:00"]}

Fails::

    hours: {mon-fri: ["09:00-12:00", "11:00-18:00"]}    # SLA402
    hours: {mon: ["22:00-06:00"], tue: ["05:00-09:00"]} # SLA402 (Monday night runs into Tuesday)
"""

from __future__ import annotations

from collections.abc import Iterator

from ...calendar.spec import WEEKDAYS
from ...i18n import N_, Message, listing
from ...policy.model import Policy
from .base import Problem

CODE = "SLA402"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def check(policy: Policy) -> Iterator[Problem]:
    for name, path in policy.calendar_paths.items():
        spec = policy.calendars[name]
        if spec.always:
            continue
        overlaps: dict[tuple[str, str], list[str]] = {}
        for day in range(7):
            spill = [(a - 1440, b - 1440, WEEKDAYS[(day - 1) % 7]) for a, b in spec.hours[(day - 1) % 7] if b > 1440]
            own = [(a, b, WEEKDAYS[day]) for a, b in spec.hours[day]]
            spans = sorted(spill + own)
            for (a1, b1, d1), (a2, b2, d2) in zip(spans, spans[1:]):
                if a2 < b1:
                    pair = f"{_hhmm(a1)}-{_hhmm(b1)}", f"{_hhmm(a2)}-{_hhmm(b2)}"
                    overlaps.setdefault(pair, []).append(d2 if d1 == d2 else Message(N_("{day} night and {next_day}"), day=d1,
                                                                                     next_day=d2))
        for (first, second), days in overlaps.items():
            yield Problem(path + ("hours",), Message(N_("calendar '{name}': on {days}, {first} overlaps {second}; merge them into "
                                                       "one interval, or let one end where the other starts"),
                                                    name=name, days=listing(days),
                                                    first=first, second=second))

"""What a policy declares about one calendar, parsed (`CalendarSpec`), and the errors a
calendar raises: the vocabulary the business calendar and the holiday sources share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from .instants import zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Counting = Literal["end_of_day", "start_of_day", "same_time"]
Interval = tuple[int, int]  # minutes from local midnight; the end may pass 1440 (overnight)


class CalendarError(ValueError):
    """An operation the calendar cannot answer (no working time, years without data)."""


class NaiveDatetimeError(CalendarError):
    pass


@dataclass(frozen=True)
class CalendarSpec:
    """What a policy declares about one calendar, already parsed."""

    name: str
    timezone: str
    hours: tuple[tuple[Interval, ...], ...] = ((),) * 7
    always: bool = False
    country: str | None = None
    subdivision: str | None = None
    extra_holidays: frozenset[dt.date] = frozenset()
    extra_working_days: frozenset[dt.date] = frozenset()
    make_up_weekday: int = 0

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


def day_length(spec: CalendarSpec) -> int | None:
    """Seconds of work in one working day of the calendar, what `N days of working hours` counts N of (24 h
    around the clock); None when its working days differ in length (mon-thu 8 h, fri 6 h: no one length)."""
    if spec.always:
        return 86400
    lengths = {sum(b - a for a, b in day) for day in spec.hours if day}
    return lengths.pop() * 60 if len(lengths) == 1 else None

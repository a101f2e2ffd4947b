"""Calendars shared by the calendar tests, and an oracle that knows nothing of the tables.

The oracle re-derives each day's working intervals from the spec and the `holidays`
package directly and walks time minute by minute: slow, obviously right.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

from slapolicy.calendar.business import BusinessCalendar
from slapolicy.calendar.spec import CalendarSpec

LUNCH = ((540, 720), (810, 1080))  # 09:00-12:00, 13:30-18:00
WEEKDAYS_ONLY = lambda day: (day,) * 5 + ((), ())  # noqa: E731

SPECS = {
    "cn_office": CalendarSpec("cn_office", "Asia/Shanghai", hours=WEEKDAYS_ONLY(LUNCH), country="CN"),
    "berlin_night": CalendarSpec(
        "berlin_night", "Europe/Berlin",
        hours=(((360, 840), (1320, 1800)),) * 6 + ((),),  # 06:00-14:00 and 22:00-06:00, Mon-Sat
        country="DE", extra_holidays=frozenset({dt.date(2025, 3, 31)}),
    ),
    "ny_office": CalendarSpec(
        "ny_office", "America/New_York", hours=WEEKDAYS_ONLY(((540, 1020),)), country="US",
        extra_working_days=frozenset({dt.date(2025, 3, 8), dt.date(2025, 11, 1)}), make_up_weekday=4,
    ),
    "berlin_24x7_holidays": CalendarSpec("berlin_24x7_holidays", "Europe/Berlin", hours=((((0, 1440),),) * 7), country="DE"),
    "always": CalendarSpec("always", "Europe/Berlin", always=True),
}


@cache
def calendar(name: str) -> BusinessCalendar:
    return BusinessCalendar(SPECS[name])


@cache
def _source(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=range(2024, 2028))


def oracle_hours(spec: CalendarSpec, day: dt.date) -> tuple[tuple[int, int], ...]:
    if spec.always:
        return ((0, 1440),)
    if day in spec.extra_holidays:
        return ()
    if day in spec.extra_working_days:
        return spec.hours[spec.make_up_weekday]
    if spec.country:
        src = _source(spec.country)
        if day in src:
            return ()
        if day in src.weekend_workdays:
            return spec.hours[spec.make_up_weekday]
    return spec.hours[day.weekday()]


def _instant(tz: dt.tzinfo, day: dt.date, minutes: int) -> int:
    d = day + dt.timedelta(days=minutes // 1440)
    m = minutes % 1440
    return int(dt.datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=tz).timestamp())


class Oracle:
    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.tz = calendar(spec.name).tz
        self._spans: dict[dt.date, list[tuple[int, int]]] = {}

    def spans(self, day: dt.date) -> list[tuple[int, int]]:
        if day not in self._spans:
            self._spans[day] = [(_instant(self.tz, day, a), _instant(self.tz, day, b)) for a, b in oracle_hours(self.spec, day)]
        return self._spans[day]

    def working(self, t: int) -> bool:
        day = dt.datetime.fromtimestamp(t, self.tz).date()
        return any(a <= t < b for d in (day, day - dt.timedelta(days=1)) for a, b in self.spans(d))

    def add(self, start: int, minutes: int) -> int:
        t = start
        if minutes == 0:
            while not self.working(t):
                t += 60
            return t
        done = 0
        while True:
            if self.working(t):
                done += 1
                if done == minutes:
                    return t + 60
            t += 60

    def elapsed_minutes(self, start: int, end: int) -> int:
        return sum(self.working(t) for t in range(start, end, 60))

    def working_days_after(self, start: int, n: int) -> dt.date:
        day = dt.datetime.fromtimestamp(start, self.tz).date()
        while n:
            day += dt.timedelta(days=1)
            if self.spans(day):
                n -= 1
        return day

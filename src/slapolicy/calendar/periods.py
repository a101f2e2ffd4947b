"""Named date periods as regulations write them: a range of dates in one year (`2025-09-15` to
`2025-10-03`, registration) or the same days every year (`12-13` to `01-11`, the Christmas
vacation, which crosses the new year). A policy names such periods so that a condition or a
lookup table can depend on the time of year (`slapolicy.policy` reads them; the replay asks
which period a subject's creation day falls in).

Days of every year are month and day; 02-29 is refused as an end, since most years lack it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..i18n import N_, Message

MonthDay = tuple[int, int]
_DAY = re.compile(r"(?:(?P<year>[0-9]{4})-)?(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_LEAP = 2024  # a year holding every month and day, for the days of every year


class PeriodError(ValueError):
    """A date or range that cannot name days, said so a person can fix it."""


@dataclass(frozen=True)
class DaySpan:
    """The days from `first` to `last`, both included: dates of one year, or month-days of every year
    (a span of every year whose `last` comes before its `first` crosses the new year)."""

    first: dt.date | MonthDay
    last: dt.date | MonthDay

    @property
    def yearly(self) -> bool:
        return isinstance(self.first, tuple)

    def holds(self, day: dt.date) -> bool:
        if isinstance(self.first, dt.date) and isinstance(self.last, dt.date):
            return self.first <= day <= self.last
        md = (day.month, day.day)
        first, last = self.first, self.last
        assert isinstance(first, tuple) and isinstance(last, tuple)
        return first <= md <= last if first <= last else (md >= first or md <= last)

    def text(self) -> str:
        """As written: 2025-09-15..2025-10-03, or 12-13..01-11 for every year."""
        return f"{_show(self.first)}..{_show(self.last)}" if self.first != self.last else _show(self.first)


def _show(day: dt.date | MonthDay) -> str:
    return day.isoformat() if isinstance(day, dt.date) else f"{day[0]:02d}-{day[1]:02d}"


def parse_day(text: str) -> dt.date | MonthDay:
    """`2025-09-15` (that day) or `12-13` (13 December of every year); PeriodError otherwise."""
    m = _DAY.fullmatch(text.strip())
    if m is None:
        raise PeriodError(f"'{text}' is not a day; write a date as YYYY-MM-DD (2025-09-15) or a day of every year as "
                          "MM-DD (12-13)")
    month, day = int(m["month"]), int(m["day"])
    if m["year"] is not None:
        try:
            return dt.date(int(m["year"]), month, day)
        except ValueError:
            raise PeriodError(Message(NOT_A_REAL_DATE, text=text)) from None
    if (month, day) == (2, 29):
        raise PeriodError(Message(N_("02-29 is not a day of every year; end the period on 02-28 or begin it on 03-01")))
    try:
        dt.date(_LEAP, month, day)
    except ValueError:
        raise PeriodError(Message(N_("'{text}' is not a day of the year; write MM-DD, e.g. 12-13"), text=text)) from None
    return month, day


NOT_A_REAL_DATE = N_("'{text}' is not a real date; write a day that exists as YYYY-MM-DD, e.g. 2025-02-28")


def reversed_range(start: dt.date, end: dt.date) -> Message:
    """A range of dates that ends before it starts, and the range it means."""
    return Message(N_("the range ends ({end}) before it starts ({start}); write {fix}"), end=end, start=start,
                   fix=f"{{from: {end}, to: {start}}}")


def parse_span(first: str, last: str | None = None) -> DaySpan:
    """One day (`last` None) or a range; both ends dates, or both days of every year. A range of dates
    that ends before it starts is refused; one of every year may cross the new year (12-13..01-11)."""
    a = parse_day(first)
    b = a if last is None else parse_day(last)
    if isinstance(a, dt.date) != isinstance(b, dt.date):
        raise PeriodError(Message(N_("'{first}' and '{last}': write both ends as dates (2025-12-20) or both as days of every year "
                                     "(12-20)"), first=first, last=last))
    if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a:
        raise PeriodError(reversed_range(a, b))
    return DaySpan(a, b)


def shared_day(a: DaySpan, b: DaySpan) -> str | None:
    """A day both spans hold, as text (a date, or MM-DD every year), or None when they share none."""
    if not a.yearly and not b.yearly:
        assert isinstance(a.first, dt.date) and isinstance(b.first, dt.date)
        assert isinstance(a.last, dt.date) and isinstance(b.last, dt.date)
        first = max(a.first, b.first)
        return first.isoformat() if first <= min(a.last, b.last) else None
    if a.yearly and b.yearly:
        days = (dt.date(_LEAP, 1, 1) + dt.timedelta(days=k) for k in range(366))
        found = next((d for d in days if (d.month, d.day) != (2, 29) and a.holds(d) and b.holds(d)), None)
        return None if found is None else f"{found.month:02d}-{found.day:02d} every year"
    dated, yearly = (a, b) if b.yearly else (b, a)
    assert isinstance(dated.first, dt.date) and isinstance(dated.last, dt.date)
    length = min((dated.last - dated.first).days, 366)  # a year of days meets every day of every year
    found = next((d for d in (dated.first + dt.timedelta(days=k) for k in range(length + 1)) if yearly.holds(d)), None)
    return None if found is None else found.isoformat()

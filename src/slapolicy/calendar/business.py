"""Business calendars: working hours, holidays, make-up working days and time zones, exact and fast.

Working hours are local wall-clock intervals; all arithmetic is on instants (epoch
seconds), so a DST night has its real length. Each calendar keeps, for a contiguous
range of local years built on demand, the sorted, merged working intervals in UTC
epoch seconds with prefix sums of working time: every operation is a couple of
bisections, O(log n), with plain numbers on the hot path.

Rules the code follows by construction (documented in docs/calendar.md):
- an interval that crosses midnight (22:00-06:00) belongs to the day it starts on: if
  that day is a holiday, the whole interval is off;
- a local time that does not exist (DST gap) moves forward by the gap (02:30 -> 03:30);
  an ambiguous one (DST fold) takes its first occurrence;
- a make-up working day (CN 调休, or `extra_working_days`) uses the hours of
  `make_up_weekday` (default Monday); explicit extra holidays and working days override
  the holiday source.
"""

from __future__ import annotations

import bisect
import calendar as _stdcal
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .durations import Duration
from .holiday_sources import holiday_source, published_until
from .instants import MAX_YEAR, MIN_YEAR, InstantError
from .spec import CalendarError, CalendarSpec, Counting, Interval, NaiveDatetimeError, day_length

# a calendar is searched at most this many years ahead for working time before giving up
SEARCH_YEARS = 10


def shift_months(when: dt.datetime, months: int) -> dt.datetime:
    """Same local wall time `months` later (earlier if negative), clamped to the month's end."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    day = min(when.day, _stdcal.monthrange(year, month)[1])
    local = when.replace(tzinfo=None, year=year, month=month, day=day, fold=0)
    tz = when.tzinfo
    assert tz is not None
    return dt.datetime.fromtimestamp(local.replace(tzinfo=tz).timestamp(), tz)


@dataclass
class _Tables:
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cum: list[int] = field(default_factory=list)  # working seconds before each interval's start
    cum_end: list[int] = field(default_factory=list)  # ... and at its end
    day_ord: list[int] = field(default_factory=list)  # working days (local date ordinals)
    day_start: list[int] = field(default_factory=list)
    day_end: list[int] = field(default_factory=list)


class BusinessCalendar:
    """Deadline arithmetic on one calendar. Methods ending in `_epoch` take and return epoch seconds."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.always = spec.always  # clock time: the hot path skips the tables
        try:
            self.tz = spec.tz
        except InstantError as exc:
            raise CalendarError(str(exc)) from None
        self.warnings: set[str] = set()
        self._source: object | None = None
        self._makeup: frozenset[dt.date] = frozenset()
        self._first_year, self._last_year = MIN_YEAR, MAX_YEAR
        self._published = MAX_YEAR
        if not spec.always and not any(spec.hours):
            raise CalendarError(f"calendar '{spec.name}' has no working hours on any day")
        if spec.country and not spec.always:
            self._source = holiday_source(spec.country, spec.subdivision)
            self._first_year = max(MIN_YEAR, int(getattr(self._source, "start_year", MIN_YEAR)))
            self._last_year = min(MAX_YEAR, int(getattr(self._source, "end_year", MAX_YEAR)))
            self._published = published_until(spec.country, spec.subdivision)
        self._years: dict[int, tuple[list[Interval], list[tuple[int, int, int]]]] = {}
        self._lo = self._hi = 0  # loaded local years, inclusive
        self._t = _Tables()
        self._valid_from = self._valid_to = 0.0  # instants the tables answer for
        self.day_seconds = day_length(spec)  # one working day's working time; None when the days differ

    # ---- building ---------------------------------------------------------------------------

    def _instant(self, day: dt.date, minutes: int) -> int:
        extra, minutes = divmod(minutes, 1440)
        d = day + dt.timedelta(days=extra)
        local = dt.datetime(d.year, d.month, d.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        return int(local.timestamp())

    def hours_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The day's working intervals (local minutes) after holidays and make-up days."""
        spec = self.spec
        if day in spec.extra_holidays:
            return ()
        if day in spec.extra_working_days:
            return spec.hours[spec.make_up_weekday]
        if self._source is not None:
            if day in self._source:  # type: ignore[operator]
                return ()
            if day in self._makeup:
                return spec.hours[spec.make_up_weekday]
        return spec.hours[day.weekday()]

    def day_kind(self, day: dt.date) -> str:
        """'working', 'weekend', 'holiday' or 'make-up' (a normally free day that is worked)."""
        hours = self.hours_on(day)
        normal = self.spec.hours[day.weekday()]
        if not hours:
            return "weekend" if not normal and day not in self.spec.extra_holidays and not self._is_holiday(day) else "holiday"
        if not normal or day in self.spec.extra_working_days or day in self._makeup:
            return "make-up"
        return "working"

    def _is_holiday(self, day: dt.date) -> bool:
        return day in self.spec.extra_holidays or (self._source is not None and day in self._source)  # type: ignore[operator]

    def holiday_name(self, day: dt.date) -> str | None:
        if self._source is not None:
            name = self._source.get(day)  # type: ignore[attr-defined]
            if name:
                return str(name)
        return "extra holiday" if day in self.spec.extra_holidays else None

    def _build_year(self, year: int) -> tuple[list[Interval], list[tuple[int, int, int]]]:
        if year < self._first_year or year > self._last_year:
            raise CalendarError(
                f"calendar '{self.name}' has no holiday data for {year} "
                f"(its source covers {self._first_year}-{self._last_year})"
            )
        if year > self._published:
            self.warnings.add(
                f"calendar '{self.name}': official holidays and make-up working days of {self.spec.country} are "
                f"published up to {self._published}; {year} is computed without make-up days"
            )
        if self._source is not None:
            _ = dt.date(year, 1, 1) in self._source  # type: ignore[operator]  # makes the source compute the year
            self._makeup = frozenset(getattr(self._source, "weekend_workdays", ()) or ())
        intervals: list[Interval] = []
        days: list[tuple[int, int, int]] = []
        day = dt.date(year, 1, 1)
        one = dt.timedelta(days=1)
        while day.year == year:
            hours = self.hours_on(day)
            if hours:
                spans = [(self._instant(day, a), self._instant(day, b)) for a, b in hours]
                spans = [(a, b) for a, b in spans if b > a]
                if spans:
                    intervals.extend(spans)
                    days.append((day.toordinal(), min(a for a, _ in spans), max(b for _, b in spans)))
            day += one
        return intervals, days

    def _load(self, lo: int, hi: int) -> None:
        for year in range(lo, hi + 1):
            if year not in self._years:
                self._years[year] = self._build_year(year)
        self._lo, self._hi = lo, hi
        raw = sorted(iv for y in range(lo, hi + 1) for iv in self._years[y][0])
        t = _Tables()
        total = 0
        for a, b in raw:
            if t.ends and a <= t.ends[-1]:
                if b > t.ends[-1]:
                    total += b - t.ends[-1]
                    t.ends[-1] = b
                    t.cum_end[-1] = total
                continue
            t.starts.append(a)
            t.ends.append(b)
            t.cum.append(total)
            total += b - a
            t.cum_end.append(total)
        for y in range(lo, hi + 1):
            for ordinal, first, last in self._years[y][1]:
                t.day_ord.append(ordinal)
                t.day_start.append(first)
                t.day_end.append(last)
        self._t = t
        # an overnight interval of the year before `lo` could reach into `lo`; trust from lo+1
        self._valid_from = self._instant(dt.date(lo + 1, 1, 1), 0) if lo > self._first_year else float("-inf")
        self._valid_to = self._instant(dt.date(hi + 1, 1, 1), 0) if hi < self._last_year else float("inf")

    def _year_of(self, t: float) -> int:
        return dt.datetime.fromtimestamp(t, self.tz).year

    def _ensure(self, t: float) -> None:
        if self._hi and self._valid_from <= t < self._valid_to:
            return
        year = self._year_of(t)
        if not self._first_year <= year <= self._last_year:
            raise CalendarError(
                f"calendar '{self.name}' has no holiday data for {year} "
                f"(its source covers {self._first_year}-{self._last_year})"
            )
        lo, hi = max(self._first_year, year - 1), min(self._last_year, year + 1)
        self._load(min(self._lo, lo) if self._hi else lo, max(self._hi, hi))

    def _extend_forward(self, searched_from: float) -> None:
        if self._hi >= self._last_year or self._hi - self._year_of(searched_from) >= SEARCH_YEARS:
            raise CalendarError(
                f"calendar '{self.name}' has no working time left after "
                f"{dt.datetime.fromtimestamp(searched_from, self.tz).date().isoformat()} "
                f"(searched up to {self._hi})"
            )
        self._load(self._lo, self._hi + 1)

    def _extend_backward(self, searched_from: float) -> None:
        if self._lo <= self._first_year or self._year_of(searched_from) - self._lo >= SEARCH_YEARS:
            raise CalendarError(
                f"calendar '{self.name}' has no working time before "
                f"{dt.datetime.fromtimestamp(searched_from, self.tz).date().isoformat()} (searched back to {self._lo})"
            )
        self._load(self._lo - 1, self._hi)

    # ---- epoch-second operations (hot path) -----------------------------------------------

    def _cum_at(self, t: float) -> float:
        """Working seconds from the start of the tables up to instant t."""
        tb = self._t
        i = bisect.bisect_right(tb.starts, t) - 1
        if i < 0:
            return 0
        return tb.cum[i] + min(t - tb.starts[i], tb.ends[i] - tb.starts[i])

    def add_epoch(self, start: float, seconds: float) -> float:
        """Earliest instant at which `seconds` of working time have elapsed since `start`.

        A deadline that lands on the end of an interval is that end (12:00, not 13:30);
        zero seconds rolls forward to the next working instant.
        """
        if seconds < 0:
            raise CalendarError("a duration to add cannot be negative")
        if self.spec.always:
            return start + seconds
        self._ensure(start)
        while True:
            tb = self._t
            i = bisect.bisect_right(tb.ends, start)
            if i < len(tb.starts):
                if seconds == 0:
                    return max(start, tb.starts[i])
                target = tb.cum[i] + max(0.0, start - tb.starts[i]) + seconds
                j = bisect.bisect_left(tb.cum_end, target)
                if j < len(tb.starts):
                    return tb.starts[j] + (target - tb.cum[j])
            self._extend_forward(start)

    def in_working_time(self, t: float) -> bool:
        """Whether t lies inside a working interval (its start included, its end not)."""
        return self.always or self.add_epoch(t, 0) == t

    def subtract_epoch(self, end: float, seconds: float) -> float:
        """Latest instant from which `seconds` of working time reach `end` (a deadline before an anchor)."""
        if seconds < 0:
            raise CalendarError("a duration to subtract cannot be negative")
        if self.spec.always:
            return end - seconds
        self._ensure(end)
        while self._cum_at(end) - seconds <= 0:
            self._extend_backward(end)
        target = self._cum_at(end) - seconds
        tb = self._t
        j = bisect.bisect_right(tb.cum, target) - 1
        return tb.starts[j] + (target - tb.cum[j])

    def elapsed_epoch(self, start: float, end: float) -> float:
        """Working seconds between two instants (negative if end is before start)."""
        if end < start:
            return -self.elapsed_epoch(end, start)
        if self.spec.always:
            return end - start
        self._ensure(start)
        self._ensure(end)  # only ever widens the tables, so `start` stays covered
        return self._cum_at(end) - self._cum_at(start)

    def add_excluding_epoch(self, start: float, seconds: float, pauses: Iterable[Sequence[float]]) -> float:
        """Deadline of `seconds` of working time, not counting working time inside the pauses."""
        remaining = seconds
        cursor = start
        for p_start, p_end in sorted(pauses, key=tuple):
            if p_end <= cursor:
                continue
            candidate = self.add_epoch(cursor, remaining)
            if candidate <= p_start:
                return candidate
            remaining -= max(0.0, self.elapsed_epoch(cursor, p_start))
            cursor = max(cursor, p_end)
        return self.add_epoch(cursor, remaining)

    def _day_index_after(self, t: float, n: int) -> int:
        """Index of the n-th working day after t's local date (n = 0: the day whose work is not over at t)."""
        self._ensure(t)
        while True:
            tb = self._t
            if n == 0:
                k = bisect.bisect_right(tb.day_end, t)
            else:
                ordinal = dt.datetime.fromtimestamp(t, self.tz).date().toordinal()
                k = bisect.bisect_right(tb.day_ord, ordinal) + n - 1
            if k < len(tb.day_ord):
                return k
            self._extend_forward(t)

    def add_working_days_epoch(self, start: float, n: int, counting: Counting = "end_of_day") -> float:
        """The n-th working day after the start's local date (the start day not counted).

        `end_of_day` (default): when that day's work ends; n = 0 is "the end of this working
        day" (or of the next one, once today's work is over). `start_of_day`: when its work
        begins (n = 1: first thing the next working day). `same_time`: the start's local
        clock time on that day.
        """
        if n < 0:
            raise CalendarError("a number of working days cannot be negative")
        if self.always:  # every day is a working day, all day
            local = self._local(start)
            day = local.date() + dt.timedelta(days=n)
            if counting == "same_time":
                return dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=self.tz).timestamp()
            return self._day_edge(day, counting)
        k = self._day_index_after(start, n)
        if counting == "end_of_day":
            return float(self._t.day_end[k])
        if counting == "start_of_day":
            return float(self._t.day_start[k])
        day = dt.date.fromordinal(self._t.day_ord[k])
        local = dt.datetime.fromtimestamp(start, self.tz)
        wall = dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=self.tz)
        return wall.timestamp()

    def length(self, duration: Duration) -> int:
        """The working seconds of a length of working time: as written (`8h`), or N of this calendar's
        working days (`3 days of working hours`: 3 x 8 h on a 09:00-17:00 calendar)."""
        if duration.kind == "seconds":
            return duration.amount
        if duration.kind != "day_hours":
            raise CalendarError(f"'{duration}' is a date deadline, not a length of working time")
        if self.day_seconds is None:
            raise CalendarError(f"'{duration}' on calendar '{self.name}': its working days differ in length, so a day of "
                                "working hours has no one length")
        return duration.amount * self.day_seconds

    def due_epoch(self, start: float, duration: Duration, counting: Counting = "end_of_day") -> float:
        """Deadline of a policy duration of any kind (working time, days of working hours, working days,
        calendar days, months).

        Calendar days and months are date deadlines: by default the end of the due day (its
        last instant, the next midnight); `same_time` keeps the start's clock time, and
        `start_of_day` gives the due day's midnight."""
        if duration.working_time:
            return self.add_epoch(start, self.length(duration))
        if duration.kind == "working_days":
            return self.add_working_days_epoch(start, duration.amount, counting)
        local = self._local(start)
        if duration.kind == "months":
            moved = shift_months(local, duration.amount)
        else:
            moved = local + dt.timedelta(days=duration.amount)
            moved = dt.datetime.fromtimestamp(moved.replace(tzinfo=None).replace(tzinfo=self.tz).timestamp(), self.tz)
        if counting == "same_time":
            return moved.timestamp()
        return self._day_edge(moved.date(), counting)

    def _day_edge(self, day: dt.date, counting: Counting) -> float:
        """The first instant of `day` (start_of_day) or of the day after it (end_of_day: the day's end)."""
        if counting == "end_of_day":
            day += dt.timedelta(days=1)
        return float(self._instant(day, 0))

    def due_before_epoch(self, anchor: float, duration: Duration, date_anchor: bool = False) -> float:
        """Deadline `duration` before an anchor (an expiry notice one month before contract_end).

        A date anchor (a contract's end date, no time) gives a date deadline: the due day is
        the anchor date moved back, and the deadline is that day's end (its working end for
        working days), so a notice sent on the due day is in time."""
        if duration.working_time:
            return self.subtract_epoch(anchor, self.length(duration))
        if duration.kind in ("months", "days"):
            local = self._local(anchor)
            if duration.kind == "months":
                day = shift_months(local, -duration.amount).date()
            else:
                day = local.date() - dt.timedelta(days=duration.amount)
            return self._day_edge(day, "end_of_day") if date_anchor else self._instant_on(day, local)
        self._ensure(anchor)
        ordinal = self._local(anchor).date().toordinal()
        while True:
            k = bisect.bisect_left(self._t.day_ord, ordinal) - duration.amount
            if k >= 0:
                return float(self._t.day_end[k] if date_anchor else self._t.day_start[k])
            self._extend_backward(anchor)

    def _instant_on(self, day: dt.date, clock: dt.datetime) -> float:
        return dt.datetime.combine(day, clock.time().replace(tzinfo=None), tzinfo=self.tz).timestamp()

    # ---- datetime API ----------------------------------------------------------------------

    def _epoch(self, when: dt.datetime) -> float:
        if when.tzinfo is None or when.utcoffset() is None:
            raise NaiveDatetimeError(f"{when.isoformat()} has no time zone; slapolicy needs aware datetimes")
        return when.timestamp()

    def _local(self, t: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, self.tz)

    def add(self, start: dt.datetime, duration: dt.timedelta | float) -> dt.datetime:
        seconds = duration.total_seconds() if isinstance(duration, dt.timedelta) else float(duration)
        return self._local(self.add_epoch(self._epoch(start), seconds))

    def subtract(self, end: dt.datetime, duration: dt.timedelta | float) -> dt.datetime:
        seconds = duration.total_seconds() if isinstance(duration, dt.timedelta) else float(duration)
        return self._local(self.subtract_epoch(self._epoch(end), seconds))

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds between two instants."""
        return self.elapsed_epoch(self._epoch(start), self._epoch(end))

    def add_excluding(
        self, start: dt.datetime, duration: dt.timedelta | float, pauses: Sequence[tuple[dt.datetime, dt.datetime]]
    ) -> dt.datetime:
        seconds = duration.total_seconds() if isinstance(duration, dt.timedelta) else float(duration)
        spans = [(self._epoch(a), self._epoch(b)) for a, b in pauses]
        return self._local(self.add_excluding_epoch(self._epoch(start), seconds, spans))

    def add_working_days(self, start: dt.datetime, n: int, counting: Counting = "end_of_day") -> dt.datetime:
        return self._local(self.add_working_days_epoch(self._epoch(start), n, counting))

    def due(self, start: dt.datetime, duration: Duration, counting: Counting = "end_of_day") -> dt.datetime:
        return self._local(self.due_epoch(self._epoch(start), duration, counting))

    def end_of_working_day(self, start: dt.datetime) -> dt.datetime:
        return self.add_working_days(start, 0)

    def next_working_day_start(self, start: dt.datetime) -> dt.datetime:
        """First thing the next working day (R-004-03: work not dispatched today goes out then)."""
        return self.add_working_days(start, 1, "start_of_day")

    def working_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's working intervals as aware local datetimes (for `calendar show`)."""
        if self.spec.always:
            start = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)
            return [(start, self._local(self._instant(day, 1440)))]
        self._ensure(self._instant(day, 720))
        return [(self._local(self._instant(day, a)), self._local(self._instant(day, b))) for a, b in self.hours_on(day)]

"""Hand-checked deadlines: China's Spring Festival and National Day 2025 (official notice:
国办发明电〔2024〕12号), the March and October DST weekends in Berlin and New York."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from calendar_cases import LUNCH, WEEKDAYS_ONLY, calendar
from slapolicy.calendar.business import BusinessCalendar, shift_months
from slapolicy.calendar.durations import parse_duration
from slapolicy.calendar.spec import CalendarError, CalendarSpec, NaiveDatetimeError

SH = ZoneInfo("Asia/Shanghai")
BER = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def test_deadline_on_interval_end_is_that_end_not_the_next_start() -> None:
    office = calendar("cn_office")
    assert office.add(sh(2025, 3, 10, 11, 0), dt.timedelta(hours=1)) == sh(2025, 3, 10, 12, 0)
    assert office.add(sh(2025, 3, 10, 11, 0), dt.timedelta(hours=1, seconds=1)) == sh(2025, 3, 10, 13, 30, 1)


def test_zero_duration_rolls_forward_to_next_working_instant() -> None:
    office = calendar("cn_office")
    assert office.add(sh(2025, 3, 10, 12, 0), 0) == sh(2025, 3, 10, 13, 30)
    assert office.add(sh(2025, 3, 10, 10, 0), 0) == sh(2025, 3, 10, 10, 0)
    assert office.add(sh(2025, 3, 7, 18, 0), 0) == sh(2025, 3, 10, 9, 0)


def test_friday_evening_p3_response_lands_monday_morning() -> None:
    """R-000-06: P3 respond within 1 h of office time; raised Friday 17:50."""
    assert calendar("cn_office").add(sh(2025, 3, 7, 17, 50), 3600) == sh(2025, 3, 10, 9, 50)


def test_spring_festival_2025() -> None:
    """Holidays 28 Jan - 4 Feb; Sun 26 Jan and Sat 8 Feb are make-up working days."""
    office = calendar("cn_office")
    assert office.add(sh(2025, 1, 27, 17, 0), 3 * 3600) == sh(2025, 2, 5, 11, 0)
    assert office.add(sh(2025, 1, 25, 17, 0), 3600) == sh(2025, 1, 26, 10, 0)  # make-up Sunday
    assert office.add(sh(2025, 2, 7, 17, 0), 2 * 3600) == sh(2025, 2, 8, 10, 0)  # make-up Saturday
    assert office.elapsed(sh(2025, 1, 27, 9, 0), sh(2025, 2, 5, 9, 0)) == 7.5 * 3600
    assert office.add_working_days(sh(2025, 1, 27, 10, 0), 3) == sh(2025, 2, 7, 18, 0)


def test_national_day_2025() -> None:
    """Holidays 1-8 Oct; Sun 28 Sep and Sat 11 Oct are make-up working days."""
    office = calendar("cn_office")
    assert office.add(sh(2025, 9, 30, 17, 0), 2 * 3600) == sh(2025, 10, 9, 10, 0)
    assert office.add(sh(2025, 9, 27, 10, 0), 3600) == sh(2025, 9, 28, 10, 0)
    assert office.add_working_days(sh(2025, 9, 30, 10, 0), 1) == sh(2025, 10, 9, 18, 0)
    assert office.add_working_days(sh(2025, 10, 10, 10, 0), 1) == sh(2025, 10, 11, 18, 0)
    assert calendar("cn_office").day_kind(dt.date(2025, 10, 11)) == "make-up"
    assert calendar("cn_office").day_kind(dt.date(2025, 10, 3)) == "holiday"


def test_working_days_counting_modes() -> None:
    """R-000-12 (end of the 3rd working day), R-004-10 (end of this working day), R-004-03 (next morning)."""
    office = calendar("cn_office")
    friday = sh(2025, 3, 7, 15, 20)
    assert office.add_working_days(friday, 3) == sh(2025, 3, 12, 18, 0)
    assert office.add_working_days(friday, 3, "same_time") == sh(2025, 3, 12, 15, 20)
    assert office.add_working_days(friday, 0) == sh(2025, 3, 7, 18, 0)
    assert office.add_working_days(sh(2025, 3, 7, 19, 0), 0) == sh(2025, 3, 10, 18, 0)
    assert office.next_working_day_start(friday) == sh(2025, 3, 10, 9, 0)
    assert office.due(friday, parse_duration("1 working day"), "start_of_day") == sh(2025, 3, 10, 9, 0)


def test_berlin_overnight_shift_has_real_length_on_dst_nights() -> None:
    night = calendar("berlin_night")  # Mon-Sat 22:00-06:00, belongs to the day it starts on
    assert night.elapsed(dt.datetime(2025, 3, 29, 22, tzinfo=BER), dt.datetime(2025, 3, 30, 6, tzinfo=BER)) == 7 * 3600
    assert night.elapsed(dt.datetime(2025, 10, 25, 22, tzinfo=BER), dt.datetime(2025, 10, 26, 6, tzinfo=BER)) == 9 * 3600
    assert night.elapsed(dt.datetime(2025, 10, 24, 22, tzinfo=BER), dt.datetime(2025, 10, 25, 6, tzinfo=BER)) == 8 * 3600


def test_berlin_extra_holiday_removes_the_whole_overnight_interval() -> None:
    night = calendar("berlin_night")  # Mon 31 Mar 2025 is an extra holiday
    assert night.elapsed(dt.datetime(2025, 3, 31, 0, tzinfo=BER), dt.datetime(2025, 4, 1, 6, tzinfo=BER)) == 0
    assert night.add(dt.datetime(2025, 3, 29, 22, tzinfo=BER), 8 * 3600) == dt.datetime(2025, 4, 1, 7, tzinfo=BER)


def test_new_york_dst_weekends_and_make_up_saturday() -> None:
    office = calendar("ny_office")  # Mon-Fri 09:00-17:00; Sat 8 Mar and 1 Nov worked with Friday's hours
    assert office.add(dt.datetime(2025, 3, 7, 16, tzinfo=NY), 2 * 3600) == dt.datetime(2025, 3, 8, 10, tzinfo=NY)
    assert office.elapsed(dt.datetime(2025, 3, 8, 9, tzinfo=NY), dt.datetime(2025, 3, 10, 9, tzinfo=NY)) == 8 * 3600
    assert office.add(dt.datetime(2025, 10, 31, 16, tzinfo=NY), 2 * 3600) == dt.datetime(2025, 11, 1, 10, tzinfo=NY)
    assert office.add(dt.datetime(2025, 11, 1, 16, tzinfo=NY), 2 * 3600) == dt.datetime(2025, 11, 3, 10, tzinfo=NY)


def test_24x7_clock_across_dst_counts_real_seconds() -> None:
    always = calendar("always")
    start = dt.datetime(2025, 3, 30, 1, 30, tzinfo=BER)
    assert always.add(start, 3600) == dt.datetime(2025, 3, 30, 3, 30, tzinfo=BER)
    holidays_24x7 = calendar("berlin_24x7_holidays")
    assert holidays_24x7.elapsed(dt.datetime(2025, 12, 24, 12, tzinfo=BER), dt.datetime(2025, 12, 27, 12, tzinfo=BER)) == 24 * 3600  # 25 and 26 Dec off


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    spec = CalendarSpec("gap", "Europe/Berlin", hours=(((150, 300),),) * 7)  # 02:30-05:00 daily
    cal = BusinessCalendar(spec)
    # on 30 Mar 2025 02:30 does not exist: the interval starts at 03:30 CEST
    assert cal.add(dt.datetime(2025, 3, 30, 0, tzinfo=BER), 0) == dt.datetime(2025, 3, 30, 3, 30, tzinfo=BER)


def test_pause_extends_deadline_by_working_time_inside_it() -> None:
    office = calendar("cn_office")
    due = office.add_excluding(sh(2025, 3, 10, 9, 0), 4 * 3600, [(sh(2025, 3, 10, 10, 0), sh(2025, 3, 10, 14, 0))])
    # 1 h before the pause; 2.5 h of the pause were working time, so 3 h remain from 14:00
    assert due == sh(2025, 3, 10, 17, 0)


def test_due_before_anchor_and_months() -> None:
    """R-004-06: an expiry notice one month before the contract ends."""
    office = calendar("cn_office")
    assert office.due_before_epoch(sh(2025, 3, 31, 0, 0).timestamp(), parse_duration("1 month")) == sh(2025, 2, 28, 0, 0).timestamp()
    assert shift_months(sh(2025, 1, 31, 9, 0), 1) == sh(2025, 2, 28, 9, 0)
    assert office.subtract(sh(2025, 3, 10, 10, 0), 7200) == sh(2025, 3, 7, 17, 0)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        calendar("cn_office").add(dt.datetime(2025, 3, 10, 9, 0), 60)


def test_calendar_without_hours_is_an_error_not_a_loop() -> None:
    with pytest.raises(CalendarError, match="no working hours"):
        BusinessCalendar(CalendarSpec("none", "UTC"))


def test_calendar_whose_days_are_all_holidays_stops_with_an_error() -> None:
    days = frozenset(dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(365 * 12))
    cal = BusinessCalendar(CalendarSpec("closed", "UTC", hours=WEEKDAYS_ONLY(LUNCH), extra_holidays=days))
    with pytest.raises(CalendarError, match="no working time left"):
        cal.add(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), 60)


def test_years_beyond_holiday_data_are_refused() -> None:
    with pytest.raises(CalendarError, match="no holiday data for 2101"):
        calendar("cn_office").add(sh(2101, 3, 1, 9, 0), 60)


def test_years_beyond_published_make_up_days_warn() -> None:
    cal = BusinessCalendar(CalendarSpec("cn", "Asia/Shanghai", hours=WEEKDAYS_ONLY(LUNCH), country="CN"))
    cal.add(sh(2030, 3, 1, 9, 0), 60)
    assert any("published up to 2026" in w and "2030" in w for w in cal.warnings)


def test_unknown_time_zone() -> None:
    with pytest.raises(CalendarError, match="unknown time zone 'Mars/Olympus'"):
        BusinessCalendar(CalendarSpec("x", "Mars/Olympus", always=True))

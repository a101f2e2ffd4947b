"""Property-based tests of BusinessCalendar against the minute-walking oracle, across lunch
breaks, overnight intervals, make-up days, holidays, and the DST zones Europe/Berlin and
America/New_York as well as Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_cases import SPECS, Oracle, calendar

YEAR_START = int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp())
# DST weekends and China's Spring Festival / National Day get extra weight
HOT_SPOTS = [
    dt.datetime(2025, 3, 29, 20, tzinfo=dt.UTC),
    dt.datetime(2025, 10, 25, 20, tzinfo=dt.UTC),
    dt.datetime(2025, 3, 8, 20, tzinfo=dt.UTC),
    dt.datetime(2025, 11, 1, 20, tzinfo=dt.UTC),
    dt.datetime(2025, 1, 24, 0, tzinfo=dt.UTC),
    dt.datetime(2025, 9, 26, 0, tzinfo=dt.UTC),
]

names = st.sampled_from(sorted(SPECS))
minute_in_year = st.integers(0, 364 * 1440).map(lambda m: YEAR_START + 60 * m)
near_hot_spot = st.tuples(st.sampled_from(HOT_SPOTS), st.integers(0, 4 * 1440)).map(
    lambda p: int(p[0].timestamp()) + 60 * p[1]
)
starts = st.one_of(minute_in_year, near_hot_spot)
minutes = st.integers(0, 3 * 600)

_oracles: dict[str, Oracle] = {}


def oracle(name: str) -> Oracle:
    if name not in _oracles:
        _oracles[name] = Oracle(SPECS[name])
    return _oracles[name]


@settings(max_examples=300, deadline=None)
@given(names, starts, minutes)
def test_add_matches_minute_walk(name: str, start: int, d: int) -> None:
    assert calendar(name).add_epoch(start, 60 * d) == oracle(name).add(start, d)


@settings(max_examples=200, deadline=None)
@given(names, starts, st.integers(0, 4 * 1440))
def test_elapsed_matches_minute_walk(name: str, start: int, span: int) -> None:
    end = start + 60 * span
    assert calendar(name).elapsed_epoch(start, end) == 60 * oracle(name).elapsed_minutes(start, end)


@settings(max_examples=300, deadline=None)
@given(names, starts, st.integers(1, 10_000))
def test_elapsed_inverts_add(name: str, start: int, seconds: int) -> None:
    cal = calendar(name)
    assert cal.elapsed_epoch(start, cal.add_epoch(start, seconds)) == seconds


@settings(max_examples=300, deadline=None)
@given(names, starts, st.integers(0, 100_000), st.integers(0, 100_000))
def test_add_is_additive(name: str, start: int, a: int, b: int) -> None:
    cal = calendar(name)
    assert cal.add_epoch(cal.add_epoch(start, a), b) == cal.add_epoch(start, a + b)


@settings(max_examples=300, deadline=None)
@given(names, starts, st.integers(0, 50_000), st.integers(0, 50_000), st.integers(0, 86_400))
def test_add_is_monotonic(name: str, start: int, a: int, b: int, shift: int) -> None:
    cal = calendar(name)
    lo, hi = sorted((a, b))
    assert cal.add_epoch(start, lo) <= cal.add_epoch(start, hi)
    assert cal.add_epoch(start, lo) <= cal.add_epoch(start + shift, lo)


@settings(max_examples=200, deadline=None)
@given(names, starts)
def test_no_working_time_before_next_working_instant(name: str, start: int) -> None:
    cal = calendar(name)
    nxt = cal.add_epoch(start, 0)
    assert cal.elapsed_epoch(start, nxt) == 0
    assert oracle(name).working(int(nxt))
    assert all(not oracle(name).working(t) for t in range(start, int(nxt), 60 * max(1, (int(nxt) - start) // 6000)))


@settings(max_examples=150, deadline=None)
@given(names, starts, st.integers(0, 6))
def test_working_days_match_day_walk(name: str, start: int, n: int) -> None:
    cal = calendar(name)
    if SPECS[name].always:
        return
    due = cal.add_working_days_epoch(start, n + 1)
    expected_day = oracle(name).working_days_after(start, n + 1)
    spans = oracle(name).spans(expected_day)
    assert due == max(b for _, b in spans)


@settings(max_examples=150, deadline=None)
@given(names, starts, st.integers(1, 20_000), st.lists(st.tuples(st.integers(0, 3 * 1440), st.integers(1, 1440)), max_size=3))
def test_pauses_extend_by_working_time_inside_them(name: str, start: int, seconds: int, raw: list[tuple[int, int]]) -> None:
    cal = calendar(name)
    pauses = [(start + 60 * a, start + 60 * (a + length)) for a, length in raw]
    due = cal.add_excluding_epoch(start, seconds, pauses)
    # the clock ran exactly `seconds` of working time outside the pauses
    merged: list[list[int]] = []
    for a, b in sorted(pauses):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    paused = sum(cal.elapsed_epoch(max(a, start), min(b, due)) for a, b in merged if b > start and a < due)
    assert cal.elapsed_epoch(start, due) - paused == seconds

"""The report page's axes and summaries (slapolicy.output.charts): round ticks for any range, and period keys
read back into the longer periods a long series is drawn per."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given
from hypothesis import strategies as st

from slapolicy.kpi.periods import PERIODS, period_key
from slapolicy.output.charts import MAX_BARS, axis_ticks, bucket, drawn_period, round_step, summarised

TOPS = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


def is_round(step: float) -> bool:
    """1, 2 or 5 times a power of ten."""
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 5))


@given(TOPS)
def test_the_step_is_round_and_the_smallest_that_covers_in_five(top: float) -> None:
    step = round_step(top)
    assert is_round(step)
    assert step * 5 >= top * (1 - 1e-9)
    smaller = step / 2.5 if math.isclose(step / 10 ** math.floor(math.log10(step) + 1e-9), 5) else step / 2
    assert smaller * 5 < top * (1 + 1e-9)


@given(TOPS, st.sampled_from(["average", "mean_time", "percentile", "share"]))
def test_ticks_start_at_zero_cover_the_top_and_are_whole_units(top: float, measure: str) -> None:
    if measure == "share":  # a rate: 0 to 100 %
        top = min(top, 1.0)
    ticks = axis_ticks(measure, top)
    assert ticks[0] == 0 and ticks[-1] >= top * (1 - 1e-9) and len(ticks) <= 11
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    if measure in ("mean_time", "percentile"):  # whole minutes, hours or days
        assert any(math.isclose(s / unit, round(s / unit)) for s in steps for unit in (60, 3600, 86400))
    elif measure == "share":
        assert ticks == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


@given(DAYS, st.sampled_from(PERIODS), st.sampled_from(PERIODS))
def test_a_period_key_reads_back_into_a_longer_period(day: dt.date, own: str, longer: str) -> None:
    """A day falls in the month (quarter, year) of its day; a week is counted in the period of its Monday."""
    if PERIODS.index(longer) < PERIODS.index(own):
        own, longer = longer, own
    when = dt.datetime.combine(day, dt.time())
    key = period_key(when, own)
    monday = when - dt.timedelta(days=when.weekday()) if own == "week" else when
    assert bucket(key, longer) == period_key(monday, longer)
    assert bucket(key, own) == key


@given(DAYS, st.integers(min_value=0, max_value=4000), st.sampled_from(PERIODS[:3]))
def test_a_long_series_is_drawn_in_at_most_max_bars(first: dt.date, days: int, own: str) -> None:
    last = min(first + dt.timedelta(days=days), dt.date(2099, 12, 31))
    keys = sorted({period_key(dt.datetime.combine(first + dt.timedelta(days=d), dt.time()), own) for d in range((last - first).days + 1)})
    drawn = drawn_period(own, keys)
    bars = {bucket(k, drawn) for k in keys}
    assert len(bars) <= MAX_BARS or drawn == "year"
    if drawn != own:  # the period before it would have drawn too many
        before = PERIODS[PERIODS.index(drawn) - 1]
        assert len({bucket(k, before) for k in keys}) > MAX_BARS


def test_a_summary_shows_the_worst_period_and_how_many_missed() -> None:
    """Under a minimum the lowest value is the worst; under a maximum the highest; a bucket is missed when any day is."""
    def row(day: str, value: float | None, met: bool | None, low: float | None = 0.9, high: float | None = None) -> dict:
        return {"period": day, "value": value, "met": met, "min": low, "max": high, "measured": 1}

    days = [row("2025-03-03", 0.95, True), row("2025-03-04", 0.5, False), row("2025-03-10", None, None), row("2025-03-11", 1.0, True)]
    weeks = summarised(days, "day", "week")
    assert [(w["period"], w["value"], w["met"], w["periods"], w["missed"]) for w in weeks] == [
        ("2025-W10", 0.5, False, 2, 1), ("2025-W11", 1.0, True, 1, 0)]
    highs = [row("2025-03-03", 30.0, True, None, 60.0), row("2025-03-04", 50.0, True, None, 60.0)]
    assert [(w["value"], w["met"]) for w in summarised(highs, "day", "month")] == [(50.0, True)]

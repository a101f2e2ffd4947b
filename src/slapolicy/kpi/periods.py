"""Periods of the report: the key of the day, week, month, quarter or year an instant falls in
(policy time zone), and the keys of the current day, computed once per day of a history."""

from __future__ import annotations

import datetime as dt

PERIODS = ("day", "week", "month", "quarter", "year")


def period_key(when: dt.datetime, period: str) -> str:
    if period == "day":
        return when.date().isoformat()
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{when.year}-{when.month:02d}"
    if period == "quarter":
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    return str(when.year)


class Days:
    """Period keys of an instant's local day, cached for the day the last instant fell in."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.lo = self.hi = 0.0
        self.keys: dict[str, str] = {}

    def keys_at(self, t: float) -> dict[str, str] | None:
        """The day's keys, or None when `t` falls in the same day as the last instant."""
        if self.lo <= t < self.hi:
            return None
        when = dt.datetime.fromtimestamp(t, self.tz)
        day = when.date()
        self.lo = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp()
        after = day + dt.timedelta(days=1)
        self.hi = dt.datetime(after.year, after.month, after.day, tzinfo=self.tz).timestamp()
        self.keys = {p: period_key(when, p) for p in PERIODS}
        return self.keys

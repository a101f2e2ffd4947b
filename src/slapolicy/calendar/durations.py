"""Durations as people write them in a regulation: `15m`, `1h30m`, `3 working days`, `1 month`.

Five kinds, never mixed in one value:
- elapsed working time in seconds (`15m`, `2h`, `6 working hours`, `1d` = 24 h, `1w` = 7 x 24 h),
  measured on the clock's calendar;
- days of working hours (`3 days of working hours`): N times the length of the calendar's working
  day, counted as working time, as a service desk's "3 Days" column means it (3 x 8 h on a
  09:00-17:00 calendar); its length is known once the calendar is (`BusinessCalendar.length`);
- working days (`3 working days`): by default the end of the Nth working day after the
  start's local date, the start day itself not counted;
- calendar days (`14 calendar days`, `2 calendar weeks`): by default the end of the Nth day
  after the start's local date;
- calendar months (`1 month`): by default the end of the same-numbered day N months later
  (or earlier), clamped to the month's last day.

Days and months are date deadlines: they count to the end of the due day unless the
target says `counting: same_time`.

Each kind has a documented ceiling (`LIMITS`), ten years or so: a regulation promises
nothing longer, and a longer value (`600000w`, `999999999 month`) is a typing mistake that
would otherwise push deadlines out of the supported range of instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["seconds", "working_days", "days", "months", "day_hours"]

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# The same language as the JSON Schema's `duration` pattern (a test holds them equal): ASCII digits and
# blanks only, lower case, nothing after the unit (not even a newline).
_COMPACT = re.compile(r"(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_WORDS = re.compile(r"([0-9]+)[ \t]+(working[ \t]+|calendar[ \t]+)?(second|minute|hour|day|week|month)s?")
# "3 days of working hours": three working days' worth of working hours, not the end of the 3rd working day
_DAY_HOURS = re.compile(r"([0-9]+)[ \t]+days?[ \t]+of[ \t]+working[ \t]+hours")
_WORD_UNIT = {"second": "s", "minute": "m", "hour": "h", "day": "d", "week": "w"}

MAX_SECONDS = 3660 * 86400  # about ten years of clock time
MAX_WORKING_DAYS = 2500  # about ten years of working days
MAX_MONTHS = 120
MAX_DAYS = 3660
LIMITS = {"seconds": MAX_SECONDS, "working_days": MAX_WORKING_DAYS, "days": MAX_DAYS, "months": MAX_MONTHS,
          "day_hours": MAX_WORKING_DAYS}
_LIMIT_TEXT = {"seconds": "3660 days (about ten years)", "working_days": "2500 working days", "days": "3660 calendar days",
               "months": "120 months", "day_hours": "2500 days of working hours"}


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    kind: Kind
    amount: int
    text: str

    @property
    def seconds(self) -> int:
        if self.kind != "seconds":
            raise DurationError(f"'{self.text}' is not a length of time in hours and minutes")
        return self.amount

    @property
    def working_time(self) -> bool:
        """A length of working time on the clock's calendar (`2h`, `3 days of working hours`), not a date deadline."""
        return self.kind in ("seconds", "day_hours")

    def __str__(self) -> str:
        return self.text


def parse_duration(text: str | int) -> Duration:
    """Parse a duration; raise DurationError with a message a quality manager can act on."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise DurationError(f"{text!r} is not a duration; write it like '15m', '2h', '1h30m' or '3 working days'")
    if isinstance(text, int):
        raise DurationError(f"'{text}' has no unit; write '{text}m' for minutes or '{text}h' for hours")
    s = text.strip()
    if len(s) > 60:
        raise DurationError(f"'{s[:30]}…' is not a duration; write it like '15m', '2h', '1h30m', '3 working days' or '1 month'")
    m = _COMPACT.fullmatch(s)
    if m and s:
        total = sum(int(v) * _UNIT_SECONDS[u] for v, u in zip(m.groups(), "wdhms") if v)
        return _bounded(Duration("seconds", total, s))
    m = _WORDS.fullmatch(s)
    if m:
        n, qualifier, unit = int(m.group(1)), (m.group(2) or "").strip().lower(), m.group(3).lower()
        working = qualifier == "working"
        if unit == "month":
            if qualifier:
                raise DurationError(f"'{s}': months are calendar months; write '{n} month'")
            return _bounded(Duration("months", n, s))
        if qualifier == "calendar":
            if unit not in ("day", "week"):
                raise DurationError(f"'{s}': only days and weeks are counted as calendar days; write '{n} {unit}s'")
            return _bounded(Duration("days", n * (7 if unit == "week" else 1), s))
        if working and unit == "day":
            return _bounded(Duration("working_days", n, s))
        if working and unit == "week":
            raise DurationError(f"'{s}': write working weeks as working days ('{5 * n} working days')")
        return _bounded(Duration("seconds", n * _UNIT_SECONDS[_WORD_UNIT[unit]], s))
    m = _DAY_HOURS.fullmatch(s)
    if m:
        return _bounded(Duration("day_hours", int(m.group(1)), s))
    raise DurationError(
        f"'{s}' is not a duration; write it like '15m', '2h', '1h30m', '3 working days' or '1 month'"
    )


def _bounded(d: Duration) -> Duration:
    if d.amount > LIMITS[d.kind]:
        raise DurationError(f"'{d.text}' is longer than slapolicy allows ({_LIMIT_TEXT[d.kind]}); "
                            "no regulation promises that far ahead — is a unit wrong?")
    return d


def format_seconds(seconds: float) -> str:
    """`8h30m` style (hours, never days: working time is read in hours)."""
    total = int(round(seconds))
    if total == 0:
        return "0m"
    sign = "-" if total < 0 else ""
    total = abs(total)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    parts = [f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v]
    return sign + "".join(parts)

"""Instants: epoch seconds inside, one ISO-8601 reader, time zones resolved once.

Every instant slapolicy works with lies in the supported range, the UTC years
1971-2199 (`MIN_EPOCH` <= t < `MAX_EPOCH`): wide enough for any service history and
any contract, narrow enough that calendar tables, month arithmetic and repeated
periods stay bounded. Input outside it is rejected where it is read.

Timestamps are ISO-8601 / RFC 3339 (`2025-03-07T17:50:00+08:00`, `...Z`, lower-case
`t`/`z`, fractions of a second). One without a UTC offset is read in a time zone the
caller names (the policy's), the DST rules of `zoneinfo` applying: a wall time in a
DST gap moves forward by the gap, an ambiguous one takes its first occurrence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import math
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..i18n import N_, Message

MIN_YEAR = 1971
MAX_YEAR = 2199
MIN_EPOCH = dt.datetime(MIN_YEAR, 1, 1, tzinfo=dt.UTC).timestamp()
MAX_EPOCH = dt.datetime(MAX_YEAR + 1, 1, 1, tzinfo=dt.UTC).timestamp()
RANGE_TEXT = f"{MIN_YEAR}-01-01 to {MAX_YEAR}-12-31 (UTC)"

# IANA names are path-like words: Asia/Shanghai, America/Argentina/Buenos_Aires, UTC, Etc/GMT-8
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,40}(?:/[A-Za-z0-9_+\-]{1,40}){0,3}")


class InstantError(ValueError):
    """A timestamp or time zone that cannot be used; the message says why, in plain words."""


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, resolved once per process."""
    shown = name if isinstance(name, str) and len(name) <= 60 else f"{str(name)[:59]}…"
    if not isinstance(name, str) or not _ZONE_NAME.fullmatch(name):
        raise InstantError(_unknown_zone(shown))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InstantError(_unknown_zone(shown)) from None


def _unknown_zone(shown: str) -> Message:
    return Message(N_("unknown time zone '{zone}'; {hint}"), zone=shown, hint=_zone_hint(shown))


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone by its lower-cased name and by its city (`shanghai`: Asia/Shanghai)."""
    names: dict[str, str] = {"beijing": "Asia/Shanghai", "china": "Asia/Shanghai"}  # China has one zone, named after Shanghai
    for full in sorted(available_timezones()):
        if full.startswith("Etc/"):  # Etc/GMT+8 is eight hours *behind* UTC: never a suggestion
            continue
        names.setdefault(full.rsplit("/", 1)[-1].lower(), full)
        names[full.lower()] = full
    return names


def _zone_hint(shown: str) -> Message:
    """A near IANA name (Shanghai, asia/shanghai, Asia/Shangai), else how one is written."""
    names = _zone_names()
    key = shown.strip().lower().replace(" ", "_")
    near = names.get(key) or names.get(key.rsplit("/", 1)[-1])
    if near is None:
        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.85)
        near = names[close[0]] if close else None
    if near is not None:
        return Message(N_("did you mean '{name}'?"), name=near)
    if re.search(r"[0-9]", shown):
        return Message(N_("a time zone is a place, not an offset: write an IANA name such as Asia/Shanghai (UTC+8, China) or UTC"))
    return Message(N_("write an IANA name such as Asia/Shanghai (China), Asia/Hong_Kong, Asia/Taipei, Europe/Berlin or UTC"))


def parse_datetime(text: object, tz: dt.tzinfo) -> tuple[dt.datetime, bool]:
    """An aware datetime and whether the text carried its own UTC offset; InstantError if unusable."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        shown = repr(text) if len(repr(text)) <= 60 else repr(text)[:59] + "…"
        raise InstantError(f"{shown} is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00")
    value = text.strip()
    if "t" in value or "z" in value:  # RFC 3339 allows lower-case T and Z
        value = value.upper()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InstantError(f"'{text}' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00") from None
    if when.tzinfo is not None:
        return when, True
    return when.replace(tzinfo=tz), False


def wall_time(when: dt.datetime, tz: dt.tzinfo, repeated: str = "reject") -> dt.datetime:
    """A naive wall-clock time of an export placed in the export's zone `tz`. InstantError when the
    zone's clock never showed it (the hour skipped when daylight saving time begins), and when it
    showed it twice (the hour repeated when it ends) unless `repeated` says which one was meant
    (`earlier`, `later`): a guess would be an hour off."""
    first, second = when.replace(tzinfo=tz), when.replace(tzinfo=tz, fold=1)
    offsets = first.utcoffset(), second.utcoffset()
    if offsets[0] == offsets[1]:
        return first
    if first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != when:
        raise InstantError(f"{when.isoformat(sep=' ')} never happened in {tz}: its clocks skipped that hour when daylight "
                           "saving time began; correct the cell or give the time with its UTC offset")
    if repeated != "reject":
        return first if repeated == "earlier" else second
    raise InstantError(f"{when.isoformat(sep=' ')} happened twice in {tz} (daylight saving time ended, the hour was repeated: "
                       f"UTC{_offset(offsets[0])} and UTC{_offset(offsets[1])}); give the time with its UTC offset, export "
                       "the times in UTC and read them with --source-tz UTC, or say which in the profile (repeated_hour: earlier)")


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds()) // 60
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_epoch(when: dt.datetime, text: object = None) -> float:
    """Epoch seconds of an aware datetime, within the supported range (`text` names it in errors)."""
    try:
        t = when.timestamp()
    except (OverflowError, ValueError, OSError):
        t = math.nan
    if not MIN_EPOCH <= t < MAX_EPOCH:
        raise InstantError(f"{text or when.isoformat()} is outside the supported range {RANGE_TEXT}")
    return t


_OFFSETS: dict[dt.tzinfo, int] = {}  # fixed UTC offsets (as decoded from "+08:00") in seconds
_UNIX_DAY = 719163  # date(1970, 1, 1).toordinal()


def decoded_epoch(when: dt.datetime, tz: dt.tzinfo) -> float:
    """Epoch seconds of a datetime a decoder made (offset-less: read in `tz`), within the supported
    range: from its own fields when it carries a fixed offset (exactly what `timestamp()` gives, at
    half the cost), the hot path of JSONL input."""
    fixed = when.tzinfo
    offset = _OFFSETS.get(fixed) if fixed is not None else None
    if offset is None:
        if fixed is None:
            when = when.replace(tzinfo=tz)
        elif type(fixed) is dt.timezone:
            delta = fixed.utcoffset(None)
            offset = _OFFSETS[fixed] = delta.days * 86400 + delta.seconds
    if offset is None:
        return to_epoch(when)
    whole = (when.toordinal() - _UNIX_DAY) * 86400 + when.hour * 3600 + when.minute * 60 + when.second - offset
    t = (whole * 1_000_000 + when.microsecond) / 1_000_000 if when.microsecond else float(whole)
    if not MIN_EPOCH <= t < MAX_EPOCH:
        raise InstantError(f"{when.isoformat()} is outside the supported range {RANGE_TEXT}")
    return t


def parse_instant(text: object, tz: dt.tzinfo) -> float:
    """Epoch seconds of an ISO-8601 timestamp (offset-less ones read in `tz`), within the supported range."""
    when, _ = parse_datetime(text, tz)
    return to_epoch(when, f"'{text}'")


def iso(t: float, tz: dt.tzinfo) -> str:
    """ISO-8601 with the zone's UTC offset at that instant."""
    return dt.datetime.fromtimestamp(t, tz).isoformat()


ISO_REMEMBERED = 200_000  # hours and days an IsoWriter remembers before starting afresh: memory flat on any span of time
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))  # an hour, minute or second as ISO-8601 writes it (a third of an f-string's time)


class IsoWriter:
    """ISO-8601 text of instants in one zone, exactly as `iso` writes it, without a datetime per instant (the JSON
    output writes millions): a whole second from the zone's offset over its UTC hour (asked of the zone once per
    hour, and used only where the offset holds for the whole hour) and its local day's date (once per day); any
    other instant (a fraction of a second, an hour in which the zone changes its offset) as `iso` writes it."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self._hours: dict[int, tuple[int, str] | None] = {}  # UTC hour -> (offset seconds, "+08:00"), None: not one offset
        self._days: dict[int, str] = {}  # local day since 1970-01-01 -> "2025-03-07T"

    def write(self, t: float) -> str:
        whole = int(t)
        if whole == t:
            hour = whole // 3600
            found = self._hours.get(hour)
            if found is None and hour not in self._hours:
                found = self._hour(hour)
            if found is not None:
                offset, suffix = found
                days, seconds = divmod(whole + offset, 86400)
                day = self._days.get(days)
                if day is None:
                    if len(self._days) > ISO_REMEMBERED:
                        self._days.clear()
                    day = self._days[days] = dt.date.fromordinal(_UNIX_DAY + days).isoformat() + "T"
                hours, rest = divmod(seconds, 3600)
                minutes, secs = divmod(rest, 60)
                return day + _TWO_DIGITS[hours] + ":" + _TWO_DIGITS[minutes] + ":" + _TWO_DIGITS[secs] + suffix
        return iso(t, self.tz)

    def _hour(self, hour: int) -> tuple[int, str] | None:
        if len(self._hours) > ISO_REMEMBERED:
            self._hours.clear()
        start = dt.datetime.fromtimestamp(hour * 3600, self.tz)
        offset = start.utcoffset()
        found = None
        if offset is not None and offset == dt.datetime.fromtimestamp(hour * 3600 + 3599, self.tz).utcoffset():
            found = (offset.days * 86400 + offset.seconds, start.isoformat()[19:])  # after YYYY-MM-DDTHH:MM:SS
        self._hours[hour] = found
        return found


# ---- cells of spreadsheet exports ----------------------------------------------------------------

_EXCEL_DAY0 = dt.datetime(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug makes day 60 the phantom 1900-02-29)
_EXCEL_MIN = (dt.datetime(MIN_YEAR, 1, 1) - _EXCEL_DAY0).days
_EXCEL_MAX = (dt.datetime(MAX_YEAR + 1, 1, 1) - _EXCEL_DAY0).days
_EXCEL_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]{1,15})?")
_EXAMPLE = dt.datetime(2025, 3, 7, 17, 50, tzinfo=dt.timezone(dt.timedelta(hours=8)))
EXCEL_TEXT_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")  # how Excel writes a date-time cell to CSV in zh-CN


def excel_serial(text: str) -> dt.datetime | None:
    """The wall time of an Excel date cell saved as its number (45723.74 = 2025-03-07 17:45:36), or None.

    Only serials of the supported years count, so an ordinary number is never taken for a date."""
    if not _EXCEL_SERIAL.fullmatch(text):
        return None
    days = float(text)
    if not _EXCEL_MIN <= days < _EXCEL_MAX:
        return None
    return _EXCEL_DAY0 + dt.timedelta(seconds=round(days * 86400))


def read_cell_time(text: str, formats: tuple[str, ...] = ()) -> dt.datetime:
    """A date-time cell as written by an export: ISO-8601, one of `formats` (strptime), or an Excel
    serial. Naive when the cell carries no UTC offset; InstantError when nothing fits or the year
    is outside the supported range."""
    value = text.strip()
    when: dt.datetime | None = None
    with contextlib.suppress(InstantError):
        when, has_offset = parse_datetime(value, dt.UTC)
        if not has_offset:
            when = when.replace(tzinfo=None)
    for fmt in formats:
        if when is not None:
            break
        with contextlib.suppress(ValueError):
            when = dt.datetime.strptime(value, fmt)
    if when is None:
        when = excel_serial(value)
    if when is None:
        examples = "".join(f"{_EXAMPLE.strftime(f)}, " for f in formats)
        raise InstantError(f"'{value[:40]}' is not a date-time that can be read; write it like {examples}"
                           "2025-03-07T17:50:00+08:00 (ISO-8601) or as an Excel date number")
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise InstantError(f"'{value[:40]}' is outside the supported range {RANGE_TEXT}")
    return when

"""The business calendars a policy declares (`calendars:`), as CalendarSpecs: `extends` chains resolved,
weekday ranges and intervals parsed, holiday and working-day lists expanded. Split from build.py, which
calls it with itself as the `Builder` that reports what is wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from ..calendar.periods import reversed_range
from ..calendar.spec import WEEKDAYS, CalendarSpec, Interval
from .loader import JsonPath
from .model import ALWAYS_CALENDAR


class Builder(Protocol):
    def fail(self, path: JsonPath, message: str, code: str = "SLA104") -> None: ...

    def date(self, value: Any, path: JsonPath) -> dt.date | None: ...


def _interval(text: str) -> Interval:
    a, b = text.split("-")
    start = int(a[:2]) * 60 + int(a[3:])
    end = int(b[:2]) * 60 + int(b[3:])
    return (start, end if end > start else end + 1440)


def _days(spec: str) -> list[int]:
    if spec == "daily":
        return list(range(7))
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        i, j = WEEKDAYS.index(a), WEEKDAYS.index(b or a)
        out.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return out


def _dates(b: Builder, items: list[Any], path: JsonPath) -> frozenset[dt.date]:
    out: set[dt.date] = set()
    for i, item in enumerate(items or []):
        if isinstance(item, Mapping):
            lo, hi = b.date(item["from"], path + (i, "from")), b.date(item["to"], path + (i, "to"))
            if lo and hi:
                if hi < lo:
                    b.fail(path + (i,), reversed_range(lo, hi))
                out.update(lo + dt.timedelta(days=k) for k in range((hi - lo).days + 1))
        else:
            d = b.date(item, path + (i,))
            if d:
                out.add(d)
    return frozenset(out)


def calendars(b: Builder, data: Mapping[str, Any], default_tz: str) -> tuple[dict[str, CalendarSpec], dict[str, str]]:
    """Resolve `extends` chains (cycles and unknown bases are reported by a check) and parse each calendar."""
    data = {n: c for n, c in data.items() if not is_choice(c)}  # calendars chosen by the subject: `_choices`
    extends = {n: c["extends"] for n, c in data.items() if isinstance(c, Mapping) and "extends" in c}
    merged: dict[str, dict[str, Any]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
        raw = data.get(name)
        if raw == ALWAYS_CALENDAR or raw is None:
            return {"hours": ALWAYS_CALENDAR}
        base = extends.get(name)
        result = resolve(base, seen + (name,)) if base is not None and base in data and base not in seen + (name,) else {}
        return {**result, **{k: v for k, v in raw.items() if k != "extends"}}

    for name in data:
        merged[name] = resolve(name, ())
    specs: dict[str, CalendarSpec] = {ALWAYS_CALENDAR: CalendarSpec(ALWAYS_CALENDAR, default_tz, always=True)}
    for name, cal in merged.items():
        path: JsonPath = ("calendars", name)
        hours_data = cal.get("hours")
        always = hours_data == ALWAYS_CALENDAR and "holidays" not in cal and not cal.get("extra_holidays")
        week: list[list[Interval]] = [[] for _ in range(7)]
        if hours_data == ALWAYS_CALENDAR:
            week = [[(0, 1440)] for _ in range(7)]
        elif isinstance(hours_data, Mapping):
            for dayspec, intervals in hours_data.items():
                for k, text in enumerate(intervals):
                    iv = _interval(text)
                    if iv[1] - iv[0] >= 1440 and iv != (0, 1440):
                        b.fail(path + ("hours", dayspec, k), f"'{text}' is empty or longer than a day; write a start and a "
                                                             "later end such as 09:00-18:00 (22:00-06:00 crosses midnight)")
                        continue
                    for d in _days(dayspec):
                        week[d].append(iv)
        holidays_data = cal.get("holidays") or {}
        specs[name] = CalendarSpec(
            name=name,
            timezone=cal.get("timezone", default_tz),
            hours=tuple(tuple(sorted(d)) for d in week),
            always=always,
            country=holidays_data.get("country"),
            subdivision=holidays_data.get("subdivision"),
            extra_holidays=_dates(b, cal.get("extra_holidays", []), path + ("extra_holidays",)),
            extra_working_days=_dates(b, cal.get("extra_working_days", []), path + ("extra_working_days",)),
            make_up_weekday=WEEKDAYS.index(cal.get("make_up_day_hours", "mon")),
        )
    return specs, extends


def is_choice(calendar: Any) -> bool:
    return isinstance(calendar, Mapping) and "by" in calendar

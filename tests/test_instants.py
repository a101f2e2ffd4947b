"""`IsoWriter` (slapolicy.calendar.instants) writes every instant exactly as `datetime.isoformat` does: whole
seconds from its per-hour offsets and per-day dates, the rest through datetime, in zones with DST, half-hour
and 45-minute offsets, a half-hour DST change, an offset with seconds, and over their changes of offset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from slapolicy.calendar.instants import ISO_REMEMBERED, MAX_EPOCH, MIN_EPOCH, IsoWriter

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe",
         "Africa/Monrovia", "UTC", "Pacific/Apia"]  # Monrovia: -00:44:30 until 1972; Apia skipped 2011-12-30 whole
WRITERS = {name: IsoWriter(ZoneInfo(name)) for name in ZONES}
WRITERS["+08:00"] = IsoWriter(dt.timezone(dt.timedelta(hours=8)))


def transitions(name: str) -> list[int]:
    """The instants (whole seconds, 1971-2040) at which the zone changes its offset: where the writer must not
    use an hour's offset for the whole hour. Looked for a day at a time (no zone changes twice in a day), then
    to the second."""
    tz = ZoneInfo(name)
    found, t = [], int(MIN_EPOCH)
    offset = dt.datetime.fromtimestamp(t, tz).utcoffset()
    while t < dt.datetime(2040, 1, 1, tzinfo=dt.UTC).timestamp():
        t += 86400
        now = dt.datetime.fromtimestamp(t, tz).utcoffset()
        if now != offset:
            lo = t - 86400
            while t - lo > 1:  # to the second
                mid = (lo + t) // 2
                lo, t = (mid, t) if dt.datetime.fromtimestamp(mid, tz).utcoffset() == offset else (lo, mid)
            found.append(t)
            offset = now
    return found


CHANGES = {name: transitions(name) for name in ("Europe/Berlin", "Australia/Lord_Howe", "Africa/Monrovia", "America/St_Johns")}
near_changes = st.sampled_from(sorted(CHANGES)).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(CHANGES[name]), st.integers(-7200, 7200)).map(
        lambda p: (p[0], float(p[1] + p[2]))))
anywhere = st.tuples(st.sampled_from(sorted(WRITERS)), st.one_of(
    st.integers(int(MIN_EPOCH), int(MAX_EPOCH) - 1).map(float),
    st.floats(MIN_EPOCH, MAX_EPOCH, exclude_max=True),  # fractions of a second
))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(anywhere, near_changes))
def test_the_writer_writes_what_datetime_writes(case: tuple[str, float]) -> None:
    name, t = case
    writer = WRITERS[name]
    assert writer.write(t) == dt.datetime.fromtimestamp(t, writer.tz).isoformat()


def test_each_second_around_a_change_of_offset() -> None:
    for name, changes in CHANGES.items():
        writer = IsoWriter(ZoneInfo(name))
        for change in changes[:3] + changes[-3:]:
            for t in range(change - 3700, change + 3700, 7):
                assert writer.write(float(t)) == dt.datetime.fromtimestamp(t, writer.tz).isoformat(), (name, t)


def test_the_writer_remembers_a_bounded_number_of_hours_and_days() -> None:
    writer = IsoWriter(ZoneInfo("Asia/Shanghai"))
    for hour in range(0, 3 * ISO_REMEMBERED, 7):
        writer.write(float(int(MIN_EPOCH) + hour * 3600))
    assert len(writer._hours) <= ISO_REMEMBERED + 1 and len(writer._days) <= ISO_REMEMBERED + 1

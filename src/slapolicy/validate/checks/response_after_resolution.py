"""For the same tickets, the clocks of one ticket's life must not promise the later step
sooner than the earlier one: registration <= first_response <= resolution_plan <= resolution.
Targets in the same unit on the same calendar are compared by size; targets on different
calendars (1 h of office time against 24 h of clock time) or in different units are
compared on a reference week: a start at every hour of the first full week the policy is
in force, each deadline computed on its own calendar.

Passes::

    - {when: {severity: P1}, first_response: 15m, resolution: 2h}

Fails::

    - {when: {severity: P3}, first_response: 2h, resolution: 1h}   # SLA301
    - {when: {severity: P3}, first_response: {within: 1h, calendar: office}, resolution: 24h}
      # SLA301: raised on Friday evening, the answer is due on Monday, the resolution on Saturday
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ...calendar.business import BusinessCalendar
from ...calendar.instants import InstantError
from ...calendar.spec import CalendarError
from ...i18n import N_, Message
from ...policy.model import Policy, TargetValue
from ._domain import first_sure, label, rules_for, severity_tier
from .base import Problem

CODE = "SLA301"

CHAIN = ("registration", "first_response", "resolution_plan", "resolution")


def check(policy: Policy) -> Iterator[Problem]:
    chain = [m for m in CHAIN if m in policy.metrics]
    domain = severity_tier(policy)
    sure = {m: first_sure(domain, rules_for(policy, m)) for m in chain}
    reported: set[tuple[str, str, int, int]] = set()
    week: list[dt.datetime] | None = None
    calendars: dict[str, BusinessCalendar | None] = {}
    for n, combo in enumerate(domain.combos):
        chosen = {m: sure[m][n] for m in chain}
        for i, early in enumerate(chain):
            for late in chain[i + 1:]:
                r1, r2 = chosen[early], chosen[late]
                if r1 is None or r2 is None or (early, late, r1.index, r2.index) in reported:
                    continue
                v1, v2 = r1.values[early], r2.values[late]
                if v1.duration is None or v2.duration is None or v1.agreed or v2.agreed:
                    continue  # a time agreed with each subject: nothing to compare before one is
                line = policy.document.locate(v2.path).line
                if v1.calendar == v2.calendar and v1.duration.kind == v2.duration.kind:
                    if v1.duration.amount <= v2.duration.amount:
                        continue
                    message = Message(N_("{early} target {early_target} is longer than the {late} target {late_target} for "
                                         "{combination} (line {line})"), early=early, early_target=_shown(v1), late=late,
                                      late_target=_shown(v2), combination=label(combo), line=line)
                else:
                    week = week if week is not None else _reference_week(policy)
                    found = _later_somewhere(policy, v1, v2, week, calendars)
                    if found is None:
                        continue
                    start, due1, due2 = found
                    message = Message(N_("{early} target {early_target} can fall due after the {late} target {late_target} for "
                                         "{combination} (line {line}): raised {raised}, {early} is due {early_due}, {late} "
                                         "{late_due}"), early=early, early_target=_shown(v1), late=late, late_target=_shown(v2),
                                      combination=label(combo), line=line, raised=f"{start:%a %Y-%m-%d %H:%M}",
                                      early_due=f"{due1:%a %H:%M}", late_due=f"{due2:%a %H:%M}")
                reported.add((early, late, r1.index, r2.index))
                yield Problem(v1.path, Message(N_("{problem}; shorten the {early} target or lengthen the {late} one"),
                                               problem=message, early=early, late=late))


def _shown(value: TargetValue) -> str:
    return f"{value.duration}" + ("" if value.calendar == "24x7" else f" ({value.calendar})")


def _reference_week(policy: Policy) -> list[dt.datetime]:
    """Each hour of the first whole week the policy is in force; none when its time zone is unusable (SLA403)."""
    day = policy.effective_from + dt.timedelta(days=(7 - policy.effective_from.weekday()) % 7)
    try:
        tz = policy.tz
    except InstantError:
        return []
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
    return [midnight + dt.timedelta(hours=h) for h in range(7 * 24)]


def _later_somewhere(policy: Policy, early: TargetValue, late: TargetValue, week: list[dt.datetime],
                     calendars: dict[str, BusinessCalendar | None]) -> tuple[dt.datetime, dt.datetime, dt.datetime] | None:
    """A start in the reference week at which the earlier step falls due after the later one."""
    cals = []
    for name in (early.calendar, late.calendar):
        if name not in calendars:
            try:
                calendars[name] = BusinessCalendar(policy.calendars[name]) if name in policy.calendars else None
            except (CalendarError, InstantError):
                calendars[name] = None
        cals.append(calendars[name])
    c1, c2 = cals
    if c1 is None or c2 is None:
        return None  # reported by other checks
    try:
        for start in week:
            t = start.timestamp()
            assert early.duration is not None and late.duration is not None
            due1, due2 = c1.due_epoch(t, early.duration, early.counting), c2.due_epoch(t, late.duration, late.counting)
            if due1 > due2:
                return start, dt.datetime.fromtimestamp(due1, policy.tz), dt.datetime.fromtimestamp(due2, policy.tz)
    except CalendarError:
        return None
    return None

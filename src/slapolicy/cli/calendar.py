from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from ..calendar.business import BusinessCalendar
from ..calendar.durations import DurationError, format_seconds, parse_duration
from ..calendar.instants import InstantError, parse_datetime
from ..calendar.spec import CalendarError, Counting
from ..diagnostics.record import did_you_mean
from ..i18n import N_
from ._shared import fail, policy_set


def _open(policy_path: str, name: str) -> BusinessCalendar:
    policy = policy_set(policy_path).latest
    choice = policy.calendar_choices.get(name)
    if choice is not None:
        fail(f"calendar '{name}' of policy '{policy.id}' is chosen by each subject's {choice.attribute}; name one of the "
             f"calendars it picks: {', '.join(choice.candidates)}")
    if name not in policy.calendars:
        fail(f"policy '{policy.id}' has no calendar '{name}'{did_you_mean(name, tuple(policy.calendars))}")
    try:
        return BusinessCalendar(policy.calendars[name])
    except CalendarError as exc:
        fail(str(exc))


def _instant(text: str, cal: BusinessCalendar, what: str) -> dt.datetime:
    try:
        value, had_offset = parse_datetime(text, cal.tz)
    except InstantError as exc:
        fail(f"{what} {exc}")
    if not had_offset:
        click.echo(f"note: {what} {text} has no UTC offset; read as {cal.spec.timezone}", err=True)
    return value


def _warn(cal: BusinessCalendar) -> None:
    for message in sorted(cal.warnings):
        click.echo(f"warning: {message}", err=True)


@click.group(help=N_("Check a policy's business calendar without writing a ticket."))
def calendar() -> None:
    pass  # its commands follow


@calendar.command(help=N_("Deadline of DURATION (4h, 90m, 3 working days) started at START."))
@click.argument("policy", type=click.Path())
@click.argument("calendar_name", metavar="CALENDAR")
@click.argument("start")
@click.argument("duration")
@click.option(
    "--counting", type=click.Choice(["end_of_day", "start_of_day", "same_time"]), default="end_of_day", show_default=True,
    help=N_("For working days: the end of the Nth working day, its start, or the start's clock time on it."),
)
@click.option("--json", "as_json", is_flag=True, help=N_('Print {"due_at": ...}.'))
def due(policy: str, calendar_name: str, start: str, duration: str, counting: Counting, as_json: bool) -> None:
    cal = _open(policy, calendar_name)
    try:
        d = parse_duration(duration)
    except DurationError as exc:
        fail(str(exc))
    try:
        result = cal.due(_instant(start, cal, "START"), d, counting).isoformat()
    except CalendarError as exc:
        fail(str(exc))
    _warn(cal)
    click.echo(json.dumps({"due_at": result}) if as_json else result)


@calendar.command(help=N_("Working time between START and END."))
@click.argument("policy", type=click.Path())
@click.argument("calendar_name", metavar="CALENDAR")
@click.argument("start")
@click.argument("end")
@click.option("--json", "as_json", is_flag=True, help=N_('Print {"seconds": ...}.'))
def elapsed(policy: str, calendar_name: str, start: str, end: str, as_json: bool) -> None:
    cal = _open(policy, calendar_name)
    try:
        seconds = cal.elapsed(_instant(start, cal, "START"), _instant(end, cal, "END"))
    except CalendarError as exc:
        fail(str(exc))
    _warn(cal)
    value = int(seconds) if float(seconds).is_integer() else seconds
    click.echo(json.dumps({"seconds": value}) if as_json else format_seconds(seconds))


@calendar.command(help=N_("Each day's working intervals, marking holidays and make-up working days."))
@click.argument("policy", type=click.Path())
@click.argument("calendar_name", metavar="CALENDAR")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]), help=N_("First day (YYYY-MM-DD)."))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]), help=N_("Last day (YYYY-MM-DD)."))
@click.option("--json", "as_json", is_flag=True, help=N_("As JSON."))
def show(policy: str, calendar_name: str, date_from: dt.datetime, date_to: dt.datetime, as_json: bool) -> None:
    cal = _open(policy, calendar_name)
    first, last = date_from.date(), date_to.date()
    if last < first:
        fail("--to is before --from")
    if (last - first).days > 3660:
        fail("show at most ten years at a time")
    rows: list[dict[str, Any]] = []
    day = first
    try:
        while day <= last:
            spans = cal.working_intervals(day)
            kind = "working" if cal.spec.always else cal.day_kind(day)
            rows.append({
                "date": day.isoformat(), "weekday": day.strftime("%a"), "kind": kind,
                "intervals": [f"{a.strftime('%H:%M')}-{'24:00' if b.date() > day and b.time() == dt.time() else b.strftime('%H:%M')}" for a, b in spans],
                "holiday": None if cal.spec.always else cal.holiday_name(day),
            })
            day += dt.timedelta(days=1)
    except CalendarError as exc:
        fail(str(exc))
    _warn(cal)
    if as_json:
        click.echo(json.dumps({"calendar": calendar_name, "timezone": cal.spec.timezone, "days": rows}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{calendar_name} ({cal.spec.timezone})")
    for column in ("date", "day", "kind", "working hours", "holiday"):
        table.add_column(column)
    styles = {"holiday": "red", "make-up": "bold yellow", "weekend": "dim"}
    for r in rows:
        table.add_row(r["date"], r["weekday"], r["kind"], ", ".join(r["intervals"]) or "-", r["holiday"] or "",
                      style=styles.get(r["kind"]))
    Console().print(table)

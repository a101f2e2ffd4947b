"""When something is due (issue 20): calendars chosen by the subject, durations as agreements write them,
deadlines from data and re-timing on a change, each on the small fixture policy
tests/fixtures/timing/policy.yaml (round test figures, in Europe/London). Expected instants are worked out
by hand in each docstring. Every replay runs on each rules-engine backend available here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from slapolicy.calendar.business import BusinessCalendar
from slapolicy.calendar.durations import parse_duration
from slapolicy.calendar.spec import CalendarSpec
from slapolicy.review.policydiff import diff_policies
from slapolicy.review.render import document
from slapolicy.review.words import Lang
from slapolicy.rules.engine import durable_available
from slapolicy.sim.outcome import ClockOutcome, ClockStatus, SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy

POLICY = FIXTURES / "timing" / "policy.yaml"
LONDON = ZoneInfo("Europe/London")
ENGINES = ["python"] + (["durable"] if durable_available() else [])
MET, BREACHED, RUNNING, CANCELLED = ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.RUNNING, ClockStatus.CANCELLED


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def at(text: str, zone: str = "Europe/London") -> float:
    """'2025-03-07 16:00' in a zone (London by default) as epoch seconds."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone)).timestamp()


def replay(engine: str, attributes: dict[str, Any], events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]],
           as_of: str = "2025-12-31 00:00", policy: Path = POLICY) -> SubjectOutcome:
    """One subject; events as ('2025-03-07 16:00', type[, more fields]) in London time."""
    evs = [{"at": dt.datetime.fromtimestamp(at(e[0]), LONDON).isoformat(), "type": e[1], **(e[2] if len(e) > 2 else {})}  # type: ignore[misc]
           for e in events]
    item = {"id": "T-1", "attributes": attributes, "events": evs}
    (outcome,) = simulate(PolicySet.of([open_policy(policy)]), [RawItem(item, 1)], engine, at(as_of))
    assert isinstance(outcome, SubjectOutcome), outcome
    return outcome


def clock(outcome: SubjectOutcome, metric: str) -> ClockOutcome:
    (found,) = [c for c in outcome.clocks if c.metric.id == metric]
    return found


# ---- durations as agreements write them -----------------------------------------------------------------

def test_days_of_working_hours_and_working_days_are_two_rules(engine: str) -> None:
    """A service desk's "3 Days" on a working-hours table is 3 x the day's working hours (09:00-17:00: 8 h,
    24 working hours); "by the end of the 3rd working day" is `3 working days`. Raised Monday 3 March 10:00:
    24 working hours are Mon 10-17 (7 h), Tue (15 h), Wed (23 h) and 1 h of Thursday: Thu 6 March 10:00; the end
    of the 3rd working day after Monday (Tue, Wed, Thu) is Thu 6 March 17:00."""
    hours = clock(replay(engine, {"severity": "P3"}, [("2025-03-03 10:00", "created")]), "resolution")
    assert hours.due == at("2025-03-06 10:00") and hours.target is not None and hours.target.duration.kind == "day_hours"
    days = clock(replay(engine, {"severity": "P4"}, [("2025-03-03 10:00", "created")]), "resolution")
    assert days.due == at("2025-03-06 17:00")


def test_a_share_of_days_of_working_hours_is_of_their_working_time(engine: str) -> None:
    """The 50 % warning of 3 days of working hours (24 h) comes after 12 working hours: Mon 10-17 (7 h), then 5 h
    of Tuesday from 09:00: Tue 4 March 14:00."""
    outcome = replay(engine, {"severity": "P3"}, [("2025-03-03 10:00", "created")])
    assert [e.at for e in outcome.escalations if e.step.id == "resolution-half"] == [at("2025-03-04 14:00")]


def test_days_of_working_hours_parse_as_their_own_kind() -> None:
    for text, amount in (("3 days of working hours", 3), ("1 day of working hours", 1), ("10 days  of working hours", 10)):
        d = parse_duration(text)
        assert (d.kind, d.amount, d.working_time) == ("day_hours", amount, True)
    assert not parse_duration("3 working days").working_time


DESK = BusinessCalendar(CalendarSpec("desk", "Europe/London", hours=(((540, 1020),),) * 5 + ((), ())))  # 09:00-17:00


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=3 * 365 * 86400), st.integers(min_value=1, max_value=30))
def test_n_days_of_working_hours_are_n_working_days_of_work(offset: int, n: int) -> None:
    """Whatever the start, the deadline of N days of working hours lies N x 8 working hours after it, and within
    working time (or at the end of a working interval)."""
    start = at("2024-01-01 00:00") + offset
    due = DESK.due_epoch(start, parse_duration(f"{n} days of working hours"))
    assert DESK.elapsed_epoch(start, due) == n * 8 * 3600
    assert DESK.elapsed_epoch(start, due - 1) < n * 8 * 3600


def rule_lines(lang: Lang) -> str:
    """The fixture policy's rules as `render` writes them in a language."""
    return "\n".join(line for s in document(open_policy(POLICY), lang).sections for r in s.rules for line in r.lines)


def test_render_prints_days_of_working_hours_as_written() -> None:
    text, zh = rule_lines("en"), rule_lines("zh")
    assert "resolution: 3 days of working hours (working days 09:00–17:00)" in text
    assert "resolution: 3 working days (working days 09:00–17:00)" in text
    assert "3 天的工作时间（工作日 09:00–17:00）" in zh


# ---- calendars chosen by the subject ----------------------------------------------------------------------

def test_the_customers_region_chooses_the_calendar_with_its_zone_and_holidays(engine: str) -> None:
    """8 working hours in the customer's headquarters' hours (08:00-18:00 local). Raised Thursday 3 July 2025
    16:00 London (BST) = 11:00 New York (EDT). A US customer: Thu 11:00-18:00 is 7 h, Friday 4 July is a US
    holiday, so the last hour is Mon 7 July 08:00-09:00 New York = 14:00 London. A UK customer: Thu 16-18 (2 h),
    Fri 4 July is worked in Britain: 6 h more, Fri 14:00 London."""
    us = clock(replay(engine, {"severity": "P2", "region": "us"}, [("2025-07-03 16:00", "created")]), "response")
    assert (us.due, us.calendar) == (at("2025-07-07 09:00", "America/New_York"), "new_york")
    assert us.due == at("2025-07-07 14:00")
    assert us.target is not None and us.target.chosen_by == "customer_hq"
    uk = clock(replay(engine, {"severity": "P2", "region": "uk"}, [("2025-07-03 16:00", "created")]), "response")
    assert (uk.due, uk.calendar) == (at("2025-07-04 14:00"), "london")


def test_a_subject_without_the_attribute_is_a_finding_not_silence(engine: str) -> None:
    """customer_hq maps uk and us and has no fallback: a ticket without a region has no calendar for its
    response target, so the target cannot be applied; the outcome says so (undecided_rule), naming the rule."""
    outcome = replay(engine, {"severity": "P2"}, [("2025-07-03 16:00", "created")])
    assert [c for c in outcome.clocks if c.metric.id == "response"] == []
    (finding,) = [f for f in outcome.findings if f.code == "undecided_rule"]
    assert "hq-response" in finding.message and "no 'region', by which calendar choice 'customer_hq'" in finding.message


def test_a_fallback_serves_a_subject_the_choice_does_not_map(engine: str) -> None:
    """customer_or_london maps us only, else London: a ticket without a region is timed on London's hours
    (Thu 3 July 16:00: 2 h on Thursday, 6 h on Friday: Fri 14:00); a US one on New York's."""
    none = clock(replay(engine, {"severity": "P3"}, [("2025-07-03 16:00", "created")]), "response")
    assert (none.due, none.calendar) == (at("2025-07-04 14:00"), "london")
    us = clock(replay(engine, {"severity": "P3", "region": "us"}, [("2025-07-03 16:00", "created")]), "response")
    assert (us.due, us.calendar) == (at("2025-07-07 14:00"), "new_york")


def test_a_measure_in_the_customers_hours(engine: str) -> None:
    """`handling` is measured, not timed, on customer_or_london: a US ticket raised Thu 3 July 11:00 New York and
    resolved Mon 7 July 10:00 New York ran Thu 11-18 (7 h) and Mon 08-10 (2 h): 9 working hours (Friday is a US
    holiday); a UK one over the same instants ran Thu 16-18, Fri 08-18 and Mon 08-15 London: 19 h."""
    events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]] = [("2025-07-03 16:00", "created"),
                                                                      ("2025-07-07 15:00", "resolved")]
    us = clock(replay(engine, {"severity": "P1", "region": "us"}, events), "handling")
    assert (us.status, us.calendar, us.elapsed_seconds) == (ClockStatus.UNTIMED, "new_york", 9 * 3600)
    uk = clock(replay(engine, {"severity": "P1", "region": "uk"}, events), "handling")
    assert (uk.calendar, uk.elapsed_seconds) == ("london", 19 * 3600)


def test_render_names_the_attribute_that_chooses_and_each_calendars_zone() -> None:
    policy = open_policy(POLICY)
    rows = [row for s in document(policy, "en").sections if s.anchor == "calendars" for t in s.tables for row in t.rows]
    assert ("customer_hq", "by the customer's headquarters: uk → london; us → new_york") in rows
    assert ("customer_or_london", "by the customer's headquarters: us → new_york; otherwise → london") in rows
    assert ("new_york", "working days 08:00–18:00 (America/New_York), US public holidays excepted") in rows
    zh = [row for s in document(policy, "zh").sections if s.anchor == "calendars" for t in s.tables for row in t.rows]
    assert ("customer_hq", "按客户总部所在地：uk → london；us → new_york") in zh


def test_diff_shows_a_changed_choice(tmp_path: Path) -> None:
    changed = tmp_path / "policy.yaml"
    changed.write_text(POLICY.read_text(encoding="utf-8").replace("calendars: {uk: london, us: new_york}}",
                                                                  "calendars: {uk: london, us: london}}"), encoding="utf-8")
    changes = diff_policies(open_policy(POLICY), open_policy(changed)).changes
    assert [(c.section, c.item, c.old, c.new) for c in changes if c.section == "calendars"] == [
        ("calendars", "customer_hq calendars", "uk: london; us: new_york", "uk: london; us: london")]
    (target,) = [c for c in changes if c.section == "targets"]
    assert target.item == "response for severity=P2" and "us: new_york" in (target.old or "") and "us: london" in (target.new or "")


# ---- deadlines from data ------------------------------------------------------------------------------------

PROMISE = "2025-03-04T15:00:00+00:00"  # Tuesday 4 March 15:00 London (GMT)


def test_within_five_days_or_as_agreed(engine: str) -> None:
    """`repair: {agreed: promised_at, within: 5 calendar days}`. Raised Monday 3 March 10:00 without a promise: the
    end of the 5th day after Monday, Saturday 8 March, i.e. Sunday 9 March 00:00. With a promise of Tuesday 15:00
    made at the call: due then, and a repair at Tuesday 14:00 meets it."""
    plain = clock(replay(engine, {"severity": "P1"}, [("2025-03-03 10:00", "created")]), "repair")
    assert (plain.due, plain.status) == (at("2025-03-09 00:00"), BREACHED)
    promised = clock(replay(engine, {"severity": "P1", "promised_at": PROMISE},
                            [("2025-03-03 10:00", "created"), ("2025-03-04 14:00", "resolved")]), "repair")
    assert (promised.due, promised.status) == (at("2025-03-04 15:00"), MET)
    assert promised.target is not None and promised.target.text == "agreed: promised_at, else 5 calendar days"


def test_an_agreement_counts_only_while_the_deadline_in_force_has_not_passed(engine: str) -> None:
    """A promise recorded Monday 17:00 (before the written deadline) moves the deadline to it: Tuesday 15:00. One
    recorded Sunday 9 March 10:00, after the written deadline (Sunday 00:00) had passed, does not undo the breach:
    still due Sunday 00:00. A promise re-made Tuesday 16:00, after the first (Tuesday 15:00) had passed, does not
    move it either; re-made Tuesday 12:00, while it still ran, it does: Wednesday 12:00."""
    def due(*updates: tuple[str, str]) -> float | None:
        events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]] = [("2025-03-03 10:00", "created")]
        events += [(when, "update", {"attributes": {"promised_at": promise}}) for when, promise in updates]
        return clock(replay(engine, {"severity": "P1"}, events), "repair").due

    assert due(("2025-03-03 17:00", PROMISE)) == at("2025-03-04 15:00")
    assert due(("2025-03-09 10:00", "2025-03-10T12:00:00+00:00")) == at("2025-03-09 00:00")
    assert due(("2025-03-03 17:00", PROMISE), ("2025-03-04 16:00", "2025-03-05T12:00:00+00:00")) == at("2025-03-04 15:00")
    assert due(("2025-03-03 17:00", PROMISE), ("2025-03-04 12:00", "2025-03-05T12:00:00+00:00")) == at("2025-03-05 12:00")


def test_a_time_agreed_for_it_is_counted_like_a_written_one(engine: str) -> None:
    """`{agreed: agreed_time, within: 8h, calendar: desk}`: raised Monday 3 March 10:00 with 3h agreed, due 13:00; with
    nothing agreed, 8 working hours of 09:00-17:00: 7 on Monday, 1 on Tuesday, Tuesday 10:00."""
    agreed = clock(replay(engine, {"severity": "P2", "agreed_time": "3h"}, [("2025-03-03 10:00", "created")]), "repair")
    assert agreed.due == at("2025-03-03 13:00")
    written = clock(replay(engine, {"severity": "P2"}, [("2025-03-03 10:00", "created")]), "repair")
    assert written.due == at("2025-03-04 10:00")


def test_a_time_agreed_that_is_not_a_duration_is_a_rejection(engine: str) -> None:
    raw = [RawItem({"id": "T-1", "attributes": {"severity": "P2", "agreed_time": "soon"},
                    "events": [{"at": "2025-03-03T10:00:00+00:00", "type": "created"}]}, 1)]
    (outcome,) = simulate(PolicySet.of([open_policy(POLICY)]), raw, engine, at("2025-12-31 00:00"))
    assert not isinstance(outcome, SubjectOutcome)
    assert [r.code for r in outcome.reasons] == ["bad_duration"]
    assert "agreed_time: 'soon' is not a duration" in outcome.reasons[0].message


def test_due_only_as_agreed_without_an_agreement_is_a_finding(engine: str) -> None:
    """`{agreed: promised_at}` and no written fallback: a ticket without a promise is measured (untimed) and carries an
    undecided_rule finding naming the rule; with one it is judged by it."""
    outcome = replay(engine, {"severity": "P3"}, [("2025-03-03 10:00", "created"), ("2025-03-04 14:00", "resolved")])
    repair = clock(outcome, "repair")
    assert (repair.status, repair.due, repair.elapsed_seconds) == (ClockStatus.UNTIMED, None, 28 * 3600)
    (finding,) = [f for f in outcome.findings if f.code == "undecided_rule"]
    assert "agreed-only" in finding.message and "no 'promised_at', the time agreed for it" in finding.message
    judged = clock(replay(engine, {"severity": "P3", "promised_at": PROMISE},
                          [("2025-03-03 10:00", "created"), ("2025-03-04 16:00", "resolved")]), "repair")
    assert (judged.due, judged.status) == (at("2025-03-04 15:00"), BREACHED)


def test_a_day_agreed_is_due_at_its_end(engine: str) -> None:
    """`{agreed: promised_day, within: 1 calendar day}` with 5 March promised: due at the end of Wednesday 5 March."""
    repair = clock(replay(engine, {"severity": "P4", "promised_day": "2025-03-05"}, [("2025-03-03 10:00", "created")]), "repair")
    assert repair.due == at("2025-03-06 00:00")


def test_a_share_of_an_agreed_time_is_of_the_time_to_it(engine: str) -> None:
    """Raised Monday 10:00 with a promise of Tuesday 10:00 (24 h of clock time): the 50 % warning at Monday 22:00."""
    outcome = replay(engine, {"severity": "P1", "promised_at": "2025-03-04T10:00:00+00:00"}, [("2025-03-03 10:00", "created")])
    assert [e.at for e in outcome.escalations if e.step.id == "repair-half"] == [at("2025-03-03 22:00")]


def test_render_writes_as_agreed() -> None:
    text, zh = rule_lines("en"), rule_lines("zh")
    assert "repair: as agreed (the time promised), else 5 calendar days" in text
    assert "repair: as agreed (the time promised)" in text
    assert "repair：按约定（答应客户的时间），未约定时 5 个自然日" in zh


def test_a_coverage_window_is_never_agreed(tmp_path: Path) -> None:
    from slapolicy.policy.loader import load_file
    from slapolicy.validate.validation import validate_document

    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.read_text(encoding="utf-8") + "objectives:\n  - {id: called, measure: coverage, proof: resolved, "
                    "within: {agreed: promised_at, within: 1h}, min: 100%, period: month}\n", encoding="utf-8")
    found = [(d.code, d.message) for d in validate_document(load_file(path)[0])[1]]
    assert found == [("SLA104", "a coverage window is the policy's own time for the proof, not one agreed with a subject; "
                                "write it with `within`")]


# ---- events with a filter on their own fields -------------------------------------------------------------

def test_a_clock_starts_on_the_assignment_to_its_group_only(engine: str) -> None:
    """`contact` starts on `{assigned: {group: technical_support}}` and stops on a contact by an engineer: a ticket
    given to the service desk at 09:02 and to technical support at 09:30 has its clock start at 09:30 (due 10:00,
    30m); a contact by the desk at 09:40 does not stop it, the engineer's at 09:50 does: met."""
    outcome = replay(engine, {"severity": "P4"}, [
        ("2025-03-03 09:00", "created"),
        ("2025-03-03 09:02", "assigned", {"group": "service_desk", "assignee": "Ann"}),
        ("2025-03-03 09:30", "assigned", {"group": "technical_support", "assignee": "Bo"}),
        ("2025-03-03 09:40", "contacted", {"role": "desk"}),
        ("2025-03-03 09:50", "contacted", {"role": "engineer"})])
    contact = clock(outcome, "contact")
    assert (contact.started, contact.due, contact.stopped, contact.status) == (
        at("2025-03-03 09:30"), at("2025-03-03 10:00"), at("2025-03-03 09:50"), MET)


def test_an_assignment_to_another_group_starts_nothing(engine: str) -> None:
    outcome = replay(engine, {"severity": "P4"}, [
        ("2025-03-03 09:00", "created"), ("2025-03-03 09:02", "assigned", {"group": "service_desk"})])
    assert [c for c in outcome.clocks if c.metric.id == "contact"] == []


# ---- re-timing on a change of severity ----------------------------------------------------------------------

def test_a_raised_severity_is_timed_from_the_change_or_from_the_start_as_the_metric_says(engine: str) -> None:
    """A P2 (plan 4h) raised at 10:00 Monday, raised to P1 (2h) at 11:00: `plan` (retime_from: change) is due 13:00,
    2h from the change; `plan_from_start` 12:00, 2h from the start. Lowered instead, a P1 of 10:00 (due 12:00)
    made P2 at 11:30: due 15:30 from the change, 14:00 from the start."""
    raised = replay(engine, {"severity": "P2"}, [("2025-03-03 10:00", "created"),
                                                  ("2025-03-03 11:00", "update", {"attributes": {"severity": "P1"}})])
    assert (clock(raised, "plan").due, clock(raised, "plan_from_start").due) == (at("2025-03-03 13:00"), at("2025-03-03 12:00"))
    lowered = replay(engine, {"severity": "P1"}, [("2025-03-03 10:00", "created"),
                                                   ("2025-03-03 11:30", "update", {"attributes": {"severity": "P2"}})])
    assert (clock(lowered, "plan").due, clock(lowered, "plan_from_start").due) == (at("2025-03-03 15:30"), at("2025-03-03 14:00"))
    assert clock(lowered, "plan").started == at("2025-03-03 10:00")  # the clock itself still runs from its start


def test_a_target_retimed_from_the_change_counts_only_the_pauses_after_it(engine: str) -> None:
    """P2 at 10:00 (4h), on hold 10:30-11:00, raised to P1 (2h) at 11:30, on hold again 12:00-12:30: from the change,
    11:30 + 2h + the later 30 min = 14:00 (the earlier pause was before the P1's time began); from the start,
    10:00 + 2h + both pauses (1h) = 13:00."""
    outcome = replay(engine, {"severity": "P2"}, [
        ("2025-03-03 10:00", "created"), ("2025-03-03 10:30", "on_hold"), ("2025-03-03 11:00", "off_hold"),
        ("2025-03-03 11:30", "update", {"attributes": {"severity": "P1"}}),
        ("2025-03-03 12:00", "on_hold"), ("2025-03-03 12:30", "off_hold")])
    assert (clock(outcome, "plan").due, clock(outcome, "plan_from_start").due) == (at("2025-03-03 14:00"),
                                                                                  at("2025-03-03 13:00"))


def test_the_steps_of_a_retimed_target_are_timed_from_the_change(engine: str) -> None:
    """P2 at 10:00 (4h: its 50 % warning would be 12:00), raised to P1 at 10:30: the P1's 50 % of 2h from the change
    is 11:30; the P2's 12:00 falls after its segment ended and does not fire."""
    outcome = replay(engine, {"severity": "P2"}, [("2025-03-03 10:00", "created"),
                                                   ("2025-03-03 10:30", "update", {"attributes": {"severity": "P1"}})])
    assert [e.at for e in outcome.escalations if e.step.id == "plan-half"] == [at("2025-03-03 11:30")]


# ---- a deadline before an appointment, owed only when the engineer is late ---------------------------------------

APPOINTMENT = {"severity": "P4", "appointment_at": "2025-03-12T14:00:00+00:00"}  # Wednesday 12 March 14:00


def test_an_arrival_in_time_excuses_the_delay_notice(engine: str) -> None:
    """Due 30 minutes before a 14:00 appointment (13:30); the engineer arrives at 13:55, told nobody: the notice was
    never owed (cancelled, no verdict), though 13:30 has passed, and its breach step does not fire."""
    outcome = replay(engine, APPOINTMENT, [("2025-03-10 10:00", "created"), ("2025-03-12 13:55", "on_site_arrived")])
    notice = clock(outcome, "delay_notice")
    assert (notice.due, notice.status, notice.cancelled) == (at("2025-03-12 13:30"), CANCELLED, at("2025-03-12 13:55"))
    assert [e for e in outcome.escalations if e.step.id == "delay-missed"] == []


def test_a_late_arrival_without_notice_is_a_breach_found_from_the_times(engine: str) -> None:
    """Arrived at 14:20, after the 14:00 appointment, nobody told: breached at 13:30, its breach step fired then."""
    outcome = replay(engine, APPOINTMENT, [("2025-03-10 10:00", "created"), ("2025-03-12 14:20", "on_site_arrived")])
    notice = clock(outcome, "delay_notice")
    assert (notice.status, notice.breached_at) == (BREACHED, at("2025-03-12 13:30"))
    assert [e.at for e in outcome.escalations if e.step.id == "delay-missed"] == [at("2025-03-12 13:30")]


def test_until_the_appointment_passes_a_missing_notice_is_not_yet_a_breach(engine: str) -> None:
    """At 13:45 (after 13:30, before the 14:00 appointment) the engineer may still arrive in time: running, not
    breached, no breach step; at 14:05 with nobody there, the notice was owed: breached at 13:30."""
    events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]] = [("2025-03-10 10:00", "created")]
    early = replay(engine, APPOINTMENT, events, as_of="2025-03-12 13:45")
    assert clock(early, "delay_notice").status is RUNNING
    assert [e for e in early.escalations if e.step.id == "delay-missed"] == []
    late = replay(engine, APPOINTMENT, events, as_of="2025-03-12 14:05")
    assert (clock(late, "delay_notice").status, clock(late, "delay_notice").breached_at) == (BREACHED, at("2025-03-12 13:30"))


def test_a_notice_is_judged_by_the_appointment_as_it_stood_before_it(engine: str) -> None:
    """The notice given at 14:10 moves the appointment to 16:00 (a new time agreed): it is judged by the 14:00
    appointment it concerned, due 13:30, so it came late; one at 13:00 moving it to 16:00 was in time."""
    moved = {"attributes": {"appointment_at": "2025-03-12T16:00:00+00:00"}}
    late = replay(engine, APPOINTMENT, [("2025-03-10 10:00", "created"), ("2025-03-12 14:10", "delay_notified", moved)])
    assert (clock(late, "delay_notice").due, clock(late, "delay_notice").status) == (at("2025-03-12 13:30"), BREACHED)
    early = replay(engine, APPOINTMENT, [("2025-03-10 10:00", "created"), ("2025-03-12 13:00", "delay_notified", moved)])
    assert (clock(early, "delay_notice").due, clock(early, "delay_notice").status) == (at("2025-03-12 13:30"), MET)


def _found(tmp_path: Path, old: str, new: str) -> list[tuple[str, str]]:
    """The diagnostics of the fixture policy with one line of it rewritten."""
    from slapolicy.policy.loader import load_file
    from slapolicy.validate.validation import validate_document

    text = POLICY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [(d.code, d.message) for d in validate_document(load_file(path)[0])[1]]


def test_an_event_filter_reads_only_the_events_own_fields(tmp_path: Path) -> None:
    found = _found(tmp_path, "{assigned: {group: technical_support}}", "{assigned: {severity: P1}}")
    assert found == [("SLA104", "'severity' is not a field of an event; a filter reads the event's actor, role, "
                                "assignee, group")]


def test_an_event_filter_names_a_declared_role(tmp_path: Path) -> None:
    found = _found(tmp_path, "{contacted: {role: engineer}}", "{contacted: {role: enginer}}")
    assert [code for code, _ in found] == ["SLA201"] and "unknown role 'enginer'" in found[0][1]


def test_owed_if_late_needs_a_date_to_be_late_for(tmp_path: Path) -> None:
    found = _found(tmp_path, "delay_notice: {before: appointment_at, ", "delay_notice: {start: created, ")
    assert found == [("SLA104", "owed_if_late says when a deadline before a date is owed: give the metric "
                                "`before: ATTRIBUTE` (the appointment), or leave it out")]


def test_render_writes_the_filter_the_re_timing_and_when_a_notice_is_owed() -> None:
    en = "\n".join(cell for s in document(open_policy(POLICY), "en").sections for t in s.tables for row in t.rows
                   for cell in row)
    assert "assigned (group = technical_support)" in en
    assert "created; a changed target is measured from the change" in en
    assert "arrived on site in time (owed only if it is late)" in en


def test_diff_shows_a_metric_retimed_from_the_change(tmp_path: Path) -> None:
    new = tmp_path / "policy.yaml"
    text, written = POLICY.read_text(encoding="utf-8"), "plan_from_start: {start: created, stop: plan_proposed,"
    assert written in text
    new.write_text(text.replace(written, written + " retime_from: change,"), encoding="utf-8")
    changes = diff_policies(open_policy(POLICY), open_policy(new)).changes
    assert [(c.section, c.item, c.old, c.new) for c in changes] == [
        ("metrics", "plan_from_start retime_from", "start", "change")]


_NAMES = st.sampled_from(["created", "assigned", "contacted", "resolved"])
_FILTERS = st.fixed_dictionaries({}, optional={"group": st.sampled_from(["desk", "support"]),
                                               "role": st.sampled_from(["engineer", "lead"])}).filter(bool)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_NAMES, st.builds(lambda e, f: {e: f}, _NAMES, _FILTERS)), min_size=1, max_size=6))
def test_event_items_keep_each_type_once_and_filter_only_where_every_mention_filters(items: list[Any]) -> None:
    """Types in first-mention order, once each; a type with a filter only if it is never also written plainly."""
    from slapolicy.policy.conditions import event_items

    types, filters = event_items(items)
    mentioned = [i if isinstance(i, str) else next(iter(i)) for i in items]
    assert types == tuple(dict.fromkeys(mentioned))
    plain = {i for i in items if isinstance(i, str)}
    assert set(filters) == {t for t in types if t not in plain}


def test_the_board_lists_a_clock_due_as_agreed_with_its_agreement(engine: str) -> None:
    """A P3 repair due only as promised (15:00 Tuesday), open at Tuesday 12:00: `slapolicy due` lists it due
    then, its target written as the policy writes it (before: the board read a written duration and failed)."""
    from slapolicy.kpi.board import Board

    outcome = replay(engine, {"severity": "P3", "promised_at": PROMISE}, [("2025-03-03 10:00", "created")],
                     as_of="2025-03-04 12:00")
    board = Board(at("2025-03-04 12:00"), LONDON)
    board.add((outcome,))
    (repair,) = [c for _, c in board.due() if c.metric.id == "repair"]
    assert (repair.target, repair.due) == ("agreed: promised_at", at("2025-03-04 15:00"))

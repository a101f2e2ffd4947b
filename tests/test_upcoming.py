"""The simulator's API for a live service (`slapolicy serve`): a replay as of another instant without
rebuilding the per-version caches (`Replayer.retime`), and the escalations still to come if nothing
else happens (`SubjectOutcome.upcoming`), which must be exactly what the same replay at a later as_of
fires."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import ROOT
from slapolicy.calendar.instants import parse_instant
from slapolicy.rules.engine import durable_available, get_backend
from slapolicy.sim.generate import generate
from slapolicy.sim.outcome import EscalationFiring, SubjectOutcome
from slapolicy.sim.simulator import Replayer
from slapolicy.sim.tickets import Ticket, ticket_from_data
from slapolicy.validate.repository import open_policy_set

POLICIES = open_policy_set(ROOT / "policies" / "after-sales")
TZ = POLICIES.tz
ENGINES = ["python", "durable"] if durable_available() else ["python"]


def at(text: str) -> float:
    return parse_instant(text, TZ)


def ticket(severity: str, *events: tuple[str, str]) -> Ticket:
    data = {"id": "U-1", "attributes": {"severity": severity, "tier": "standard", "channel": "hotline", "category": "technical",
                                        "customer": "甲", "product": "ERP", "problem_code": "E-1"},
            "events": [{"at": when, "type": kind} for when, kind in events]}
    return ticket_from_data(data, 1, TZ)


def outcome(replayer: Replayer, subject: Ticket) -> SubjectOutcome:
    found = replayer.outcome(subject)
    assert isinstance(found, SubjectOutcome), found
    return found


def listed(firings: tuple[EscalationFiring, ...]) -> list[tuple[str, str | None, int, float]]:
    return [(e.step.metric, e.step.id, e.repeat, e.at) for e in firings]


def test_upcoming_of_a_new_severity_1_ticket_worked_out_by_hand() -> None:
    """Seed 000: 一级紧急问题…需15分钟内响应,2小时内提出解决方案. Created Monday 2025-03-10 09:00 (clock
    time, the `24x7` calendar): the response is due 09:15 and the plan 11:00. The policy's escalations
    (its choices, not the regulation's): a warning at 75 % of each target (11 min 15 s: 09:11:15; 90 min:
    10:30), the breach itself, and the vice GM 4 h after a missed P1 plan (15:00). At 09:05 none has fired
    and each is still to come."""
    replayer = Replayer(POLICIES, get_backend("python"), at("2025-03-10T09:05:00+08:00"), upcoming=True)
    o = outcome(replayer, ticket("P1", ("2025-03-10T09:00:00+08:00", "created")))
    assert o.escalations == ()
    assert listed(o.upcoming) == [
        ("first_response", "fr-warn", 0, at("2025-03-10T09:11:15+08:00")),
        ("first_response", "fr-breach", 0, at("2025-03-10T09:15:00+08:00")),
        ("resolution_plan", "plan-warn", 0, at("2025-03-10T10:30:00+08:00")),
        ("resolution_plan", "plan-breach", 0, at("2025-03-10T11:00:00+08:00")),
        ("resolution_plan", "plan-vice-gm", 0, at("2025-03-10T15:00:00+08:00")),
    ]


def test_upcoming_names_the_next_repetition_and_stops_with_the_clock() -> None:
    """Seed 000: 二级重要问题…需30分钟内响应,4小时内处理. Created 09:00, responded 09:10: the resolution is
    due 13:00. The policy repeats the vice GM's step every 4 h, three times in all, from breach + 4 h:
    17:00, 21:00, 01:00. At 18:00 the first has fired (repetition 0) and the next (repetition 1, 21:00)
    is to come; the met response has nothing to come. Once resolved, nothing is to come at all."""
    as_of = at("2025-03-10T18:00:00+08:00")
    replayer = Replayer(POLICIES, get_backend("python"), as_of, upcoming=True)
    events = [("2025-03-10T09:00:00+08:00", "created"), ("2025-03-10T09:10:00+08:00", "responded")]
    o = outcome(replayer, ticket("P2", *events))
    assert ("resolution", "res-vice-gm", 0, at("2025-03-10T17:00:00+08:00")) in listed(o.escalations)
    assert [u for u in listed(o.upcoming) if u[0] != "registration"] == [
        ("resolution", "res-vice-gm", 1, at("2025-03-10T21:00:00+08:00"))]
    done = outcome(replayer, ticket("P2", *events, ("2025-03-10T17:30:00+08:00", "resolved")))
    assert [u for u in done.upcoming if u.step.metric == "resolution"] == []


def test_upcoming_is_off_unless_asked_for() -> None:
    replayer = Replayer(POLICIES, get_backend("python"), at("2025-03-10T09:05:00+08:00"))
    assert outcome(replayer, ticket("P1", ("2025-03-10T09:00:00+08:00", "created"))).upcoming == ()


def test_a_paused_clock_has_nothing_to_come() -> None:
    """A paused clock's due time moves while it stays paused: no instant of it is known."""
    as_of = at("2025-03-10T09:30:00+08:00")
    replayer = Replayer(POLICIES, get_backend("python"), as_of, upcoming=True)
    paused = ticket("P2", ("2025-03-10T09:00:00+08:00", "created"), ("2025-03-10T09:05:00+08:00", "responded"))
    paused.events.append(paused.events[-1]._replace(at=at("2025-03-10T09:20:00+08:00"), type="status",
                                                     status="waiting_on_customer"))
    o = outcome(replayer, paused)
    resolution = next(c for c in o.clocks if c.metric.id == "resolution")
    assert resolution.paused
    assert [u for u in o.upcoming if u.step.metric == "resolution"] == []


def _history(n: int) -> list[dict[str, Any]]:
    return list(generate(POLICIES.latest, n, seed=21, start=dt.date(2025, 3, 3), days=20))


@pytest.mark.parametrize("engine", ENGINES)
def test_upcoming_is_what_a_later_replay_fires(engine: str) -> None:
    """Cut each generated ticket at an instant inside its life, and replay it as of that instant: each
    upcoming firing is the next firing of its step on its clock in a replay of the same events as of
    30 days later, and every step of a clock still running unpaused that fires later has one."""
    backend = get_backend(engine)
    checked = 0
    for data in _history(150):
        full = ticket_from_data(data, 1, TZ)
        cut_at = (full.events[0].at + full.events[-1].at) / 2 + 60
        cut = Ticket(full.id, 1, full.attributes, [e for e in full.events if e.at <= cut_at], full.kind)
        now = outcome(Replayer(POLICIES, backend, cut_at, upcoming=True), cut)
        later = outcome(Replayer(POLICIES, backend, cut_at + 30 * 86400), cut)
        running = {(c.metric.id, c.cycle) for c in now.clocks if c.stopped is None and c.cancelled is None
                   and c.failed is None and not c.paused and c.due is not None}
        expected = {}
        for e in later.escalations:
            key = (e.step.metric, e.cycle, e.step)
            if e.at >= cut_at and (e.step.metric, e.cycle) in running and key not in expected:
                expected[key] = (e.at, e.repeat)
        got = {(e.step.metric, e.cycle, e.step): (e.at, e.repeat) for e in now.upcoming}
        assert got == expected, full.id
        checked += len(got)
    assert checked > 50  # the cut finds many clocks with steps to come


@pytest.mark.parametrize("engine", ENGINES)
def test_retime_replays_as_a_new_replayer_would(engine: str) -> None:
    """The same Replayer moved from instant to instant gives what a Replayer built at each gives."""
    backend = get_backend(engine)
    tickets = [ticket_from_data(d, n, TZ) for n, d in enumerate(_history(60), 1)]
    moving = Replayer(POLICIES, backend, at("2025-03-01T00:00:00+08:00"), upcoming=True)
    for day in (5, 9, 14, 30):
        as_of = at(f"2025-03-{day:02d}T12:00:00+08:00") if day <= 28 else at("2025-04-30T12:00:00+08:00")
        moving.retime(as_of)
        fresh = Replayer(POLICIES, backend, as_of, upcoming=True)
        for t in tickets:
            assert moving.outcome(t) == fresh.outcome(t), (t.id, day)

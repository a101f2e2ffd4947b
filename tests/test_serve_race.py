"""A recurring-problem match is found, and its step fired, only with every peer's part in the
correlation as of the step's instant (issue 21, the fault run's extra `improvement-to-rnd`): M1 is
posted ahead of its creation, and M2, M3, M4 (the same customer, product and problem) arrive once M1's
creation is past but before any replay has brought M1 in (the scheduler has not run, or another
instance holds M1). The simulator matches M1, M2, M3 (M3 completes it) and gives M4 none; a service
that counted M2, M3, M4 fired M4's `improvement-to-rnd`, and a fired step is not taken back."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from serve_cases import Clock, Running, database, postgres_url, running
from slapolicy.calendar.instants import parse_instant
from slapolicy.serve.config import Deployment
from slapolicy.serve.documents import dedupe_key
from slapolicy.sim.outcome import SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import open_policy_set

POLICY_DIR = ROOT / "policies" / "after-sales"
POLICIES = open_policy_set(POLICY_DIR)
ATTRIBUTES = {"severity": "P3", "tier": "standard", "channel": "hotline", "category": "technical", "customer": "甲",
              "product": "ERP", "problem_code": "E-7"}
CREATED = {"M1": "2025-03-10T09:00:00+08:00", "M2": "2025-03-10T10:00:00+08:00", "M3": "2025-03-10T10:10:00+08:00",
           "M4": "2025-03-10T10:20:00+08:00"}
HISTORY = [{"id": m, "attributes": ATTRIBUTES, "events": [{"at": when, "type": "created"}]} for m, when in CREATED.items()]
END = parse_instant("2025-04-30T00:00:00+08:00", POLICIES.tz)


def at(text: str) -> float:
    return parse_instant(text, POLICIES.tz)


def post(live: Running, subject: str) -> None:
    event = {"event_id": f"{subject}#0", "ticket_id": subject, "at": CREATED[subject], "type": "created", "attributes": ATTRIBUTES}
    answer = live.api.post("/events", json=event)
    assert answer.status_code == 202, answer.json()


def expected() -> set[str]:
    outcomes = simulate(POLICIES, [RawItem(t, n) for n, t in enumerate(HISTORY, 1)], None, END)
    keys = {dedupe_key(o.id, e) for o in outcomes if isinstance(o, SubjectOutcome) for e in o.escalations}
    assert "M3/improvement_record/1/improvement-to-rnd/0" in keys  # the match is M3's
    assert not any(k.startswith("M4/improvement_record/") for k in keys)
    return keys


def fired(live: Running) -> set[str]:
    return {key for key, *_ in live.service.call(lambda tx: tx.firings(since=0.0, limit=10**6))}


def finish(live: Running) -> None:
    """The scheduler as of now, then once the history is over; every step fired is the simulator's."""
    live.service.tick()
    live.clock.now = END
    live.service.tick()
    assert fired(live) == expected()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_peer_posted_ahead_is_counted_before_a_step_of_the_match_fires(kind: str, tmp_path: Path) -> None:
    """M4's own event replays it while M1's creation is past but not yet replayed (no scheduler run
    between): M4's step of a match must wait for M1's part."""
    clock = Clock(at("2025-03-10T08:00:00+08:00"))
    with running(POLICIES, str(POLICY_DIR), Deployment(database=database(kind, tmp_path)), clock) as live:
        post(live, "M1")  # ahead of its creation
        for subject in ("M2", "M3", "M4"):
            clock.now = at(CREATED[subject])
            post(live, subject)
        finish(live)


@contextlib.contextmanager
def held(url: str, subject: str) -> Iterator[Any]:
    """A subject's row locked as a second instance's scheduler holds what it claimed, until the block ends."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("SELECT id FROM subjects WHERE id = %s FOR UPDATE", (subject,))
        yield conn
        conn.rollback()


def test_a_peer_another_instance_holds_is_counted_before_a_step_of_the_match_fires() -> None:
    """Every creation posted ahead, then the clock past them all at once (the fault run): while another
    instance holds M1, this one replays M2, M3, M4 and must not fire M4's step of a match without M1."""
    url = postgres_url()
    clock = Clock(at("2025-03-10T08:00:00+08:00"))
    with running(POLICIES, str(POLICY_DIR), Deployment(database=url), clock) as live:
        for subject in CREATED:
            post(live, subject)
        clock.now = at("2025-03-10T10:30:00+08:00")
        with held(url, "M1"):
            assert live.service.tick() == 3  # M2, M3, M4: M1 is the other instance's
        finish(live)


def at_once(first: dict[str, Any], second: dict[str, Any]) -> tuple[int | str, int | str, list[str]]:
    """Instance A applies `first` and has not committed yet when instance B is given `second`: both answers'
    statuses (or the error a transaction failed with), and the event types of the subject stored after both."""
    import threading

    from slapolicy.serve.live import Live
    from slapolicy.serve.store import PostgresStore

    url = postgres_url()
    deployment = Deployment(database=url)
    now = at("2025-03-10T09:30:00+08:00")
    stores = [PostgresStore(url), PostgresStore(url)]
    lives = [Live(POLICIES, None, deployment, now), Live(POLICIES, None, deployment, now)]
    a_applied, b_asked = threading.Event(), threading.Event()
    answers: dict[str, int | str] = {}

    def instance_a(tx: Any) -> None:
        answers["a"] = lives[0].ingest(tx, [first], now)[0].status
        a_applied.set()
        b_asked.wait(10)
        time.sleep(0.3)  # B has read the subject by now, unless it waits for A

    def instance_b() -> None:
        a_applied.wait(10)
        b_asked.set()
        try:
            answers["b"] = stores[1].run(lambda tx: lives[1].ingest(tx, [second], now)[0].status)
        except Exception as exc:  # reported as the test's answer, not lost in the thread
            answers["b"] = type(exc).__name__

    try:
        b = threading.Thread(target=instance_b)
        b.start()
        stores[0].run(instance_a)
        b.join(30)
        row = stores[0].run(lambda tx: tx.subject(str(first["ticket_id"]), lock=False), write=False)
        assert row is not None
        return answers["a"], answers["b"], [e["type"] for e in json.loads(row.body)["events"]]
    finally:
        for store in stores:
            store.close()


FIRST = {"event_id": "R1#0", "ticket_id": "R1", "at": "2025-03-10T09:00:00+08:00", "type": "created", "attributes": ATTRIBUTES}


def test_two_instances_given_events_of_one_new_subject_at_once_keep_both() -> None:
    """B must wait for A's subject (the subject's advisory lock) and apply its event to it. Without the lock,
    B finds no R1 and refuses its event as coming before the creation (422); an event B could apply alone
    would create R1 without A's, and B's write after A's commit would drop what A accepted."""
    second = {"event_id": "R1#1", "ticket_id": "R1", "at": "2025-03-10T09:10:00+08:00", "type": "registered"}
    assert at_once(FIRST, second) == (202, 202, ["created", "registered"])


def test_one_event_posted_to_two_instances_at_once_is_applied_once() -> None:
    """A client's retry reaches another instance while the first still applies the event: B, having waited
    for the subject, must read the event A stored and answer it as a repeat (reading the events before the
    wait, B applied it a second time and its batch failed on the events' key)."""
    assert at_once(FIRST, dict(FIRST)) == (202, 200, ["created"])

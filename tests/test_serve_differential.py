"""The service decides what `simulate` decides (issue 21, item 5): a generated history's events are
posted in the order they happened, with the service's clock at each event's instant and the
scheduler run at every instant the service says its subjects next change, and at the end every
subject's state (clocks, statuses, due times, escalations) equals `simulate` of the same history as
of the same instant, and the steps the service fired are the simulator's, escalation by escalation,
each fired at its instant. On SQLite, on PostgreSQL, and on two instances sharing PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from pathlib import Path

import pytest

from conftest import ROOT
from serve_cases import Clock, Running, database, events_of, postgres_url, running
from slapolicy.output.encode import Encoder
from slapolicy.serve.config import Deployment
from slapolicy.serve.documents import dedupe_key
from slapolicy.sim.generate import generate
from slapolicy.sim.outcome import SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import open_policy_set

POLICY_DIR = ROOT / "policies" / "after-sales"
POLICIES = open_policy_set(POLICY_DIR)
HISTORY = list(generate(POLICIES.latest, 400, seed=2021, start=dt.date(2025, 9, 26), days=16, calls=True))
EVENTS = events_of(HISTORY, POLICIES.tz)
END = EVENTS[-1][0] + 3 * 86400


def replay(instances: list[Running]) -> None:
    """Post every event (to the instances in turn), moving the clock to each instant the service will
    next change at before it, and running the scheduler there (on every instance at once)."""
    clock = instances[0].clock
    pool = concurrent.futures.ThreadPoolExecutor(len(instances))

    def run_until(t: float) -> None:
        while True:
            wake = instances[0].service.call(lambda tx: tx.next_wake())
            if wake is None or wake >= t:
                return
            clock.now = max(clock.now, wake + 0.001)
            list(pool.map(lambda r: r.service.tick(), instances))

    for n, (at, event) in enumerate(EVENTS):
        run_until(at)
        clock.now = max(clock.now, at)
        answer = instances[n % len(instances)].api.post("/events", json=event)
        assert answer.status_code == 202, answer.json()
    run_until(END)
    clock.now = END
    list(pool.map(lambda r: r.service.tick(), instances))
    pool.shutdown()


def compare(live: Running) -> None:
    expected = simulate(POLICIES, [RawItem(t, n) for n, t in enumerate(HISTORY, 1)], None, END)
    encoder = Encoder()
    fired_total = 0
    for outcome in expected:
        assert isinstance(outcome, SubjectOutcome), outcome
        state = live.api.get(f"/tickets/{outcome.id}", "/tickets/{id}").json()
        want = encoder.outcome(outcome)
        got = state["ticket"]
        want.pop("line"), got.pop("line")
        assert got == want, outcome.id
        fired = [(f["dedupe_key"], f["at"]) for f in state["fired"]]
        assert sorted(fired) == sorted((dedupe_key(outcome.id, e), encoder.iso(e.at, outcome.policy.tz)) for e in outcome.escalations)
        for f in state["fired"]:  # each at its instant: the scheduler ran then, or the event that revealed it came then
            lag = dt.datetime.fromisoformat(f["fired_at"]).timestamp() - dt.datetime.fromisoformat(f["at"]).timestamp()
            assert 0 <= lag <= 0.01 and not f["late"], f
        fired_total += len(fired)
    assert fired_total > 100  # the history escalates often enough to say something
    assert any(o.escalations and any(e.repeat for e in o.escalations) for o in expected if isinstance(o, SubjectOutcome))
    assert any(f.code == "recurrence" for o in expected if isinstance(o, SubjectOutcome) for f in o.findings)  # correlations too


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_service_decides_what_simulate_decides(kind: str, tmp_path: Path) -> None:
    clock = Clock(EVENTS[0][0])
    with running(POLICIES, str(POLICY_DIR), Deployment(database=database(kind, tmp_path)), clock) as live:
        replay([live])
        compare(live)


def test_two_instances_on_postgresql_fire_each_step_exactly_once() -> None:
    """Events go to two instances in turn and both run the scheduler at the same moments: the row locks
    (FOR UPDATE SKIP LOCKED) and the dedupe key make each step fire once, counted once."""
    deployment = Deployment(database=postgres_url())
    clock = Clock(EVENTS[0][0])
    with running(POLICIES, str(POLICY_DIR), deployment, clock) as one, running(POLICIES, str(POLICY_DIR), deployment, clock) as two:
        replay([one, two])
        compare(one)
        counted = [r.service.metrics.counts["escalations_fired"] for r in (one, two)]
        firings = one.service.call(lambda tx: len(tx.firings(since=0.0, limit=10**6)))
        assert sum(counted) == firings
        deliveries = one.service.call(lambda tx: tx.deliveries(state="unrouted", limit=10**6))
        assert len(deliveries) == len({d.id for d in deliveries}) >= firings

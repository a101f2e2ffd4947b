"""The fault run of `slapolicy serve` (issue 21, "Measured"): real server processes (uvicorn, one
or two on one database), a generated history's events streamed to them, `kill -9` of one of them in
the middle of the stream, a restart, the stream resent from before its first unacknowledged event (so
repeats are answered); then the servers' clock moved past the history, so the scheduler fires every
escalation at once, and a second `kill -9` in the middle of those firings and deliveries. Checked:
zero acknowledged events lost, every escalation delivered at least once and recorded once per dedupe
key, final states equal to the simulator's. tests/test_serve_fault.py runs it small;
benchmarks/serve_bench.py --fault runs it with 50 000 events.

The servers run with a clock of their own (`python serve_fault.py serve … INSTANT`: the service's now
starts at INSTANT and runs at the real pace). While the events stream in, now is a day before the
history begins: a live service would otherwise fire, correctly, every step due for a ticket known
open so far (years of them for a history of 2025 posted today), steps the finished history does not
have. The history is the part of a generated one whose outcome no longer changes with time (every
clock of it finished), so the states at the end compare with `simulate` at any later instant."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from serve_cases import Receiver, events_of
from slapolicy.calendar.instants import parse_instant
from slapolicy.output.encode import Encoder
from slapolicy.serve.documents import dedupe_key
from slapolicy.sim.generate import generate
from slapolicy.sim.outcome import SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet

TOKEN = "fault-run-token"
SECRET = "fault-run-secret"
BATCH = 20  # events per request
LATER = parse_instant("2035-01-01T00:00:00+08:00", dt.UTC)


def settled_history(policies: PolicySet, tickets: int, seed: int) -> list[dict[str, Any]]:
    """Generated tickets whose outcome is the same at two instants years apart (every clock of them
    finished), kept until the set keeps that property as a whole (correlations read the whole set)."""
    history = list(generate(policies.latest, tickets, seed=seed, start=dt.date(2025, 4, 7), days=max(10, tickets // 40)))
    while True:
        encoder = Encoder()
        a = simulate(policies, [RawItem(t, n) for n, t in enumerate(history, 1)], "python", LATER)
        b = simulate(policies, [RawItem(t, n) for n, t in enumerate(history, 1)], "python", LATER + 3 * 365 * 86400)
        stable = {x.id for x, y in zip(a, b) if encoder.outcome(x) == encoder.outcome(y)}
        if len(stable) == len(history):
            return history
        history = [t for t in history if t["id"] in stable]


def start(policy_dir: str, database: str, deployment: str, port: int, log: Path, now: float) -> subprocess.Popen[bytes]:
    """A server process whose clock starts at `now`, once it answers /health."""
    env = {**os.environ, "SLAPOLICY_TOKEN": TOKEN}
    with log.open("ab") as out:  # the process writes to its own copy of the descriptor
        process = subprocess.Popen([sys.executable, __file__, "serve", policy_dir, database, deployment, str(port), repr(now)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError(f"the server did not start: {log.read_text()}")


def serve(policy_dir: str, database: str, deployment_path: str, port: str, now: str) -> None:
    """What a server process runs: `slapolicy serve`'s service and uvicorn, with its clock moved to `now`."""
    import dataclasses
    import logging

    from slapolicy.serve.app import listening_socket, run
    from slapolicy.serve.auth import digest
    from slapolicy.serve.config import SCOPES, Token, load_deployment
    from slapolicy.serve.runtime import Service
    from slapolicy.validate.repository import open_policy_set

    offset = float(now) - time.time()
    deployment = dataclasses.replace(load_deployment(deployment_path), database=database,
                                     tokens=(Token("fault", digest(TOKEN), frozenset(SCOPES)),))
    service = Service(policy_dir, open_policy_set(policy_dir), deployment, "python", clock=lambda: time.time() + offset)
    logging.basicConfig(level=logging.WARNING)
    run(service, listening_socket("127.0.0.1", int(port)))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sender:
    """Posts events in batches to one server or several in turn, keeping which were acknowledged."""

    def __init__(self, ports: list[int]) -> None:
        self.clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
                        for p in ports]
        self.acked: set[str] = set()
        self.repeats = 0
        self.latencies: list[float] = []
        self.failure: BaseException | None = None

    def send(self, events: list[dict[str, Any]], stop: threading.Event | None = None) -> None:
        for n, start_at in enumerate(range(0, len(events), BATCH)):
            if stop is not None and stop.is_set():
                return
            batch = events[start_at:start_at + BATCH]
            began = time.perf_counter()
            response = self.clients[n % len(self.clients)].post("/events", json=batch)
            self.latencies.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text
            for result in response.json()["results"]:
                assert result["http"] in (200, 202), result
                self.acked.add(result["event_id"])
                self.repeats += result["http"] == 200

    def close(self) -> None:
        for client in self.clients:
            client.close()


def fault_run(policies: PolicySet, policy_dir: str, tickets: int, database: str | None, instances: int = 1,
              seed: int = 21, report: Any = print) -> dict[str, Any]:
    """Run the fault scenario; returns its figures (and asserts what it checks). A server still running
    when it ends (a check failed) is killed."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        return _fault_run(policies, policy_dir, tickets, database, instances, seed, report, started)
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def _fault_run(policies: PolicySet, policy_dir: str, tickets: int, database: str | None, instances: int, seed: int,
               report: Any, started: list[subprocess.Popen[bytes]]) -> dict[str, Any]:
    history = settled_history(policies, tickets, seed)
    timed = events_of(history, policies.tz)
    events = [e for _, e in timed]
    before = timed[0][0] - 86400  # the servers' now while the events stream in: nothing is due yet
    folder = Path(tempfile.mkdtemp(prefix="slapolicy-fault-"))
    database = database or str(folder / "serve.db")
    receiver = Receiver()
    roles = sorted({r for p in policies.versions for steps in p.escalations.values() for s in steps for r in s.notify})
    deploy = folder / "deploy.yaml"
    deploy.write_text("recipients:\n" + "".join(f"  {r}: [{{webhook: '{receiver.url}', secret: {SECRET}}}]\n" for r in roles)
                      + "deliveries: {backoff: 1s, max_backoff: 2s, attempts: 50}\nscheduler: {poll: 1s}\n", encoding="utf-8")
    ports = [free_port() for _ in range(instances)]
    log = folder / "server.log"

    def launch(port: int, now: float) -> subprocess.Popen[bytes]:
        started.append(start(policy_dir, database, str(deploy), port, log, now))
        return started[-1]

    processes = [launch(port, before) for port in ports]
    sender = Sender(ports)
    stop = threading.Event()
    began = time.perf_counter()
    thread = threading.Thread(target=_streaming, args=(sender, events, stop))
    thread.start()
    while len(sender.acked) < len(events) // 2:
        assert thread.is_alive(), f"the stream stopped early: {sender.failure}"
        time.sleep(0.005)
    processes[-1].send_signal(signal.SIGKILL)  # kill -9 in the middle of the stream
    processes[-1].wait()
    killed_at = len(sender.acked)
    stop.set()
    thread.join()
    processes[-1] = launch(ports[-1], before)
    first_missing = next(i for i, e in enumerate(events) if e["event_id"] not in sender.acked)
    sender.send(events[max(0, first_missing - 200):])  # resent from before the first unacknowledged event
    streamed = time.perf_counter() - began
    stored_ids = _stored(database)[0]
    lost = [e["event_id"] for e in events if e["event_id"] in sender.acked and e["event_id"] not in stored_ids]
    assert not lost and len(stored_ids) == len(events), (len(lost), len(stored_ids), len(events))

    # the history is over: every escalation falls due at once, and one server dies among the firings
    expected = simulate(policies, [RawItem(t, n) for n, t in enumerate(history, 1)], "python", LATER)
    keys = {(dedupe_key(o.id, e), role) for o in expected if isinstance(o, SubjectOutcome) for e in o.escalations for role in e.step.notify}
    _stop(processes, log)
    processes = [launch(port, LATER) for port in ports]

    def received() -> set[tuple[str, str]]:
        return {(json.loads(b)["dedupe_key"], json.loads(b)["role"]) for _, b in list(receiver.received)}

    deadline = time.monotonic() + 300
    while len(received()) < len(keys) // 3:
        assert time.monotonic() < deadline, f"the scheduler fired too little: {len(received())} of {len(keys)} delivered"
        time.sleep(0.005)
    processes[-1].send_signal(signal.SIGKILL)
    processes[-1].wait()
    delivered_at_kill = len(received())
    processes[-1] = launch(ports[-1], LATER)
    deadline = time.monotonic() + 300
    while received() != keys:
        assert time.monotonic() < deadline, f"not every escalation was delivered: {len(keys - received())} missing, {len(received() - keys)} unexpected"
        time.sleep(0.1)
    elapsed = time.perf_counter() - began
    encoder, client = Encoder(), sender.clients[0]
    for outcome in expected:
        state = client.get(f"/tickets/{outcome.id}").json()
        got, want = state["ticket"], encoder.outcome(outcome)
        got.pop("line"), want.pop("line")
        assert got == want, outcome.id
    _stop(processes, log)
    firings = _stored(database)[1]
    assert firings == len({k for k, _ in keys})  # each escalation recorded once per dedupe key
    sent = [(json.loads(b)["dedupe_key"], json.loads(b)["role"]) for _, b in receiver.received]
    receiver.close()
    sender.close()
    figures = {"events": len(events), "subjects": len(history), "acknowledged_before_kill": killed_at,
               "repeats_answered": sender.repeats, "lost": len(lost), "stream_seconds": round(streamed, 1),
               "escalations": firings, "deliveries": len(keys), "delivered_before_kill": delivered_at_kill,
               "deliveries_received": len(sent), "delivered_twice": len(sent) - len(set(sent)), "seconds": round(elapsed, 1)}
    report(figures)
    return figures


def _stop(processes: list[subprocess.Popen[bytes]], log: Path) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        assert process.wait(timeout=60) == 0, log.read_text()


def _streaming(sender: Sender, events: list[dict[str, Any]], stop: threading.Event) -> None:
    """The stream until its server dies under it (what stopped it kept)."""
    try:
        sender.send(events, stop)
    except (httpx.HTTPError, AssertionError) as exc:
        sender.failure = exc


def _stored(database: str) -> tuple[set[str], int]:
    """The event ids and the number of firings in the database."""
    if database.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(database) as conn:
            ids = {r[0] for r in conn.execute("SELECT id FROM events")}
            return ids, int(conn.execute("SELECT count(*) FROM firings").fetchone()[0])  # type: ignore[index]
    with sqlite3.connect(database) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM events")}, int(conn.execute("SELECT count(*) FROM firings").fetchone()[0])


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    serve(*sys.argv[2:])

"""kill -9 in the middle of an event stream (a real `slapolicy serve` process; on PostgreSQL one of
two): after a restart no acknowledged event is lost, every escalation is delivered at least once and
recorded once per dedupe key, and the final states are the simulator's. A small run of the fault
scenario (tests/serve_fault.py); `benchmarks/serve_bench.py --fault` runs it with 50 000 events."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import httpx

from conftest import ROOT
from serve_cases import postgres_url
from serve_fault import TOKEN, fault_run, free_port, start
from slapolicy.validate.repository import open_policy_set

POLICY_DIR = ROOT / "policies" / "after-sales"
POLICIES = open_policy_set(POLICY_DIR)


def test_kill_9_of_the_service_loses_nothing_it_acknowledged() -> None:
    figures = fault_run(POLICIES, str(POLICY_DIR), 300, None, report=lambda _: None)
    assert figures["lost"] == 0 and figures["acknowledged_before_kill"] < figures["events"]
    assert figures["repeats_answered"] > 0 and figures["escalations"] > 20


def test_kill_9_of_one_of_two_instances_on_postgresql_loses_nothing() -> None:
    figures = fault_run(POLICIES, str(POLICY_DIR), 300, postgres_url(), instances=2, report=lambda _: None)
    assert figures["lost"] == 0 and figures["acknowledged_before_kill"] < figures["events"]


def test_sighup_reloads_a_running_server_only_when_the_new_files_validate(tmp_path: Path) -> None:
    """The same reload as POST /admin/reload (tests/test_serve.py), by signal, in a real server process."""
    folder = tmp_path / "policies" / "after-sales"
    shutil.copytree(POLICY_DIR, folder)
    shutil.copytree(ROOT / "regulation", tmp_path / "regulation")
    (tmp_path / "deploy.yaml").write_text("scheduler: {poll: 1s}\n", encoding="utf-8")
    port, log = free_port(), tmp_path / "server.log"
    process = start(str(folder), str(tmp_path / "serve.db"), str(tmp_path / "deploy.yaml"), port, log, time.time())
    newest = folder / "2025.1.yaml"
    text = newest.read_text(encoding="utf-8")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            def reloaded(counter: str) -> None:
                process.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 30
                while f"slapolicy_{counter}_total 1" not in client.get("/metrics").text:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)

            newest.write_text(text.replace("{id: fr-warn, at: 75%", "{id: fr-warn, at: 80 parsecs"), encoding="utf-8")
            reloaded("policy_reloads_refused")
            assert "SIGHUP: not reloaded, the policy in use stays" in log.read_text() and "2025.1.yaml:" in log.read_text()
            newest.write_text(text.replace("{id: fr-warn, at: 75%", "{id: fr-warn, at: 80%"), encoding="utf-8")
            reloaded("policy_reloads")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()

"""kill -9 in the middle of an event stream (a real `slapolicy serve` process; on PostgreSQL one of
two): after a restart no acknowledged event is lost, every escalation is delivered at least once and
recorded once per dedupe key, and the final states are the simulator's. A small run of the fault
scenario (tests/serve_fault.py); `benchmarks/serve_bench.py --fault` runs it with 50 000 events."""

from __future__ import annotations

from conftest import ROOT
from serve_cases import postgres_url
from serve_fault import fault_run
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

"""Issue 11's examples, one test each: what the shipped policies got wrong before, and what the
language now says instead (a small policy, tests/fixtures/fidelity/policy.yaml, holds one rule
per example; the shipped policies' own cases are in policies/*/*.test.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, ROOT
from slapolicy.kpi.objectives import objective_results
from slapolicy.kpi.report import Aggregator
from slapolicy.review.testing import run_tests
from slapolicy.rules.engine import get_backend
from slapolicy.sim.outcome import ClockOutcome, Rejection, SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy, read_policy

POLICY = FIXTURES / "fidelity" / "policy.yaml"
TZ = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2025, 12, 31, tzinfo=TZ).timestamp()


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def run(events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]], attributes: dict[str, Any] | None = None,
        kind: str = "ticket", as_of: float = AS_OF, policy: Path = POLICY) -> SubjectOutcome | Rejection:
    evs = [{"at": e[0] + "+08:00", "type": e[1], **(e[2] if len(e) > 2 else {})} for e in events]  # type: ignore[misc]
    item = RawItem({"id": "F-1", "kind": kind, "attributes": attributes or {}, "events": evs}, 1)
    (outcome,) = simulate(PolicySet.of([open_policy(policy)]), [item], "python", as_of)
    return outcome


def ok(outcome: SubjectOutcome | Rejection) -> SubjectOutcome:
    assert isinstance(outcome, SubjectOutcome), outcome
    return outcome


def clock(outcome: SubjectOutcome | Rejection, metric: str, cycle: int = 1) -> ClockOutcome:
    return next(c for c in ok(outcome).clocks if c.metric.id == metric and c.cycle == cycle)


def diagnostics_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = read_policy(path)
    return [f"{d.code} {d.message}" for d in problems]


BASE = POLICY.read_text(encoding="utf-8")


# ---- an objective that measures nothing (R-003-02) -------------------------------------------------

def test_an_on_time_objective_on_an_untimed_metric_is_an_error(tmp_path: Path) -> None:
    """Before: `measured: 0, met: null`, and validate said nothing. Now SLA505."""
    text = BASE.replace("measure: mean_time, metric: resolution, max: 4h", "measure: on_time_rate, metric: on_site_arrival, min: 90%")
    text = text.replace("  - {when: {region: city}, on_site_arrival: 4h}\n  - {when: {region: suburbs}, on_site_arrival: 8h}\n", "")
    assert any(d.startswith("SLA505 ") for d in diagnostics_of(tmp_path, text))


def test_a_mean_resolution_objective_really_measures() -> None:
    """R-003-02 (average resolution 4 h): measured from every resolved ticket, per period."""
    policies = PolicySet.of([open_policy(POLICY)])
    items = [RawItem({"id": f"M-{n}", "attributes": {"severity": "P3"},
                      "events": [{"at": f"2025-03-0{n}T10:00:00+08:00", "type": "created"},
                                 {"at": f"2025-03-0{n}T1{2 + 3 * (n - 1)}:00:00+08:00", "type": "resolved"}]}, n) for n in (1, 2)]
    aggregator = Aggregator(policies.latest, "month", ())
    for outcome in simulate(policies, items, "python", AS_OF):
        aggregator.add_outcome(outcome)
    (row,) = [r for r in objective_results(aggregator.report, policies.latest.objectives) if r.objective.id == "mean-resolution"]
    assert (row.period, row.value, row.measured, row.met) == ("2025-03", 3.5 * 3600, 2, True)


# ---- an objective measured inside a calendar (R-004-12) -------------------------------------------

def test_calls_outside_the_staffed_hours_do_not_count() -> None:
    """Before: the 09:00-22:00 calendar was declared and used by nothing; a call at 23:30 counted."""
    policies = PolicySet.of([open_policy(POLICY)])
    calls = [("2025-03-03T10:00:00+08:00", True), ("2025-03-03T23:30:00+08:00", False), ("2025-03-04T08:59:00+08:00", False)]
    items = [RawItem({"id": f"C-{n}", "kind": "call", "attributes": {"answered": a}, "events": [{"at": t, "type": "created"}]}, n)
             for n, (t, a) in enumerate(calls, 1)]
    aggregator = Aggregator(policies.latest, "month", ())
    for outcome in simulate(policies, items, "python", AS_OF):
        aggregator.add_outcome(outcome)
    (row,) = [r for r in objective_results(aggregator.report, policies.latest.objectives) if r.objective.id == "answered"]
    assert (row.value, row.measured, row.met) == (1.0, 1, True)


def test_a_declared_calendar_nothing_uses_is_reported(tmp_path: Path) -> None:
    text = BASE.replace("calendar: hotline, ", "")
    assert "SLA408 calendar 'hotline' is used by no target, metric or objective: its hours apply nowhere; use it (calendar: hotline) or remove it" in diagnostics_of(tmp_path, text)


# ---- nothing silently off -----------------------------------------------------------------------------

def test_a_missing_attribute_leaves_a_finding_naming_the_rule() -> None:
    """Before: a ticket without `region` silently got no on-site rule at all."""
    outcome = ok(run([("2025-03-03T10:00:00", "created"), ("2025-03-03T11:00:00", "on_site_requested")], {"severity": "P1"}))
    assert not any(c.metric.id == "on_site_arrival" for c in outcome.clocks)
    assert {f.code for f in outcome.findings} == {"undecided_rule"} and len(outcome.findings) == 2  # the city and suburbs rules
    assert all("the on_site_arrival target" in f.message and "has no 'region'" in f.message for f in outcome.findings)


def test_a_required_attribute_is_a_finding_and_a_default_fills_in() -> None:
    """A required attribute missing is a finding of its clause on a replayed call (issue 19: it was a rejection)."""
    call = ok(run([("2025-03-03T10:00:00", "created")], kind="call"))
    assert [f.code for f in call.findings] == ["missing_attribute"]
    outcome = ok(run([("2025-03-03T10:00:00", "created")], {"severity": "P3"}))
    assert outcome.attributes["category"] == "repair"


# ---- invented figures cited as clauses ------------------------------------------------------------------

def test_a_figure_without_clause_or_choice_is_reported_when_registers_are_named(tmp_path: Path) -> None:
    register = (ROOT / "regulation" / "003.yaml").as_posix()
    text = BASE.replace('timezone: Asia/Shanghai\n', f'timezone: Asia/Shanghai\nregisters: ["{register}"]\n')
    found = diagnostics_of(tmp_path, text)
    assert ("SLA701 escalation step 1 of resolution says neither which clause gives it nor that it is a choice; "
            "add clause: R-… (the clause that gives it) or choice: \"why\"") in found
    cited = text.replace("- {id: warn, at: 75%", "- {id: warn, clause: R-003-09, at: 75%")
    assert any(d.startswith("SLA702 R-003-09 is not a clause of the registers") for d in diagnostics_of(tmp_path, cited))


# ---- escalations triggered by the complaint, not an unrelated clock (R-004-08) ----------------------------

def test_a_serious_complaint_is_told_at_once_with_no_on_site_visit() -> None:
    """Before: the vice GM was told at the start of the on-site arrival clock: never, without a visit."""
    outcome = ok(run([("2025-03-03T10:00:00", "created")], {"severity": "P3", "category": "serious_complaint"}))
    assert [(n.notice.id, n.at) for n in outcome.notices] == [("serious", at("2025-03-03T10:00:00"))]


# ---- contract duties on the contract, by calendar month (R-004-06, R-004-11) ------------------------------

def test_contract_duties_are_clocks_on_the_contract_per_calendar_month() -> None:
    """Before: on every repair ticket, breached when the ticket closed, on a rolling 30 days."""
    outcome = ok(run([("2025-01-20T10:00:00", "created"), ("2025-01-20T10:00:00", "maintenance_started"),
                      ("2025-01-28T10:00:00", "inspection_done"), ("2025-03-03T10:00:00", "inspection_done")],
                     kind="contract", as_of=at("2025-03-15T00:00:00")))
    periods = [(c.started, c.due, c.status.value) for c in outcome.clocks if c.metric.id == "inspection"]
    assert periods == [(at("2025-01-20T10:00:00"), at("2025-02-01T00:00:00"), "met"),
                       (at("2025-02-01T00:00:00"), at("2025-03-01T00:00:00"), "breached"),
                       (at("2025-03-01T00:00:00"), at("2025-04-01T00:00:00"), "met")]


def test_one_month_before_the_contract_ends_is_due_at_the_end_of_that_day() -> None:
    """Before: due at 00:00 of 30 November, so a notice sent that day was late."""
    outcome = ok(run([("2025-06-01T10:00:00", "created"), ("2025-11-30T16:00:00", "expiry_notice_sent")],
                     {"tier": "contract", "contract_end": "2025-12-31"}, kind="contract"))
    notice = clock(outcome, "expiry_notice")
    assert (notice.due, notice.status.value) == (at("2025-12-01T00:00:00"), "met")


# ---- closed without resolved ----------------------------------------------------------------------------------

def test_closing_an_unresolved_ticket_breaches_its_resolution() -> None:
    """Before: `cancel_on: closed` voided the clock, so no breach was ever recorded."""
    res = clock(run([("2025-03-03T10:00:00", "created"), ("2025-03-03T11:00:00", "closed")], {"severity": "P1"}), "resolution")
    assert (res.status.value, res.failed, res.breached_at) == ("breached", at("2025-03-03T11:00:00"), at("2025-03-03T11:00:00"))


# ---- response and resolution on different calendars (R-000-06) --------------------------------------------------

def test_response_due_after_resolution_across_calendars_is_an_error(tmp_path: Path) -> None:
    """Before: 1 h in office hours against 24 h of clock time passed SLA301 (it compared one calendar only)."""
    text = BASE.replace("  always: 24x7\n", "  always: 24x7\n  office:\n    hours: {mon-fri: [\"09:00-18:00\"]}\n")
    text = text.replace("first_response: 8h, resolution: 24h", "first_response: {within: 8h, calendar: office}, resolution: 24h")
    found = [d for d in diagnostics_of(tmp_path, text) if d.startswith("SLA301")]
    assert found and "can fall due after the resolution target 24h" in found[0]


def test_the_shipped_r_000_06_response_and_answer_share_a_calendar() -> None:
    p3 = next(r for r in open_policy(ROOT / "policies" / "after-sales" / "2025.1.yaml").targets if r.id == "p3-general")
    assert {v.calendar for v in p3.values.values()} == {"24x7"}


# ---- escalations timed by the target in force at each moment ------------------------------------------------

def test_after_an_upgrade_the_new_targets_steps_fire_no_earlier_than_the_upgrade() -> None:
    """P3 (24 h) raised 10:00, upgraded to P1 (4 h) at 14:00: P1's 75 % point (13:00) had passed before
    P1 applied, so its warning goes out at 14:00, not dated 13:00 (before the upgrade happened)."""
    outcome = ok(run([("2025-03-03T10:00:00", "created"), ("2025-03-03T14:00:00", "update", {"attributes": {"severity": "P1"}})],
                     {"severity": "P3"}))
    assert [(e.step.id, e.at) for e in outcome.escalations] == [("warn", at("2025-03-03T14:00:00"))]


def test_after_a_downgrade_a_warning_that_went_out_stays() -> None:
    """P1 (4 h) raised 10:00 warns at 13:00; downgraded to P3 at 13:30, the warning is not taken back."""
    outcome = ok(run([("2025-03-03T10:00:00", "created"), ("2025-03-03T13:30:00", "update", {"attributes": {"severity": "P3"}})],
                     {"severity": "P1"}))
    assert [(e.step.id, e.at) for e in outcome.escalations] == [("warn", at("2025-03-03T13:00:00"))]


def test_an_open_pause_never_shortens_a_target() -> None:
    """P1 paused at 10:30 and still waiting at as_of: 30 minutes of its 4 h ran, far from 75 % (3 h)."""
    outcome = ok(run([("2025-03-03T10:00:00", "created"), ("2025-03-03T10:30:00", "status", {"status": "waiting_on_customer"})],
                     {"severity": "P1"}, as_of=at("2025-03-04T10:00:00")))
    assert outcome.escalations == ()
    res = clock(outcome, "resolution")
    assert res.paused and res.status.value == "running"


# ---- objectives in policy tests ----------------------------------------------------------------------------

@pytest.mark.parametrize("policy_dir", ["after-sales", "company-service", "tech-support"])
def test_quality_objectives_have_passing_history_cases(policy_dir: str) -> None:
    """Before: R-000-08, R-000-16, R-000-17, R-004-07 could not be tested by `slapolicy test` at all."""
    path = ROOT / "policies" / policy_dir / f"{policy_dir}.test.yaml"
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    aggregate = {c["description"] for c in cases if "history" in c and c["expect"].get("objectives")}
    result = run_tests([path], get_backend("python"))
    assert aggregate and {c.description: c.outcome for c in result.cases if c.description in aggregate} == dict.fromkeys(aggregate, "passed")

"""Issue 11's examples, one test each: what the shipped policies got wrong before, and what the
language now says instead. Each runs the shipped policies in policies/ as they are; a test of a
diagnostic edits one line of a shipped policy (read at test time) and validates the copy. The
shipped policies' own cases are in policies/*/*.test.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from slapolicy.kpi.objectives import ObjectiveResult, objective_results
from slapolicy.kpi.report import Aggregator
from slapolicy.review.testing import run_tests
from slapolicy.rules.engine import get_backend
from slapolicy.sim.outcome import ClockOutcome, Rejection, SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy, read_policy

POLICIES = ROOT / "policies"
AFTER_SALES = POLICIES / "after-sales" / "2025.1.yaml"
COMPANY = POLICIES / "company-service" / "2025.1.yaml"
NETWORK = POLICIES / "network-service" / "2025.1.yaml"
TZ = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2025, 12, 31, tzinfo=TZ).timestamp()
# what company-service requires of every repair call (R-004-02)
LOGGED = {"customer": "台北商行", "address": "台北市中山路1號", "phone": "02-2345-6789", "model": "X-100"}


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def run(policy: Path, events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]], attributes: dict[str, Any] | None = None,
        kind: str = "ticket", as_of: float = AS_OF) -> SubjectOutcome | Rejection:
    evs = [{"at": e[0] + "+08:00", "type": e[1], **(e[2] if len(e) > 2 else {})} for e in events]  # type: ignore[misc]
    item = RawItem({"id": "F-1", "kind": kind, "attributes": attributes or {}, "events": evs}, 1)
    (outcome,) = simulate(PolicySet.of([open_policy(policy)]), [item], "python", as_of)
    return outcome


def ok(outcome: SubjectOutcome | Rejection) -> SubjectOutcome:
    assert isinstance(outcome, SubjectOutcome), outcome
    return outcome


def clock(outcome: SubjectOutcome | Rejection, metric: str, cycle: int = 1) -> ClockOutcome:
    return next(c for c in ok(outcome).clocks if c.metric.id == metric and c.cycle == cycle)


def objective(policy: Path, items: list[dict[str, Any]], objective_id: str) -> list[ObjectiveResult]:
    """The results of one objective of the shipped `policy` over `items`, replayed as `report` does."""
    policies = PolicySet.of([open_policy(policy)])
    aggregator = Aggregator(policies.tz, "month", ())
    for outcome in simulate(policies, [RawItem(t, n) for n, t in enumerate(items, 1)], "python", AS_OF):
        aggregator.add_outcome(outcome)
    return [r for r in objective_results(aggregator.report, policies.versions) if r.objective.id == objective_id]


def diagnostics_of_edited(tmp_path: Path, policy: Path, old: str, new: str) -> list[str]:
    """The diagnostics of a copy of a shipped policy with `old` replaced by `new` (once, and it must be there)."""
    text = policy.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{policy} no longer holds {old!r}: update the test"
    path = tmp_path / policy.name
    path.write_text(text.replace(old, new).replace("../../regulation/", f"{ROOT.as_posix()}/regulation/"), encoding="utf-8")
    _, problems = read_policy(path)
    return [f"{d.code} {d.message}" for d in problems]


# ---- an objective that measures nothing (R-003-02) -------------------------------------------------

def test_an_on_time_objective_on_an_untimed_metric_is_an_error(tmp_path: Path) -> None:
    """Before: `measured: 0, met: null`, and validate said nothing. Now SLA505 (network-service's resolution is untimed)."""
    found = diagnostics_of_edited(tmp_path, NETWORK, "    measure: mean_time\n    metric: resolution\n    max: 4h\n",
                                  "    measure: on_time_rate\n    metric: resolution\n    min: 90%\n")
    assert any(d.startswith("SLA505 ") for d in found), found


def test_a_mean_resolution_objective_really_measures() -> None:
    """R-003-02 (平均解决时间为4小时): measured from every resolved ticket, per period: 3 h and 4 h average 3.5 h."""
    items = [{"id": f"M-{n}", "attributes": {"severity": "normal", "channel": "phone"},
              "events": [{"at": f"2025-03-0{n}T10:00:00+08:00", "type": "created"},
                         {"at": f"2025-03-0{n}T10:20:00+08:00", "type": "responded"},
                         {"at": f"2025-03-0{n}T1{2 + n}:00:00+08:00", "type": "resolved"}]} for n in (1, 2)]
    (row,) = objective(NETWORK, items, "mean-resolution-4h")
    assert (row.period, row.value, row.measured, row.met) == ("2025-03", 3.5 * 3600, 2, True)


# ---- an objective measured inside a calendar (R-004-12) -------------------------------------------

def test_calls_outside_the_staffed_hours_do_not_count() -> None:
    """Before: the 09:00-22:00 calendar was declared and used by nothing; a call at 23:30 counted."""
    calls = [("2025-03-03T10:00:00+08:00", True), ("2025-03-03T23:30:00+08:00", False), ("2025-03-04T08:59:00+08:00", False)]
    items = [{"id": f"C-{n}", "kind": "call", "attributes": {"answered": a}, "events": [{"at": t, "type": "created"}]}
             for n, (t, a) in enumerate(calls, 1)]
    (row,) = objective(COMPANY, items, "phone-answered")
    assert (row.value, row.measured, row.met) == (1.0, 1, True)


def test_a_declared_calendar_nothing_uses_is_reported(tmp_path: Path) -> None:
    """company-service's hotline calendar, used by neither the objective nor the penalty, is reported (SLA408)."""
    text = COMPANY.read_text(encoding="utf-8")
    assert text.count("    calendar: hotline\n") == 2
    path = tmp_path / "2025.1.yaml"
    path.write_text(text.replace("    calendar: hotline\n", "").replace("../../regulation/", f"{ROOT.as_posix()}/regulation/"),
                    encoding="utf-8")
    _, problems = read_policy(path)
    assert ("SLA408 calendar 'hotline' is used by no target, metric or objective: its hours apply nowhere; "
            "use it (calendar: hotline) or remove it") in [f"{d.code} {d.message}" for d in problems]


# ---- nothing silently off -----------------------------------------------------------------------------

def test_a_missing_attribute_leaves_a_finding_naming_the_rule() -> None:
    """Before: a ticket without `region` silently got no on-site rule at all (R-000-07)."""
    outcome = ok(run(AFTER_SALES, [("2025-03-03T10:00:00", "created"), ("2025-03-03T11:00:00", "on_site_agreed")], {"severity": "P2"}))
    assert not any(c.metric.id == "on_site_arrival" for c in outcome.clocks)
    on_site = [f for f in outcome.findings if "the on_site_arrival target" in f.message]
    assert len(on_site) == 2  # the same-city and the other-province rule
    assert all(f.code == "undecided_rule" and "has no 'region'" in f.message and f.clauses == ("R-000-07",) for f in on_site)


def test_a_required_attribute_is_a_finding_and_a_default_fills_in() -> None:
    """A required attribute missing is a finding of its clause on a replayed call (issue 19: it was a rejection)."""
    call = ok(run(COMPANY, [("2025-03-03T10:00:00", "created")], kind="call"))
    assert [(f.code, f.rule) for f in call.findings] == [("missing_attribute", "answered")]
    outcome = ok(run(COMPANY, [("2025-03-03T10:00:00", "created")], {"severity": "normal", "area": "city", **LOGGED}))
    assert outcome.attributes["category"] == "repair"


# ---- invented figures cited as clauses ------------------------------------------------------------------

def test_a_figure_without_clause_or_choice_is_reported_when_registers_are_named(tmp_path: Path) -> None:
    step = '    - {id: response-breach, at: breach, notify: [support_lead], choice: "the lead hears of a missed response: company practice"}\n'
    found = diagnostics_of_edited(tmp_path, NETWORK, step, "    - {id: response-breach, at: breach, notify: [support_lead]}\n")
    assert ("SLA701 escalation step 1 of first_response says neither which clause gives it nor that it is a choice; "
            "add clause: R-… (the clause that gives it) or choice: \"why\"") in found
    cited = diagnostics_of_edited(tmp_path, NETWORK, step, "    - {id: response-breach, clause: R-003-09, at: breach, notify: [support_lead]}\n")
    assert any(d.startswith("SLA702 R-003-09 is not a clause of the registers") for d in cited), cited


# ---- escalations triggered by the complaint, not an unrelated clock (R-004-08) ----------------------------

def test_a_serious_complaint_is_told_at_once_with_no_on_site_visit() -> None:
    """Before: the vice GM was told at the start of the on-site arrival clock: never, without a visit."""
    outcome = ok(run(COMPANY, [("2025-03-03T10:00:00", "created")],
                     {"severity": "normal", "area": "city", "category": "serious_complaint", **LOGGED}))
    assert [(n.notice.id, n.at) for n in outcome.notices] == [("serious-complaint", at("2025-03-03T10:00:00"))]


# ---- contract duties on the contract, by calendar month (R-004-06, R-004-11) ------------------------------

def test_contract_duties_are_clocks_on_the_contract_per_calendar_month() -> None:
    """Before: on every repair ticket, breached when the ticket closed, on a rolling 30 days."""
    outcome = ok(run(COMPANY, [("2025-01-20T10:00:00", "created"), ("2025-01-20T10:00:00", "maintenance_started"),
                               ("2025-01-28T10:00:00", "inspection_report_uploaded"),
                               ("2025-03-03T10:00:00", "inspection_report_uploaded")],
                     {"tier": "contract"}, kind="contract", as_of=at("2025-03-15T00:00:00")))
    periods = [(c.started, c.due, c.status.value) for c in outcome.clocks if c.metric.id == "inspection"]
    assert periods == [(at("2025-01-20T10:00:00"), at("2025-02-01T00:00:00"), "met"),
                       (at("2025-02-01T00:00:00"), at("2025-03-01T00:00:00"), "breached"),
                       (at("2025-03-01T00:00:00"), at("2025-04-01T00:00:00"), "met")]


def test_one_month_before_the_contract_ends_is_due_at_the_end_of_that_day() -> None:
    """Before: due at 00:00 of 30 November, so a notice sent that day was late."""
    outcome = ok(run(COMPANY, [("2025-06-01T10:00:00", "created"), ("2025-11-30T16:00:00", "expiry_notice_sent")],
                     {"tier": "contract", "contract_end": "2025-12-31"}, kind="contract"))
    notice = clock(outcome, "expiry_notice")
    assert (notice.due, notice.status.value) == (at("2025-12-01T00:00:00"), "met")


# ---- closed without resolved ----------------------------------------------------------------------------------

def test_closing_an_unresolved_ticket_breaches_its_resolution() -> None:
    """Before: `cancel_on: closed` voided the clock, so no breach was ever recorded."""
    res = clock(run(AFTER_SALES, [("2025-03-03T10:00:00", "created"), ("2025-03-03T10:10:00", "responded"),
                                  ("2025-03-03T11:00:00", "closed")], {"severity": "P2"}), "resolution")
    assert (res.status.value, res.failed, res.breached_at) == ("breached", at("2025-03-03T11:00:00"), at("2025-03-03T11:00:00"))


# ---- response and resolution on different calendars (R-000-06) --------------------------------------------------

def test_response_due_after_resolution_across_calendars_is_an_error(tmp_path: Path) -> None:
    """Before: 8 h in office hours against 24 h of clock time passed SLA301 (it compared one calendar only)."""
    found = diagnostics_of_edited(tmp_path, AFTER_SALES, "    first_response: 1h\n    resolution: 24h\n",
                                  "    first_response: {within: 8h, calendar: office}\n    resolution: 24h\n")
    sla301 = [d for d in found if d.startswith("SLA301")]
    assert sla301 and "can fall due after the resolution target 24h" in sla301[0], found


def test_the_shipped_r_000_06_response_and_answer_share_a_calendar() -> None:
    p3 = next(r for r in open_policy(AFTER_SALES).targets if r.id == "p3-general")
    assert {v.calendar for v in p3.values.values()} == {"24x7"}


# ---- escalations timed by the target in force at each moment ------------------------------------------------

def test_after_an_upgrade_the_new_targets_steps_fire_no_earlier_than_the_upgrade() -> None:
    """P3 (24 h) raised 10:00, upgraded to P2 (4 h) at 13:30: P2's 75 % point (13:00) had passed before
    P2 applied, so its warning goes out at 13:30, not dated 13:00 (before the upgrade happened)."""
    outcome = ok(run(AFTER_SALES, [("2025-03-03T10:00:00", "created"), ("2025-03-03T10:10:00", "responded"),
                                   ("2025-03-03T13:30:00", "update", {"attributes": {"severity": "P2"}})],
                     {"severity": "P3"}, as_of=at("2025-03-03T15:00:00")))
    assert [(e.step.id, e.at) for e in outcome.escalations] == [("res-warn", at("2025-03-03T13:30:00")),
                                                                 ("res-breach", at("2025-03-03T14:00:00"))]


def test_after_a_downgrade_a_warning_that_went_out_stays() -> None:
    """P2 (4 h) raised 10:00 warns at 13:00; downgraded to P3 at 13:30, the warning is not taken back."""
    outcome = ok(run(AFTER_SALES, [("2025-03-03T10:00:00", "created"), ("2025-03-03T10:10:00", "responded"),
                                   ("2025-03-03T13:30:00", "update", {"attributes": {"severity": "P3"}})],
                     {"severity": "P2"}, as_of=at("2025-03-03T23:00:00")))
    assert [(e.step.id, e.at) for e in outcome.escalations] == [("res-warn", at("2025-03-03T13:00:00"))]


def test_an_open_pause_never_shortens_a_target() -> None:
    """P2 paused at 10:30 and still waiting at as_of: 30 minutes of its 4 h ran, far from 75 % (3 h)."""
    outcome = ok(run(AFTER_SALES, [("2025-03-03T10:00:00", "created"), ("2025-03-03T10:10:00", "responded"),
                                   ("2025-03-03T10:30:00", "status", {"status": "waiting_on_customer"})],
                     {"severity": "P2"}, as_of=at("2025-03-04T10:00:00")))
    assert outcome.escalations == ()
    res = clock(outcome, "resolution")
    assert res.paused and res.status.value == "running"


# ---- objectives in policy tests ----------------------------------------------------------------------------

@pytest.mark.parametrize("policy_dir", ["after-sales", "company-service", "tech-support"])
def test_quality_objectives_have_passing_history_cases(policy_dir: str) -> None:
    """Before: R-000-08, R-000-16, R-000-17, R-004-07 could not be tested by `slapolicy test` at all."""
    path = POLICIES / policy_dir / f"{policy_dir}.test.yaml"
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    aggregate = {c["description"] for c in cases if "history" in c and c["expect"].get("objectives")}
    result = run_tests([path], get_backend("python"))
    assert aggregate and {c.description: c.outcome for c in result.cases if c.description in aggregate} == dict.fromkeys(aggregate, "passed")


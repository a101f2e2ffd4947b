"""Ticket timelines on the shipped policies, each test citing the clause it enforces.
Every test runs on each rules-engine backend available here."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, pretty_json
from slapolicy.output.encode import Encoder
from slapolicy.rules.engine import durable_available, get_backend
from slapolicy.sim.outcome import SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy

ENGINES = ["python"] + (["durable"] if durable_available() else [])
AS_OF = dt.datetime(2025, 12, 31, tzinfo=dt.UTC).timestamp()
AFTER_SALES = ROOT / "policies" / "after-sales" / "2025.1.yaml"
COMPANY = ROOT / "policies" / "company-service" / "2025.1.yaml"
# a repair call as seed 004 wants it logged (R-004-02): customer, address, phone, model
CALL = {"severity": "normal", "customer": "台北商行", "address": "台北市中山路1號", "phone": "02-2345-6789", "model": "X-100"}


def line_of(path: Path, text: str) -> int:
    """The line of the policy where `text` first appears (rules are reported by their line)."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)

Sim = Callable[..., dict[str, Any]]


@pytest.fixture(params=ENGINES)
def sim(request: pytest.FixtureRequest) -> Sim:
    backend = get_backend(request.param)

    def run(attributes: dict[str, Any], events: list[tuple[str, str] | tuple[str, str, dict[str, Any]]],
            policy: Path = AFTER_SALES, as_of: float = AS_OF, kind: str = "ticket") -> dict[str, Any]:
        evs = []
        for e in events:
            event: dict[str, Any] = {"at": e[0], "type": e[1]}
            if len(e) > 2:
                event.update(e[2])  # type: ignore[misc]
            evs.append(event)
        raw = RawItem({"id": "T", "kind": kind, "attributes": attributes, "events": evs}, 1)
        (result,) = simulate(PolicySet.of([open_policy(policy)]), [raw], backend.name, as_of)
        return Encoder().outcome(result)  # the documented JSON shape

    return run


def clocks(result: dict[str, Any], metric: str) -> list[dict[str, Any]]:
    return [c for c in result["clocks"] if c["metric"] == metric]


def test_p1_opened_friday_evening_is_due_in_15_minutes_around_the_clock(sim: Sim) -> None:
    """R-000-04: P1 respond within 15 min, propose a solution within 2 h (24x7)."""
    r = sim({"severity": "P1"}, [("2025-03-07T17:50:00+08:00", "created")])
    (fr,) = clocks(r, "first_response")
    assert (fr["due_at"], fr["status"], fr["breached_at"]) == ("2025-03-07T18:05:00+08:00", "breached", "2025-03-07T18:05:00+08:00")
    assert clocks(r, "resolution_plan")[0]["due_at"] == "2025-03-07T19:50:00+08:00"
    assert fr["rule"].endswith(f"policies/after-sales/2025.1.yaml:{line_of(AFTER_SALES, 'id: p1-urgent')}")


def test_p3_raised_friday_evening_is_due_the_same_evening(sim: Sim) -> None:
    """R-000-06: P3 respond within 1 h; the clause names no calendar, so clock time: raised Friday 17:50,
    due 18:50 that evening (on office hours it would be Monday 09:50)."""
    r = sim({"severity": "P3"}, [("2025-03-07T17:50:00+08:00", "created"), ("2025-03-10T09:40:00+08:00", "responded")])
    (fr,) = clocks(r, "first_response")
    assert (fr["calendar"], fr["due_at"], fr["status"]) == ("24x7", "2025-03-07T18:50:00+08:00", "breached")


def test_follow_up_across_spring_festival_and_make_up_day(sim: Sim) -> None:
    """R-000-12 on the office calendar: the 2025 Spring Festival holidays, the make-up Saturday 8 Feb."""
    r = sim({"severity": "P3"}, [("2025-01-27T10:00:00+08:00", "created"), ("2025-01-27T17:30:00+08:00", "resolved")])
    assert clocks(r, "follow_up")[0]["due_at"] == "2025-02-07T18:00:00+08:00"  # 5, 6, 7 Feb
    r = sim({"severity": "P3"}, [("2025-02-06T09:00:00+08:00", "created"), ("2025-02-06T10:00:00+08:00", "resolved")])
    assert clocks(r, "follow_up")[0]["due_at"] == "2025-02-10T18:00:00+08:00"  # 7, 8 (make-up Saturday), 10 Feb


def test_resolution_pauses_while_waiting_on_customer(sim: Sim) -> None:
    """R-000-05: P2 handled within 4 h; the clock stops while the customer is awaited."""
    r = sim({"severity": "P2"}, [
        ("2025-08-12T15:00:00+08:00", "created"),
        ("2025-08-12T16:00:00+08:00", "status", {"status": "waiting_on_customer"}),
        ("2025-08-13T10:00:00+08:00", "status", {"status": "in_progress"}),
        ("2025-08-13T12:30:00+08:00", "resolved"),
    ])
    (res,) = clocks(r, "resolution")
    assert res["paused_seconds"] == 18 * 3600
    assert (res["due_at"], res["status"]) == ("2025-08-13T13:00:00+08:00", "met")


def test_still_paused_at_as_of_is_running(sim: Sim) -> None:
    r = sim({"severity": "P2"}, [
        ("2025-08-12T15:00:00+08:00", "created"),
        ("2025-08-12T16:00:00+08:00", "status", {"status": "waiting_on_customer"}),
    ])
    (res,) = clocks(r, "resolution")
    assert (res["status"], res["paused"]) == ("running", True)


def epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_outcome_keeps_each_pause_up_to_the_stop_or_as_of(engine: str) -> None:
    """The spans behind paused_seconds: a pause ended by its resume, one ended by the stop (resolved
    while waiting), one still open at as_of (it ends there); a clock never paused and a monthly
    period have none."""
    def ticket(id_: str, events: list[tuple[str, str, dict[str, Any]]]) -> RawItem:
        return RawItem({"id": id_, "attributes": {"severity": "P2"},
                        "events": [{"at": at, "type": kind, **extra} for at, kind, extra in events]}, 1)

    waiting, working = {"status": "waiting_on_customer"}, {"status": "in_progress"}
    items = [
        ticket("resumed", [("2025-08-12T15:00:00+08:00", "created", {}), ("2025-08-12T16:00:00+08:00", "status", waiting),
                           ("2025-08-13T10:00:00+08:00", "status", working), ("2025-08-13T11:00:00+08:00", "status", waiting),
                           ("2025-08-13T11:30:00+08:00", "status", working), ("2025-08-13T12:30:00+08:00", "resolved", {})]),
        ticket("stopped", [("2025-08-12T15:00:00+08:00", "created", {}), ("2025-08-12T16:00:00+08:00", "status", waiting),
                           ("2025-08-12T17:00:00+08:00", "resolved", {})]),
        ticket("open", [("2025-12-30T15:00:00+08:00", "created", {}), ("2025-12-30T16:00:00+08:00", "status", waiting)]),
        RawItem({"id": "C", "kind": "contract", "events": [{"at": "2025-11-03T10:00:00+08:00", "type": "created"},
                                                           {"at": "2025-11-03T10:00:00+08:00", "type": "contract_signed"}]}, 2),
    ]
    outcomes = simulate(PolicySet.of([open_policy(AFTER_SALES)]), items, get_backend(engine).name, AS_OF)
    assert all(isinstance(o, SubjectOutcome) for o in outcomes)
    by_id = {o.id: o for o in outcomes if isinstance(o, SubjectOutcome)}

    def spans(id_: str, metric: str) -> tuple[tuple[float, float], ...]:
        (clock,) = (c for c in by_id[id_].clocks if c.metric.id == metric)
        return clock.pauses

    assert spans("resumed", "resolution") == ((epoch("2025-08-12T16:00:00+08:00"), epoch("2025-08-13T10:00:00+08:00")),
                                              (epoch("2025-08-13T11:00:00+08:00"), epoch("2025-08-13T11:30:00+08:00")))
    assert spans("stopped", "resolution") == ((epoch("2025-08-12T16:00:00+08:00"), epoch("2025-08-12T17:00:00+08:00")),)
    assert spans("open", "resolution") == ((epoch("2025-12-30T16:00:00+08:00"), AS_OF),)
    assert spans("resumed", "first_response") == ()
    assert [c.pauses for c in by_id["C"].clocks if c.metric.id == "record_review"] == [(), ()]
    encoded = {o.id: Encoder().outcome(o) for o in by_id.values()}
    assert clocks(encoded["resumed"], "resolution")[0]["pauses"] == [
        {"from": "2025-08-12T16:00:00+08:00", "to": "2025-08-13T10:00:00+08:00"},
        {"from": "2025-08-13T11:00:00+08:00", "to": "2025-08-13T11:30:00+08:00"}]
    (still,) = clocks(encoded["open"], "resolution")
    assert (still["paused"], still["pauses"]) == (True, [{"from": "2025-12-30T16:00:00+08:00", "to": "2025-12-31T08:00:00+08:00"}])
    assert "pauses" not in clocks(encoded["resumed"], "first_response")[0]
    assert all("pauses" not in c for c in encoded["C"]["clocks"])


def test_downgrade_reselects_target_from_original_start(sim: Sim) -> None:
    """R-000-04 -> R-000-05: a P1 downgraded to P2 gets P2's 4 h resolution, counted from creation."""
    r = sim({"severity": "P1"}, [
        ("2025-03-07T09:00:00+08:00", "created"),
        ("2025-03-07T09:10:00+08:00", "responded"),
        ("2025-03-07T10:00:00+08:00", "update", {"attributes": {"severity": "P2"}}),
        ("2025-03-07T12:30:00+08:00", "resolved"),
    ])
    (res,) = clocks(r, "resolution")
    assert (res["target"], res["due_at"], res["status"]) == ("4h", "2025-03-07T13:00:00+08:00", "met")
    assert [c["target"] for c in res["target_changes"]] == [None, "4h"]
    (plan,) = clocks(r, "resolution_plan")
    assert (plan["status"], plan["cancelled_at"]) == ("cancelled", "2025-03-07T10:00:00+08:00")


def test_reopen_starts_a_new_cycle(sim: Sim) -> None:
    """R-000-05 and R-000-12: reopening restarts resolution and re-arms the follow-up."""
    r = sim({"severity": "P2"}, [
        ("2025-03-10T09:00:00+08:00", "created"),
        ("2025-03-10T10:00:00+08:00", "resolved"),
        ("2025-03-11T10:00:00+08:00", "reopened"),
        ("2025-03-11T15:00:00+08:00", "resolved"),
        ("2025-03-12T10:00:00+08:00", "followed_up"),
    ])
    res = clocks(r, "resolution")
    assert [(c["cycle"], c["status"]) for c in res] == [(1, "met"), (2, "breached")]
    assert res[1]["started_at"] == "2025-03-11T10:00:00+08:00"
    follow = clocks(r, "follow_up")
    assert [(c["cycle"], c["status"]) for c in follow] == [(1, "cancelled"), (2, "met")]
    assert follow[1]["due_at"] == "2025-03-14T18:00:00+08:00"


def test_missed_two_hourly_progress_update_is_its_own_breach(sim: Sim) -> None:
    """R-000-11: during on-site service, report progress every 2 h."""
    r = sim({"severity": "P1", "region": "same_city"}, [
        ("2025-03-16T08:00:00+08:00", "created"),
        ("2025-03-16T08:05:00+08:00", "on_site_agreed"),
        ("2025-03-16T11:30:00+08:00", "on_site_arrived"),
        ("2025-03-16T13:20:00+08:00", "on_site_update"),
        ("2025-03-16T18:00:00+08:00", "on_site_update"),
        ("2025-03-16T18:30:00+08:00", "on_site_finished"),
    ])
    periods = [(c["cycle"], c["started_at"][11:16], c["due_at"][11:16], c["status"]) for c in clocks(r, "progress_update")]
    assert periods == [
        (1, "11:30", "13:30", "met"),
        (2, "13:20", "15:20", "breached"),
        (3, "15:20", "17:20", "breached"),
        (4, "17:20", "19:20", "met"),
        (5, "18:00", "20:00", "cancelled"),
    ]
    missed = [e for e in r["escalations"] if e["metric"] == "progress_update"]
    assert [e["at"][11:16] for e in missed] == ["15:20", "17:20"]


def test_on_site_arrival_in_city_and_cross_province(sim: Sim) -> None:
    """R-000-07: same city within 4 h, another province within 24 h, from the customer's agreement (R-000-11)."""
    city = sim({"severity": "P2", "region": "same_city"}, [("2025-05-06T09:00:00+08:00", "created"), ("2025-05-06T10:00:00+08:00", "on_site_agreed")])
    far = sim({"severity": "P2", "region": "other_province"}, [("2025-05-06T09:00:00+08:00", "created"), ("2025-05-06T10:00:00+08:00", "on_site_agreed")])
    assert clocks(city, "on_site_arrival")[0]["due_at"] == "2025-05-06T14:00:00+08:00"
    assert clocks(far, "on_site_arrival")[0]["due_at"] == "2025-05-07T10:00:00+08:00"


def test_arrival_in_working_hours_city_and_suburbs(sim: Sim) -> None:
    """R-004-04: within 6 working hours in the city, 7 in the suburbs (08:30-12:00, 13:00-17:30)."""
    events = [("2025-03-07T15:00:00+08:00", "created")]
    city = sim({**CALL, "area": "city"}, events, policy=COMPANY)
    suburbs = sim({**CALL, "area": "suburbs"}, events, policy=COMPANY)
    assert clocks(city, "on_site_arrival")[0]["due_at"] == "2025-03-10T12:00:00+08:00"  # 2.5 h Friday + 3.5 h Monday
    assert clocks(suburbs, "on_site_arrival")[0]["due_at"] == "2025-03-10T14:00:00+08:00"


def test_follow_up_within_three_working_days(sim: Sim) -> None:
    """R-000-12: follow-up call by the end of the 3rd working day after resolution (National Day 2025)."""
    r = sim({"severity": "P3"}, [("2025-09-30T10:00:00+08:00", "created"), ("2025-09-30T16:00:00+08:00", "resolved")])
    (follow,) = clocks(r, "follow_up")
    assert (follow["due_at"], follow["status"], follow["breached_at"]) == (
        "2025-10-11T18:00:00+08:00", "breached", "2025-10-11T18:00:00+08:00")


def test_contract_expiry_notice_one_month_before_contract_end(sim: Sim) -> None:
    """R-004-06: one month before a maintenance contract expires, send an expiry notice: a clock on the
    contract, due at the end of 30 November for a contract ending 31 December (a notice sent that day is on time)."""
    r = sim({"tier": "contract", "contract_end": "2025-12-31"},
            [("2025-06-01T10:00:00+08:00", "created"), ("2025-11-30T16:00:00+08:00", "expiry_notice_sent")], policy=COMPANY,
            kind="contract")
    (notice,) = clocks(r, "expiry_notice")
    assert (notice["due_at"], notice["status"]) == ("2025-12-01T00:00:00+08:00", "met")
    late = sim({"tier": "contract", "contract_end": "2025-12-31"},
               [("2025-06-01T10:00:00+08:00", "created")], policy=COMPANY, kind="contract",
               as_of=dt.datetime(2025, 12, 1, 1, tzinfo=dt.UTC).timestamp())
    assert clocks(late, "expiry_notice")[0]["status"] == "breached"


def test_escalation_kinds(sim: Sim) -> None:
    """Steps at 75 %, breach, breach + 4 h repeating (company practice), and R-004-08's serious complaint
    told to the vice GM at once: a notice on the complaint, not a step of an unrelated clock."""
    r = sim({"severity": "P2"}, [("2025-06-03T14:00:00+08:00", "created"), ("2025-06-04T09:00:00+08:00", "resolved")])
    steps = [(e["at"][11:16], e["step"], e.get("repeat", 0)) for e in r["escalations"] if e["metric"] == "resolution"]
    assert steps == [("17:00", 1, 0), ("18:00", 2, 0), ("22:00", 3, 0), ("02:00", 3, 1), ("06:00", 3, 2)]
    complaint = sim({**CALL, "category": "serious_complaint", "area": "city"},
                    [("2025-03-07T10:00:00+08:00", "created"), ("2025-03-07T11:00:00+08:00", "on_site_arrived")], policy=COMPANY)
    assert complaint["notices"] == [{"at": "2025-03-07T10:00:00+08:00", "id": "serious-complaint", "notify": ["vice_gm"]}]
    assert [e for e in complaint["escalations"] if e["metric"] == "on_site_arrival"] == []


def test_step_does_not_fire_after_its_clock_stopped(sim: Sim) -> None:
    """No escalation for a problem solved in time."""
    r = sim({"severity": "P2"}, [("2025-06-03T14:00:00+08:00", "created"), ("2025-06-03T16:00:00+08:00", "resolved")])
    assert [e for e in r["escalations"] if e["metric"] == "resolution"] == []


def test_unfinished_clock_is_running_until_as_of_then_breached(sim: Sim) -> None:
    events = [("2025-07-01T10:00:00+08:00", "created")]
    early = sim({"severity": "P1"}, events, as_of=dt.datetime(2025, 7, 1, 2, 5, tzinfo=dt.UTC).timestamp())
    assert clocks(early, "first_response")[0]["status"] == "running"
    late = sim({"severity": "P1"}, events)
    assert clocks(late, "first_response")[0]["breached_at"] == "2025-07-01T10:15:00+08:00"


def test_examples_golden_json(run_cli: Callable[..., Any], golden: Callable[[Path, str], None]) -> None:
    """The README's main command, as JSON, on every backend (regenerate with pytest --update-golden)."""
    for engine in ENGINES:
        result = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of",
                         "2025-12-31T00:00:00+08:00", "--format", "json", "--engine", engine)
        assert result.exit_code == 0
        out = json.loads(result.stdout)
        golden(ROOT / "tests" / "golden" / "simulate_examples.json", pretty_json(out["tickets"]))
        assert {k: v for k, v in out["summary"].items() if k != "engine"} == {"tickets": 14, "simulated": 14, "rejected": 0}


def test_bad_tickets_are_each_rejected_with_a_reason(run_cli: Callable[..., Any]) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/bad-tickets.jsonl", "--format", "jsonl", "--engine", "python")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["errors"][0]["code"]) for r in lines] == [
        (1, "unknown_severity"), (2, "missing_created"), (3, "event_before_created"), (4, "unknown_event_type"),
        (5, "unknown_tier"), (6, "bad_timestamp"), (7, "no_policy_version"), (8, "unparseable"), (9, "duplicate_id"),
    ]
    assert result.stderr.strip() == "9 tickets: 0 simulated, 9 rejected"


def test_csv_and_yaml_input(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    csv_file = tmp_path / "log.csv"
    csv_file.write_text(
        "ticket_id,at,type,status,severity\n"
        "T-1,2025-03-07T17:50:00,created,,P1\n"
        "T-1,2025-03-07T17:58:00,responded,,\n"
        "T-1,2025-03-08T12:00:00,update,,P2\n", encoding="utf-8")
    result = run_cli("simulate", str(AFTER_SALES), str(csv_file), "--format", "json", "--as-of", "2025-03-08T12:30:00", "--engine", "python")
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert ticket["status"] == "ok"
    assert [c["target"] for c in clocks(ticket, "resolution")] == ["4h"]
    yaml_file = tmp_path / "t.yaml"
    yaml_file.write_text("id: Y-1\nattributes: {severity: P3}\nevents:\n  - {at: 2025-03-07T17:50:00+08:00, type: created}\n", encoding="utf-8")
    result = run_cli("simulate", str(AFTER_SALES), str(yaml_file), "--format", "csv", "--as-of", "2025-03-08T00:00:00+08:00", "--engine", "python")
    rows = result.stdout.splitlines()
    assert rows[0].startswith("id,status,policy_version,metric")
    assert any(",first_response,1,1h,24x7," in row for row in rows)


def test_usage_errors_exit_2(run_cli: Callable[..., Any]) -> None:
    assert run_cli("simulate", "policies/after-sales", "missing.jsonl").exit_code == 2
    result = run_cli("simulate", "policies", "examples/tickets.jsonl")
    assert result.exit_code == 2 and "several policies" in result.stderr


# ---- duties, penalties and coverage at their edges (found in review) ------------------------------------

DUTIES = ROOT / "tests" / "fixtures" / "duties" / "policy.yaml"
TZ8 = dt.timezone(dt.timedelta(hours=8))


def _items(*tickets: dict[str, Any]) -> list[RawItem]:
    return [RawItem(t, n) for n, t in enumerate(tickets, 1)]


def test_the_nth_working_day_of_the_month(tmp_path: Path) -> None:
    """April 2025: the 1st and 2nd are working days, the 4th is Qingming: the 5th working day is the 8th."""
    from slapolicy.sim.replay import simulate as replay_items

    group = {"id": "G", "kind": "group", "events": [{"at": "2025-03-20T10:00:00+08:00", "type": "created"},
                                                      {"at": "2025-04-02T12:00:00+08:00", "type": "report_filed"}]}
    (out,) = replay_items(PolicySet.of([open_policy(DUTIES)]), _items(group), "python",
                          dt.datetime(2025, 4, 30, tzinfo=TZ8).timestamp())
    dues = {(c.metric.id, c.cycle): (dt.datetime.fromtimestamp(c.due, TZ8).isoformat(), c.status.value)  # type: ignore[union-attr, arg-type]
            for c in out.clocks}  # type: ignore[union-attr]
    assert dues[("second", 1)] == ("2025-04-02T18:00:00+08:00", "met")
    assert dues[("fifth", 1)] == ("2025-04-08T18:00:00+08:00", "met")
    assert dues[("first", 1)] == ("2025-04-01T18:00:00+08:00", "breached")
    assert all(cycle == 1 for _, cycle in dues)  # March: created after its due days, nothing owed


def test_an_undecided_rule_is_neither_charged_nor_counted_as_broken() -> None:
    from slapolicy.kpi.objectives import objective_results
    from slapolicy.kpi.report import Aggregator
    from slapolicy.sim.replay import simulate as replay_items

    policies = PolicySet.of([open_policy(DUTIES)])
    unknown = {"id": "U1", "attributes": {"severity": "P1"},
               "events": [{"at": "2025-03-03T10:00:00+08:00", "type": "created"}, {"at": "2025-03-03T11:00:00+08:00", "type": "closed"}]}
    kept = {"id": "U2", "attributes": {"severity": "P1", "category": "complaint"},
            "events": [{"at": "2025-03-03T10:00:00+08:00", "type": "created"}, {"at": "2025-03-03T10:30:00+08:00", "type": "confirmed"},
                       {"at": "2025-03-03T11:00:00+08:00", "type": "closed"}]}
    outcomes = replay_items(policies, _items(unknown, kept), "python", AS_OF)
    assert [[c.penalty.id for c in o.charges] for o in outcomes] == [[], ["complaint"]]  # type: ignore[union-attr]
    aggregator = Aggregator(policies.tz, "month", ())
    for o in outcomes:
        aggregator.add_outcome(o)
    (row,) = [r for r in objective_results(aggregator.report, policies.versions) if r.objective.id == "breaking"]
    assert (row.value, row.met) == (0.0, True)


def test_nothing_after_as_of_is_charged() -> None:
    from slapolicy.sim.replay import simulate as replay_items

    later = {"id": "L", "attributes": {"severity": "P1"},
             "events": [{"at": "2025-03-03T10:00:00+08:00", "type": "created"},
                        {"at": "2025-06-01T10:00:00+08:00", "type": "update", "attributes": {"category": "complaint"}}]}
    (out,) = replay_items(PolicySet.of([open_policy(DUTIES)]), _items(later), "python", dt.datetime(2025, 4, 1, tzinfo=TZ8).timestamp())
    assert out.charges == () and "category" not in out.attributes  # type: ignore[union-attr]


def test_coverage_without_a_window_and_in_working_days_on_24x7() -> None:
    from slapolicy.kpi.objectives import objective_results
    from slapolicy.kpi.report import Aggregator
    from slapolicy.sim.replay import simulate as replay_items

    policies = PolicySet.of([open_policy(DUTIES)])
    checked = {"id": "C1", "attributes": {"severity": "P1", "category": "repair"},
               "events": [{"at": "2025-03-07T20:00:00+08:00", "type": "created"}, {"at": "2025-03-07T21:00:00+08:00", "type": "closed"},
                          {"at": "2025-03-08T20:00:00+08:00", "type": "quality_checked"}]}
    unchecked = {"id": "C2", "attributes": {"severity": "P1", "category": "repair"},
                 "events": [{"at": "2025-03-07T20:00:00+08:00", "type": "created"}, {"at": "2025-03-07T21:00:00+08:00", "type": "closed"}]}
    outcomes = replay_items(policies, _items(checked, unchecked), "python", AS_OF)
    assert all(isinstance(o, SubjectOutcome) for o in outcomes)  # 1 working day on 24x7: the next day, not an error
    aggregator = Aggregator(policies.tz, "month", ())
    for o in outcomes:
        aggregator.add_outcome(o)
    rows = {r.objective.id: (r.value, r.measured) for r in objective_results(aggregator.report, policies.versions)
            if r.objective.measure == "coverage"}
    assert rows == {"checked-ever": (0.5, 2), "checked-in-a-day": (0.5, 2)}


def test_examples_table_fits_80_columns(run_cli: Callable[..., Any], golden: Callable[[Path, str], None],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's main command as a terminal table: no line over 80 columns, no word cut with …, no
    trailing blanks when piped; severity and tier with the policy's names; target changes and pauses."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00",
                     "--format", "table", "--engine", "python")
    assert result.exit_code == 0
    golden(ROOT / "tests" / "golden" / "simulate_examples_table.txt", result.stdout)
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "…" not in result.stdout and all(line == line.rstrip() for line in lines)
    assert "T-1001 — severity P2 二级重要, tier standard 标准服务" in lines
    assert "after-sales 2025.1, created 2025-03-07 17:50; times in the calendars' zones" in lines
    assert "  target     03-08 12:00  resolution: none → 4h" in lines
    assert "  paused                  resolution: 2h in all" in lines
    wrapped = lines.index("  finding    07-01 11:00  ownership: handed from 王芳 (its first receiver) to")
    assert lines[wrapped + 1] == "                          李强 before 'closed' (by 王芳) [R-000-19]"  # under its text
    cancelled = next(line for line in lines if line.startswith("progress_update #4 "))
    assert cancelled.split()[-1] == "cancelled"
    assert result.stderr == "14 subjects: 14 simulated, 0 rejected\n"  # hotline calls beside the tickets


def test_explained_table_fits_80_columns(run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """--explain adds the rule's line in the policy file named in the heading, and still fits."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00",
                  "--format", "table", "--explain", "--engine", "python").stdout
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80 and "…" not in out
    first = line_of(AFTER_SALES, "- id: p1-urgent")
    assert f"first_response    15m         03-07 17:50 03-07 18:05 03-07 17:58 met       {first}" in lines
    assert "after-sales 2025.1 (policies/after-sales/2025.1.yaml: rules by line), created" in lines
    assert f"  target     03-08 12:00  resolution: none → 4h (rule {line_of(AFTER_SALES, '- id: p2-important')})" in lines

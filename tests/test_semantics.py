"""The clock semantics of docs/semantics.md, fixed once in the engine (slapolicy.sim), each on a small
fixture policy (tests/fixtures/semantics/policy.yaml, round test figures): sections mirror the units of
slapolicy.sim. Expected instants are worked out by hand in each docstring. Every test runs on each
rules-engine backend available here."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from slapolicy.i18n import speaking, translated
from slapolicy.rules.engine import durable_available
from slapolicy.sim.clock import MAX_PERIODS
from slapolicy.sim.outcome import ClockOutcome, ClockStatus, Rejection, SubjectOutcome
from slapolicy.sim.phases import Phases
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy, read_policy

POLICY = FIXTURES / "semantics" / "policy.yaml"
TZ = dt.timezone(dt.timedelta(hours=8))
ENGINES = ["python"] + (["durable"] if durable_available() else [])
MET, BREACHED, RUNNING, CANCELLED = ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.RUNNING, ClockStatus.CANCELLED

Events = list[tuple[str, str] | tuple[str, str, dict[str, Any]]]


def at(text: str) -> float:
    """An instant of March 2025 in the policy's zone: '03 10:30' is 2025-03-03 10:30 +08:00."""
    return dt.datetime.strptime(f"2025-03-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=TZ).timestamp()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def outcomes(engine: str, items: list[dict[str, Any]], as_of: str = "31 00:00") -> list[SubjectOutcome | Rejection]:
    """`as_of`: a day and time of March 2025 ('31 00:00'), or a whole ISO instant."""
    raw = [RawItem(item, n) for n, item in enumerate(items, 1)]
    now = dt.datetime.fromisoformat(as_of).timestamp() if "T" in as_of else at(as_of)
    return list(simulate(PolicySet.of([open_policy(POLICY)]), raw, engine, now))


def replay(engine: str, events: Events, attributes: dict[str, Any] | None = None, kind: str = "ticket",
           as_of: str = "31 00:00") -> SubjectOutcome:
    evs = [{"at": dt.datetime.fromtimestamp(at(e[0]), TZ).isoformat(), "type": e[1], **(e[2] if len(e) > 2 else {})}  # type: ignore[misc]
           for e in events]
    (outcome,) = outcomes(engine, [{"id": "S-1", "kind": kind, "attributes": attributes or {}, "events": evs}], as_of)
    assert isinstance(outcome, SubjectOutcome), outcome
    return outcome


def line_of(text: str) -> int:
    """The line of the fixture policy where `text` first appears (rules are named by their line)."""
    return next(n for n, line in enumerate(POLICY.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def clocks(outcome: SubjectOutcome, metric: str) -> list[ClockOutcome]:
    return [c for c in outcome.clocks if c.metric.id == metric]


def fired(outcome: SubjectOutcome, step: str) -> list[float]:
    return [e.at for e in outcome.escalations if e.step.id == step]


def severity(value: str) -> dict[str, Any]:
    return {"attributes": {"severity": value}}


# ---- machine: re-grading ------------------------------------------------------------------------------

def test_a_downgrade_that_withdraws_the_target_cancels_the_clock_at_the_change(engine: str) -> None:
    """P1 at 10:00 has a plan due 12:00 (2h); downgraded to P2 at 10:30, which has no plan target: the
    plan clock is cancelled at 10:30, not judged under the P1 target at the proposal of 13:00. The
    50 % warning (11:00) never goes out; resolution is re-timed from 10:00 under P2's 8h (due 18:00)."""
    out = replay(engine, [("03 10:00", "created"), ("03 10:30", "update", severity("P2")),
                          ("03 13:00", "plan_proposed"), ("03 13:30", "resolved")], {"severity": "P1"})
    (plan,) = clocks(out, "plan")
    assert (plan.status, plan.cancelled, plan.stopped, plan.breached_at) == (CANCELLED, at("03 10:30"), None, None)
    assert [(c.at, c.target is not None) for c in plan.changes] == [(at("03 10:00"), True), (at("03 10:30"), False)]
    assert fired(out, "plan-warn") == [] and fired(out, "plan-late") == []
    (resolution,) = clocks(out, "resolution")
    assert (resolution.due, resolution.status) == (at("03 18:00"), MET)


def test_an_upgrade_that_withdraws_the_target_cancels_the_clock_at_the_change(engine: str) -> None:
    """P3 at 10:00 owes a call-back by 11:00 (1h); upgraded to P1 at 10:20, which has none: cancelled at
    10:20, although the call-back came at 10:50 (it would have been met)."""
    out = replay(engine, [("03 10:00", "created"), ("03 10:20", "update", severity("P1")), ("03 10:50", "called_back")],
                 {"severity": "P3"})
    (callback,) = clocks(out, "callback")
    assert (callback.status, callback.cancelled, callback.stopped) == (CANCELLED, at("03 10:20"), None)


def test_a_step_that_fired_before_the_withdrawal_stays_in_the_record(engine: str) -> None:
    """P1 at 10:00: the plan's 50 % warning goes out at 11:00; downgraded at 11:30: cancelled then, the
    warning stays, the breach step (12:00) never fires."""
    out = replay(engine, [("03 10:00", "created"), ("03 11:30", "update", severity("P2"))], {"severity": "P1"})
    (plan,) = clocks(out, "plan")
    assert (plan.status, plan.cancelled) == (CANCELLED, at("03 11:30"))
    assert (fired(out, "plan-warn"), fired(out, "plan-late")) == ([at("03 11:00")], [])


def test_a_clock_already_past_due_when_its_target_is_withdrawn_stays_breached(engine: str) -> None:
    """P3 at 10:00, call-back due 11:00, none by then; upgraded to P1 at 11:30: the clock stays breached
    at 11:00, and the step fired at 11:00 stays in the record."""
    out = replay(engine, [("03 10:00", "created"), ("03 11:30", "update", severity("P1")), ("03 12:00", "called_back")],
                 {"severity": "P3"})
    (callback,) = clocks(out, "callback")
    assert (callback.status, callback.breached_at, callback.cancelled) == (BREACHED, at("03 11:00"), at("03 11:30"))
    assert fired(out, "callback-late") == [at("03 11:00")]


def test_a_target_that_comes_back_while_the_clock_runs_judges_it_from_its_start(engine: str) -> None:
    """P1 10:00 (plan due 12:00) → P2 at 10:30 (no plan target) → P1 again at 11:00, plan proposed at
    12:30: the clock was never stopped, so the returning 2h is measured from 10:00 (due 12:00) and the
    proposal at 12:30 is late. The 50 % warning is due at 11:00, inside the second P1 stretch: it fires
    at 11:00; the breach step at 12:00."""
    out = replay(engine, [("03 10:00", "created"), ("03 10:30", "update", severity("P2")),
                          ("03 11:00", "update", severity("P1")), ("03 12:30", "plan_proposed")], {"severity": "P1"})
    (plan,) = clocks(out, "plan")
    assert (plan.status, plan.due, plan.breached_at, plan.cancelled) == (BREACHED, at("03 12:00"), at("03 12:00"), None)
    assert [c.target is not None for c in plan.changes] == [True, False, True]
    assert (fired(out, "plan-warn"), fired(out, "plan-late")) == ([at("03 11:00")], [at("03 12:00")])


def test_a_target_that_comes_back_after_the_stop_does_not_revive_the_clock(engine: str) -> None:
    """P1 10:00 → P2 10:30; the plan is proposed at 10:45 (while no plan target is in force), P1 again at
    11:00: the clock ended under no target, so it stays cancelled at 10:30."""
    out = replay(engine, [("03 10:00", "created"), ("03 10:30", "update", severity("P2")), ("03 10:45", "plan_proposed"),
                          ("03 11:00", "update", severity("P1"))], {"severity": "P1"})
    (plan,) = clocks(out, "plan")
    assert (plan.status, plan.cancelled) == (CANCELLED, at("03 10:30"))


# ---- machine and phases: what hangs on a phase ends with it -------------------------------------------------

def periods(outcome: SubjectOutcome, metric: str) -> list[tuple[int, float, float | None, ClockStatus]]:
    return [(c.cycle, c.started, c.due, c.status) for c in clocks(outcome, metric)]


def findings(outcome: SubjectOutcome) -> list[tuple[str, str | None, float | None, str]]:
    return [(f.code, f.rule, f.at, f.message) for f in outcome.findings]


def test_a_visit_never_finished_ends_when_the_ticket_is_resolved(engine: str) -> None:
    """Issue 19's T-2: on site from 03-03 12:00, one report at 13:00, never finished; resolved 03-04 13:30,
    closed 14:00. Periods of 2h from 13:00: #2 13:00-15:00 ... #13 (03-04 11:00-13:00) missed, #14 from
    03-04 13:00 (due 15:00) cancelled at 13:30 when the resolution ended the visit; none after (the run
    is at 03-06). The sign-off invariant is judged at that end: 'resolved' ended the visit unsigned."""
    out = replay(engine, [("03 10:00", "created"), ("03 12:00", "on_site_arrived"), ("03 13:00", "on_site_update"),
                          ("04 13:30", "resolved"), ("04 14:00", "closed")], {"severity": "P3"}, as_of="06 00:00")
    got = periods(out, "progress")
    assert got[0] == (1, at("03 12:00"), at("03 14:00"), MET)
    assert got[1:-1] == [(n, at("03 13:00") + (n - 2) * 7200, at("03 15:00") + (n - 2) * 7200, BREACHED) for n in range(2, 14)]
    assert got[-1] == (14, at("04 13:00"), at("04 15:00"), CANCELLED) and clocks(out, "progress")[-1].cancelled == at("04 13:30")
    assert findings(out) == [("out_of_order", "signed", at("04 13:30"),
                              "'resolved' (ending the visit) came before 'customer_signed'")]


def test_closing_or_withdrawing_ends_the_visit(engine: str) -> None:
    """On site 12:00, a report at 13:00 (period #1 met, #2 due 15:00): closed at 14:30 without being
    resolved, #2 is cancelled then; withdrawn at 14:30 instead (declared `ends: life`), the same. Each
    time the visit ended unsigned."""
    for end in ("closed", "withdrawn"):
        out = replay(engine, [("03 10:00", "created"), ("03 12:00", "on_site_arrived"), ("03 13:00", "on_site_update"),
                              ("03 14:30", end)], {"severity": "P3"}, as_of="06 00:00")
        assert periods(out, "progress") == [(1, at("03 12:00"), at("03 14:00"), MET), (2, at("03 13:00"), at("03 15:00"), CANCELLED)]
        assert findings(out) == [("out_of_order", "signed", at("03 14:30"), f"'{end}' (ending the visit) came before 'customer_signed'")]


def test_a_period_past_due_when_the_phase_ends_stays_breached(engine: str) -> None:
    """On site 12:00, no report: #1 due 14:00 is missed, #2 runs 14:00-16:00; resolved at 15:00 after
    signing: #1 breached, #2 cancelled at 15:00, and no finding (signed at 14:50)."""
    out = replay(engine, [("03 10:00", "created"), ("03 12:00", "on_site_arrived"), ("03 14:50", "customer_signed"),
                          ("03 15:00", "resolved")], {"severity": "P3"}, as_of="06 00:00")
    assert periods(out, "progress") == [(1, at("03 12:00"), at("03 14:00"), BREACHED), (2, at("03 14:00"), at("03 16:00"), CANCELLED)]
    assert out.findings == ()


def test_a_second_visit_starts_a_new_cycle(engine: str) -> None:
    """Visit 1 10:00-11:00 (signed), visit 2 from 14:00 with a report at 15:00, finished 15:30 (signed):
    #1 cancelled at 11:00 (finished before due), #2 from 14:00 met at 15:00, #3 from 15:00 cancelled at
    15:30. Before, the second arrival started nothing."""
    out = replay(engine, [("03 09:00", "created"), ("03 10:00", "on_site_arrived"), ("03 10:50", "customer_signed"),
                          ("03 11:00", "on_site_finished"), ("03 14:00", "on_site_arrived"), ("03 15:00", "on_site_update"),
                          ("03 15:20", "customer_signed"), ("03 15:30", "on_site_finished")], {"severity": "P3"})
    assert periods(out, "progress") == [(1, at("03 10:00"), at("03 12:00"), CANCELLED), (2, at("03 14:00"), at("03 16:00"), MET),
                                        (3, at("03 15:00"), at("03 17:00"), CANCELLED)]
    assert out.findings == ()


def test_resolved_without_a_visit_asks_for_no_signature(engine: str) -> None:
    """No visit: the resolution ends no visit, so the sign-off invariant has nothing to judge."""
    out = replay(engine, [("03 10:00", "created"), ("03 11:00", "resolved"), ("03 12:00", "closed")], {"severity": "P3"})
    assert out.findings == () and clocks(out, "progress") == []


@pytest.mark.parametrize(("history", "by"), [
    ([("03 10:00", "created"), ("03 12:00", "closed")], "'closed' (ending the work)"),
    ([("03 10:00", "created"), ("03 12:00", "withdrawn")], "'withdrawn' (ending the work)"),
    ([("03 10:00", "created"), ("03 11:00", "resolved"), ("03 12:00", "closed")], "'resolved'"),
    ([("03 10:00", "created"), ("03 11:00", "resolved"), ("03 11:30", "reopened"), ("03 12:00", "closed")],
     "'resolved'"),  # the first end of the work is judged
])
def test_an_invariant_before_the_end_of_the_work_is_judged_however_the_work_ends(
        engine: str, history: Events, by: str) -> None:
    """P2 requires the customer told how the work stands before it is resolved: a ticket closed (or
    withdrawn) unresolved and untold breaks it at its end, as one resolved untold does."""
    out = replay(engine, [*history, ("03 12:30", "customer_updated")], {"severity": "P2"})
    assert [(f.rule, f.message) for f in out.findings] == [("informed", f"{by} came before 'customer_updated'")]


def test_the_quick_test_for_phase_ends_misses_none() -> None:
    """`Phases.ended` walks a history only when some phase may end other than by its own end event:
    for every history of up to five events after `created`, it finds what the walk finds."""
    phases = Phases(open_policy(POLICY))
    alphabet = ("on_site_arrived", "on_site_finished", "resolved", "reopened", "closed", "withdrawn", "responded")
    for n in range(6):
        for tail in itertools.product(alphabet, repeat=n):
            kinds = ["created", *tail]
            assert phases.ended(kinds, set(kinds)) == phases.walk(kinds), kinds


def test_a_repeating_clock_started_by_another_event_ends_with_the_work(engine: str) -> None:
    """P2: the customer is to be told how the work stands every 8h from creation (10:00); never told,
    resolved at 20:00: #1 (due 18:00) breached, #2 from 18:00 cancelled at 20:00, none after."""
    out = replay(engine, [("03 10:00", "created"), ("03 20:00", "resolved")], {"severity": "P2"}, as_of="10 00:00")
    assert periods(out, "chase") == [(1, at("03 10:00"), at("03 18:00"), BREACHED), (2, at("03 18:00"), at("04 02:00"), CANCELLED)]


def test_a_repeating_clock_started_by_the_resolution_ends_with_the_life(engine: str) -> None:
    """P1 resolved 03-03 12:00: the customer is called every day after (1d). Called 03-04 09:00 (#1 met),
    then not: #2 (due 03-05 09:00) and #3 (due 03-06 09:00) missed; closed 03-06 12:00 cancels #4. The
    resolution that starts it does not end it (it leaves the life open)."""
    out = replay(engine, [("03 10:00", "created"), ("03 12:00", "resolved"), ("04 09:00", "customer_called"),
                          ("06 12:00", "closed")], {"severity": "P1"}, as_of="10 00:00")
    assert periods(out, "aftercare") == [(1, at("03 12:00"), at("04 12:00"), MET), (2, at("04 09:00"), at("05 09:00"), BREACHED),
                                         (3, at("05 09:00"), at("06 09:00"), BREACHED), (4, at("06 09:00"), at("07 09:00"), CANCELLED)]


# ---- periods: `every` duties end with the life -----------------------------------------------------------

def test_a_daily_duty_ends_when_the_subject_is_closed_or_withdrawn(engine: str) -> None:
    """A duty holder from 03-03 09:00, a report on 03-03 only; closed (or withdrawn) 03-05 12:00, run on
    03-10: 03-03 met, 03-04 breached at its end (03-05 00:00), 03-05 cancelled at 12:00 (not yet due);
    no period of 03-06 … 03-09."""
    for end in ("closed", "withdrawn"):
        out = replay(engine, [("03 09:00", "created"), ("03 17:00", "reported"), ("05 12:00", end)], kind="desk", as_of="10 00:00")
        assert periods(out, "daily") == [(1, at("03 09:00"), at("04 00:00"), MET), (2, at("04 00:00"), at("05 00:00"), BREACHED),
                                         (3, at("05 00:00"), at("06 00:00"), CANCELLED)]


# ---- checks and findings: nothing silently off --------------------------------------------------------------

def test_a_record_without_a_required_attribute_is_a_finding_and_still_timed(engine: str) -> None:
    """A call logged without the phone its clause requires (before: rejected, so none of its clocks
    counted): a `missing_attribute` finding of R-004-02 dated at its creation; its answer is still timed
    (created 10:00, answered 10:00:30, due 10:01: met)."""
    out = replay(engine, [("03 10:00", "created"), ("03 10:00", "responded")], {"channel": "hotline"}, kind="call")
    assert [(c.status, c.due) for c in clocks(out, "answer")] == [(MET, at("03 10:01"))]
    assert [(f.code, f.rule, f.at, f.clauses) for f in out.findings] == [("missing_attribute", "phone", at("03 10:00"), ("R-004-02",))]
    assert out.findings[0].message == "the call has no 'phone', which the policy requires recorded"


def test_a_value_outside_the_listed_ones_is_a_finding_and_still_timed(engine: str) -> None:
    """A call taken by WeChat (R-000-09 lists hotline, chat, email), re-recorded as fax at 10:05: a finding
    for each value, dated when the call had it, though `channel` is `unknown: ignore`; still timed."""
    out = replay(engine, [("03 10:00", "created"), ("03 10:05", "update", {"attributes": {"channel": "fax"}}),
                          ("03 10:10", "responded")], {"phone": "1", "channel": "wechat"}, kind="call")
    assert [(c.status, c.due) for c in clocks(out, "answer")] == [(BREACHED, at("03 10:01"))]
    assert findings(out) == [
        ("unlisted_value", "channel", at("03 10:00"), "channel='wechat' is none of the values the policy lists: hotline, chat, email"),
        ("unlisted_value", "channel", at("03 10:05"), "channel='fax' is none of the values the policy lists: hotline, chat, email")]
    assert all(f.clauses == ("R-000-09",) for f in out.findings)


def test_a_number_off_its_scale_is_a_finding(engine: str) -> None:
    """The rating is given on 0 to 100: 100 and 0 are on it; 100.5, -1 and 'good' are not, each a finding
    of the attribute's clause on a call that is still replayed."""
    def rated(value: Any) -> SubjectOutcome:
        return replay(engine, [("03 10:00", "created")], {"phone": "1", "rating": value}, kind="call")

    assert rated(100).findings == () and rated(0).findings == ()
    for value in (100.5, -1, "good"):
        assert [(f.code, f.rule, f.message, f.clauses) for f in rated(value).findings] == [
            ("unlisted_value", "rating", f"rating={value!r} is outside the scale the policy gives: 0 to 100", ("R-000-16",))]


@pytest.mark.parametrize(("declared", "message"), [
    ("type: string, range: [0, 100]", "a range is a scale of numbers; declare the attribute `type: number`, or list its `values`"),
    ("type: number, range: [100, 0]", "the range [100, 0] runs backwards; write the lower end first"),
])
def test_a_range_is_a_scale_of_numbers_written_low_to_high(tmp_path: Path, declared: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.read_text(encoding="utf-8").replace("type: number, range: [0, 100]", declared), encoding="utf-8")
    _, problems = read_policy(path)
    assert [(d.code, d.message) for d in problems] == [("SLA104", message)]


def test_a_missing_tier_where_a_rule_reads_it_is_a_finding(engine: str) -> None:
    """A review is owed within 1h for gold tickets only. Asked for at 10:00 on a ticket without a tier:
    the rule cannot be decided, and says so (before: silently no review deadline); basic: no deadline and
    no finding; gold: due 11:00 (and missed by the run's now, 03-31)."""
    events: Events = [("03 09:00", "created"), ("03 10:00", "review_requested")]
    none = replay(engine, events, {"severity": "P2"})
    assert clocks(none, "review") == []
    assert [(f.code, f.message) for f in none.findings] == [
        ("undecided_rule", f"the review target of gold-review ({POLICY}:{line_of('gold-review')}) could not be applied: "
                           "the ticket has no 'tier'")]
    with speaking("zh"):  # kept as a message: said in the reader's language where it is shown
        assert translated(none.findings[0].message) == f"gold-review（{POLICY}:{line_of('gold-review')}）中 review 的时限无法适用：ticket 缺少 'tier'"
    basic = replay(engine, events, {"severity": "P2", "tier": "basic"})
    assert clocks(basic, "review") == [] and basic.findings == ()
    gold = replay(engine, events, {"severity": "P2", "tier": "gold"})
    assert [(c.due, c.status) for c in clocks(gold, "review")] == [(at("03 11:00"), BREACHED)] and gold.findings == ()


def test_a_deadline_before_a_date_the_subject_lacks_is_a_finding(engine: str) -> None:
    """A gold contract owes a renewal offer 1 month before its end. Without `contract_end` (declared
    `unknown: ignore`) it cannot be timed: a finding (before: no clock and no word). A basic contract
    owes none; with contract_end 2025-06-30 the offer is due by the end of 05-30."""
    created = [("03 09:00", "created")]
    missing = replay(engine, created, {"tier": "gold"}, kind="contract")
    assert clocks(missing, "renewal") == []
    assert [(f.code, f.message) for f in missing.findings] == [
        ("undecided_rule", f"the renewal target of gold-renewal ({POLICY}:{line_of('gold-renewal')}) could not be applied: "
                           "the contract has no 'contract_end', the date it is due before")]
    assert replay(engine, created, {"tier": "basic"}, kind="contract").findings == ()
    dated = replay(engine, created, {"tier": "gold", "contract_end": "2025-06-30"}, kind="contract")
    assert [c.due for c in clocks(dated, "renewal")] == [dt.datetime(2025, 5, 31, tzinfo=TZ).timestamp()] and dated.findings == ()


# ---- simulator: --as-of is the replay's "now" ---------------------------------------------------------------

def test_events_after_as_of_are_not_applied(engine: str) -> None:
    """P2 opened 03-03 10:00 and resolved at 12:00 (met, due 18:00); reopened 03-05 and re-graded to P1 on
    03-06, both after the run's now (03-04): no second cycle (before: a cycle-2 clock `running` with
    negative elapsed time), no target change, and the subject's attributes are those of 03-04."""
    out = replay(engine, [("03 10:00", "created"), ("03 12:00", "resolved"), ("05 10:00", "reopened"),
                          ("06 10:00", "update", severity("P1"))], {"severity": "P2"}, as_of="04 00:00")
    assert [(c.cycle, c.status, c.due, c.changes) for c in clocks(out, "resolution")] == [(1, MET, at("03 18:00"), ())]
    assert out.attributes["severity"] == "P2" and out.resolved


def test_a_subject_created_after_as_of_is_listed_and_counted_not_replayed(run_cli: Any, tmp_path: Any) -> None:
    """A (created 03-03) is replayed; B (created 03-05, after the run's now 03-04) is listed as not yet
    created and counted apart, exit 0; C, also created later but with a severity the policy lacks, is
    rejected for that (exit 1 once it is there)."""
    a = {"id": "A", "attributes": {"severity": "P2"}, "events": [{"at": "2025-03-03T10:00:00+08:00", "type": "created"}]}
    b = {"id": "B", "attributes": {"severity": "P2"}, "events": [{"at": "2025-03-05T10:00:00+08:00", "type": "created"}]}
    c = {"id": "C", "attributes": {"severity": "P9"}, "events": [{"at": "2025-03-05T10:00:00+08:00", "type": "created"}]}
    history = tmp_path / "h.jsonl"
    history.write_text("\n".join(json.dumps(x) for x in (a, b)) + "\n", encoding="utf-8")
    args = ("--as-of", "2025-03-04T00:00:00+08:00", "--engine", "python")
    result = run_cli("simulate", str(POLICY), str(history), "--format", "json", *args)
    assert result.exit_code == 0 and result.stderr.strip() == "2 tickets: 1 simulated, 0 rejected, 1 not yet created"
    doc = json.loads(result.stdout)
    assert [(t["id"], t["status"], [e["code"] for e in t["errors"]]) for t in doc["tickets"]] == [
        ("A", "ok", []), ("B", "not_yet_created", ["not_yet_created"])]
    assert doc["summary"] == {"tickets": 2, "simulated": 1, "rejected": 0, "not_yet_created": 1, "engine": "python"}
    report = run_cli("report", str(POLICY), str(history), "--format", "json", *args)
    assert report.exit_code == 0
    summary = json.loads(report.stdout)
    assert summary["summary"] == {"tickets": 2, "simulated": 1, "rejected": 0, "not_yet_created": 1}
    assert sum(g["tickets"] for g in summary["groups"]) == 1  # in no KPI
    history.write_text("\n".join(json.dumps(x) for x in (a, b, c)) + "\n", encoding="utf-8")
    result = run_cli("simulate", str(POLICY), str(history), "--format", "jsonl", *args)
    assert result.exit_code == 1 and result.stderr.strip() == "3 tickets: 1 simulated, 1 rejected, 1 not yet created"
    assert json.loads(result.stdout.splitlines()[2])["errors"][0]["code"] == "unknown_severity"


# ---- escalation: repeated steps ----------------------------------------------------------------------------

def test_a_repeated_step_fires_times_in_all(engine: str) -> None:
    """`at: breach + 1h, repeat: {every: 1h, times: 3}` on a P1 resolution (4h) opened 10:00 and never
    resolved: breach 14:00, the step at 15:00, 16:00 and 17:00: three firings, not four."""
    out = replay(engine, [("03 10:00", "created")], {"severity": "P1"}, as_of="04 00:00")
    assert fired(out, "res-gm") == [at("03 15:00"), at("03 16:00"), at("03 17:00")]
    assert [e.repeat for e in out.escalations if e.step.id == "res-gm"] == [0, 1, 2]


# ---- limits: one rule for the periods of repeat clocks and of `every` duties -------------------------------

def test_a_repeat_clock_runs_at_most_max_periods_periods(engine: str) -> None:
    """Arrived 2025-01-01 00:00, a report every 2h and none ever: period k runs from (k-1)*2h to k*2h.
    At as_of = 20 000 h later (833 days 8 h: 2027-04-14 08:00) the 10 000th period ends: replayed. A minute later the
    10 001st has begun: rejected with `limit`."""
    events = [{"at": "2025-01-01T00:00:00+08:00", "type": "created"}, {"at": "2025-01-01T00:00:00+08:00", "type": "on_site_arrived"}]
    item = {"id": "S-1", "attributes": {"severity": "P3"}, "events": events}
    (fits,) = outcomes(engine, [item], as_of="2027-04-14T08:00:00+08:00")
    assert isinstance(fits, SubjectOutcome) and len(clocks(fits, "progress")) == MAX_PERIODS
    (over,) = outcomes(engine, [item], as_of="2027-04-14T08:01:00+08:00")
    assert isinstance(over, Rejection) and over.reasons[0].code == "limit"
    assert f"more than {MAX_PERIODS} periods" in over.reasons[0].message


def test_a_repeat_clock_started_by_its_stops_runs_at_most_max_periods_periods(engine: str) -> None:
    """Arrived 00:00, then a report every minute: each report meets its period and starts the next, so n
    reports make n + 1 periods by a minute after the last (the last period runs, due 2h after it).
    9 999 reports: 10 000 periods, replayed; 10 000 reports: 10 001, `limit`."""
    start = dt.datetime(2025, 1, 1, tzinfo=TZ)

    def visit(reports: int) -> tuple[dict[str, Any], str]:
        events = [{"at": start.isoformat(), "type": "created"}, {"at": start.isoformat(), "type": "on_site_arrived"}]
        events += [{"at": (start + dt.timedelta(minutes=n)).isoformat(), "type": "on_site_update"} for n in range(1, reports + 1)]
        return {"id": "S-1", "attributes": {"severity": "P3"}, "events": events}, (start + dt.timedelta(minutes=reports + 1)).isoformat()

    item, as_of = visit(MAX_PERIODS - 1)
    (fits,) = outcomes(engine, [item], as_of)
    assert isinstance(fits, SubjectOutcome) and len(clocks(fits, "progress")) == MAX_PERIODS
    item, as_of = visit(MAX_PERIODS)
    (over,) = outcomes(engine, [item], as_of)
    assert isinstance(over, Rejection) and over.reasons[0].code == "limit"


def test_an_every_duty_runs_at_most_max_periods_periods(engine: str) -> None:
    """A daily duty from 2025-01-01: day k is the k-th period. 10 000 days later (2052-05-19 00:00) the
    10 000th day has ended: replayed; a minute into the 10 001st day: rejected with `limit`."""
    item = {"id": "D-1", "kind": "desk", "attributes": {}, "events": [{"at": "2025-01-01T00:00:00+08:00", "type": "created"}]}
    (fits,) = outcomes(engine, [item], as_of="2052-05-19T00:00:00+08:00")
    assert isinstance(fits, SubjectOutcome) and len(clocks(fits, "daily")) == MAX_PERIODS
    (over,) = outcomes(engine, [item], as_of="2052-05-19T00:01:00+08:00")
    assert isinstance(over, Rejection) and over.reasons[0].code == "limit"
    assert f"more than {MAX_PERIODS} periods" in over.reasons[0].message


def test_a_value_of_another_type_than_declared_is_a_finding_and_asked_of_no_engine(engine: str) -> None:
    """impact is a number: 'P2' > 5 is true to durable-rules and false to Python, so neither is asked.
    The rules that read them cannot be applied (undecided_rule findings), the next one that can, 8 h,
    times the ticket: due 18:00 for a ticket created 10:00, on both engines. `vip: 'yes'` and the score
    read by no rule, 'high', are findings too."""
    policy = PolicySet.of([open_policy(FIXTURES / "semantics" / "typed.yaml")])
    item = {"id": "T-1", "attributes": {"severity": "P1", "impact": "P2", "vip": "yes", "score": "high"},
            "events": [{"at": "2025-03-03T10:00:00+08:00", "type": "created"}]}
    (out,) = simulate(policy, [RawItem(item, 1)], engine, at("31 00:00"))
    assert isinstance(out, SubjectOutcome), out
    (resolution,) = [c for c in out.clocks if c.metric.id == "resolution"]
    assert resolution.due == at("03 18:00")
    assert sorted((f.code, f.rule, f.message) for f in out.findings if f.code == "unlisted_value") == [
        ("unlisted_value", "impact", "impact='P2' is not a number, as the policy declares it"),
        ("unlisted_value", "score", "score='high' is not a number, as the policy declares it"),
        ("unlisted_value", "vip", "vip='yes' is not true or false, as the policy declares it")]
    assert sorted(f.message.split(" (")[0] for f in out.findings if f.code == "undecided_rule") == [
        "the resolution target of big", "the resolution target of vip"]


def test_a_clock_past_due_while_it_ran_stays_breached_when_paused_later(engine: str) -> None:
    """after-sales: a P1 of Friday 17:50 owes a plan by 19:50 (2 h, clock time); it waits on the customer
    from Saturday 09:00. At Saturday 12:00 the plan clock is breached since 19:50 (it was shown running,
    while its breach escalations had fired)."""
    policy = PolicySet.of([open_policy(FIXTURES.parent.parent / "policies" / "after-sales" / "2025.1.yaml")])
    item = {"id": "P-1", "attributes": {"severity": "P1"}, "events": [
        {"at": "2025-03-07T17:50:00+08:00", "type": "created"}, {"at": "2025-03-07T17:58:00+08:00", "type": "responded"},
        {"at": "2025-03-08T09:00:00+08:00", "type": "status", "status": "waiting_on_customer"}]}
    (out,) = simulate(policy, [RawItem(item, 1)], engine, at("08 12:00"))
    assert isinstance(out, SubjectOutcome), out
    (plan,) = [c for c in out.clocks if c.metric.id == "resolution_plan"]
    assert (plan.status, plan.due, plan.breached_at, plan.paused) == (BREACHED, at("07 19:50"), at("07 19:50"), False)

"""Correlations (R-000-14, R-004-16): matches over the whole history, in creation order, decided
before any subject is replayed; the same on every backend, serial or parallel, file or pipe."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from slapolicy.rules.engine import durable_available
from slapolicy.sim.outcome import SubjectOutcome
from slapolicy.sim.replay import outcomes, simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy, open_policy_set

POLICY = FIXTURES / "correlations" / "policy.yaml"
AS_OF = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
ENGINES = ["python"] + (["durable"] if durable_available() else [])


def ticket(tid: str, day: str, customer: str = "A", code: str = "E1", resolved: str | None = None,
           **extra: object) -> RawItem:
    events = [{"at": f"{day}T10:00:00+08:00", "type": "created"}]
    if resolved:
        events.append({"at": f"{resolved}T10:00:00+08:00", "type": "resolved"})
    attrs = {"severity": "P1", "customer": customer, "code": code, **extra}
    return RawItem({"id": tid, "attributes": attrs, "events": events}, 0)


def run(items: list[RawItem], engine: str = "python") -> dict[str, SubjectOutcome]:
    numbered = [RawItem(i.data, n) for n, i in enumerate(items, 1)]
    out = simulate(PolicySet.of([open_policy(POLICY)]), numbered, engine, AS_OF)
    assert all(isinstance(o, SubjectOutcome) for o in out)
    return {o.id: o for o in out if isinstance(o, SubjectOutcome)}


def found(outcome: SubjectOutcome, rule: str) -> list[str]:
    return [f.message for f in outcome.findings if f.code == "recurrence" and f.rule == rule]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_third_within_the_window_completes_a_match_and_uses_the_members_up(engine: str) -> None:
    items = [ticket("T1", "2025-03-01"), ticket("T2", "2025-03-05"), ticket("B1", "2025-03-06", customer="B"),
             ticket("T3", "2025-03-20"), ticket("T4", "2025-03-21"), ticket("T5", "2025-03-25"), ticket("T6", "2025-04-18")]
    out = run(items, engine)
    assert found(out["T3"], "thrice") == ["ticket is the 3rd report within 30 calendar days with customer=A, code=E1: T1, T2, T3"]
    assert found(out["T4"], "thrice") == [] and found(out["T5"], "thrice") == []  # T1-T3 were used up; T4, T5 wait
    assert found(out["T6"], "thrice") == ["ticket is the 3rd report within 30 calendar days with customer=A, code=E1: T4, T5, T6"]
    assert found(out["B1"], "thrice") == []


def test_members_outside_the_window_drop_out() -> None:
    out = run([ticket("T1", "2025-01-01"), ticket("T2", "2025-01-20"), ticket("T3", "2025-02-10")])  # T1 is 40 days before T3
    assert found(out["T3"], "thrice") == []


def test_creation_order_decides_not_input_order() -> None:
    out = run([ticket("T3", "2025-03-20"), ticket("T1", "2025-03-01"), ticket("T2", "2025-03-05")])
    assert found(out["T3"], "thrice") and not found(out["T2"], "thrice")


def test_the_same_problem_after_it_was_solved() -> None:
    out = run([ticket("T1", "2025-03-01", resolved="2025-03-02"), ticket("T2", "2025-03-01", code="E9"),
               ticket("T3", "2025-04-01"), ticket("T4", "2025-03-01", customer="C")])
    assert found(out["T3"], "again") == ["ticket reports again a problem already solved: T1 (same customer, code)"]
    assert found(out["T1"], "again") == [] and found(out["T4"], "again") == []


def test_a_report_before_the_earlier_one_was_solved_is_no_repeat() -> None:
    out = run([ticket("T1", "2025-03-01", resolved="2025-03-10"), ticket("T2", "2025-03-05")])
    assert found(out["T2"], "again") == []


def test_a_link_names_the_earlier_ticket() -> None:
    out = run([ticket("T1", "2025-03-01"), ticket("T2", "2025-03-03", repeat_of="T1"), ticket("T3", "2025-03-04", repeat_of="T9")])
    assert found(out["T2"], "linked") == ["ticket reports again the problem of T1 (repeat_of)"]
    assert found(out["T3"], "linked") == []


def test_a_match_starts_the_obligation_clock_and_a_subject_without_the_key_says_so() -> None:
    out = run([ticket("T1", "2025-03-03"), ticket("T2", "2025-03-04"), ticket("T3", "2025-03-05"),
               RawItem({"id": "X", "attributes": {"severity": "P1", "customer": "A"},
                        "events": [{"at": "2025-03-05T10:00:00+08:00", "type": "created"}]}, 0)])
    (clock,) = [c for c in out["T3"].clocks if c.metric.id == "root_cause"]
    assert clock.started == dt.datetime(2025, 3, 5, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
    assert [f.message for f in out["X"].findings if f.code == "undecided_rule"] == [
        "correlation thrice could not be applied: the ticket has no 'code'",
        "correlation again could not be applied: the ticket has no 'code'"]


def test_who_takes_part_is_the_engines_decision() -> None:
    """`when: {severity: P1}`: a P2 with the same key is no member."""
    p2 = ticket("T2", "2025-03-02")
    p2.data["attributes"]["severity"] = "P2"
    out = run([ticket("T1", "2025-03-01"), p2, ticket("T3", "2025-03-03")])
    assert found(out["T3"], "thrice") == []


def _history(tmp_path: Path, n: int = 600) -> Path:
    rng = random.Random(5)
    lines = []
    for i in range(n):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(120))
        events = [{"at": f"{day}T10:{i % 60:02d}:00+08:00", "type": "created"}]
        if rng.random() < 0.5:
            events.append({"at": f"{day + dt.timedelta(days=1)}T10:00:00+08:00", "type": "resolved"})
        lines.append({"id": f"H-{i}", "attributes": {"severity": rng.choice(["P1", "P2"]), "customer": rng.choice("ABC"),
                                                      "code": rng.choice(["E1", "E2"])}, "events": events})
    path = tmp_path / "h.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in lines), encoding="utf-8")
    return path


def test_parallel_blocks_and_a_pipe_give_the_same_matches_as_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _history(tmp_path)
    policies = open_policy_set(POLICY)
    serial = outcomes(policies, str(path), AS_OF, "python", jobs=1)
    parallel = outcomes(policies, str(path), AS_OF, "python", jobs=2, block_bytes=3000)
    assert parallel == serial
    assert sum(1 for o in serial if isinstance(o, SubjectOutcome) for f in o.findings if f.code == "recurrence") > 20
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    assert outcomes(policies, "-", AS_OF, "python", jobs=1, block_bytes=3000) == serial


def test_a_file_read_in_blocks_matches_as_the_same_tickets_given_at_once(tmp_path: Path) -> None:
    """The file's first pass keeps its matches as a table and reads the members' ids back per block;
    the items' path builds every match at once: the same outcomes."""
    path = _history(tmp_path)
    policies = open_policy_set(POLICY)
    items = [RawItem(json.loads(line), n) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    assert outcomes(policies, str(path), AS_OF, "python", jobs=1, block_bytes=3000) == simulate(policies, items, "python", AS_OF)


def test_a_duplicate_id_takes_no_part(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    rows = [ticket("T1", "2025-03-01"), ticket("T2", "2025-03-02"), ticket("T2", "2025-03-02"), ticket("T3", "2025-03-03")]
    path.write_text("".join(json.dumps(r.data) + "\n" for r in rows), encoding="utf-8")
    out = outcomes(open_policy_set(POLICY), str(path), AS_OF, "python")
    assert [o.id for o in out if isinstance(o, SubjectOutcome) and found(o, "thrice")] == ["T3"]
    assert sum(isinstance(o, SubjectOutcome) for o in out) == 3


def test_the_shipped_recurrence_rule_matches_on_a_generated_history() -> None:
    from slapolicy.sim.generate import generate

    policies = open_policy_set(ROOT / "policies" / "after-sales")
    items = [RawItem(t, n) for n, t in enumerate(generate(policies.latest, 5000, seed=9, start=dt.date(2025, 1, 1)), 1)]
    out = simulate(policies, items, "python", AS_OF)
    assert sum(1 for o in out if isinstance(o, SubjectOutcome) for f in o.findings if f.rule == "recurring-problem") > 10


# ---- regressions found in review ---------------------------------------------------------------------

def test_a_subject_the_replay_rejects_takes_no_part() -> None:
    bogus = ticket("T2", "2025-03-04")
    bogus.data["events"].append({"at": "2025-03-04T11:00:00+08:00", "type": "bogus_event"})
    numbered = [RawItem(i.data, n) for n, i in enumerate([ticket("T1", "2025-03-03"), bogus, ticket("T3", "2025-03-05")], 1)]
    out = simulate(PolicySet.of([open_policy(POLICY)]), numbered, "python", AS_OF)
    assert [o.reasons[0].code for o in out if not isinstance(o, SubjectOutcome)] == ["unknown_event_type"]
    assert [f for o in out if isinstance(o, SubjectOutcome) for f in o.findings if f.code == "recurrence"] == []


def test_items_on_one_yaml_line_are_told_apart(run_cli: object, tmp_path: Path) -> None:
    day = "{at: '2025-03-0%d T10:00:00+08:00', type: created}"
    items = ", ".join(f"{{id: T{n}, attributes: {{severity: P1, customer: A, code: E1}}, events: [{day % n}]}}".replace(" T10", "T10")
                      for n in (3, 2, 1))
    path = tmp_path / "flow.yaml"
    path.write_text(f"[{items}, {{id: T1, attributes: {{severity: P1}}, events: [{day % 1}]}}]\n".replace(" T10", "T10"),
                    encoding="utf-8")
    result = run_cli("simulate", str(POLICY), str(path), "--format", "json", "--as-of", "2026-01-01T00:00:00+08:00")  # type: ignore[operator]
    tickets = json.loads(result.stdout)["tickets"]
    found = {t["id"]: [f["message"] for f in t.get("findings", []) if f["code"] == "recurrence"] for t in tickets if t["status"] == "ok"}
    assert found == {"T3": ["ticket is the 3rd report within 30 calendar days with customer=A, code=E1: T1, T2, T3"], "T2": [], "T1": []}
    (duplicate,) = [t for t in tickets if t["status"] == "rejected"]
    assert (duplicate["line"], duplicate["errors"][0]["message"]) == (1, "ticket id 'T1' was already used at line 1")


def test_each_version_counts_with_its_own_rule() -> None:
    """2025.1 needs 3 reports, 2025.2 needs 2: two March tickets (2025.1) are no match."""
    versions = open_policy_set(FIXTURES / "correlations" / "versions")
    items = [RawItem({"id": f"M{n}", "attributes": {"severity": "P1", "customer": "A"},
                      "events": [{"at": f"2025-{month}-0{n}T10:00:00+08:00", "type": "created"}]}, k)
             for k, (n, month) in enumerate([(1, "03"), (2, "03"), (3, "08"), (4, "08")], 1)]
    out = {o.id: o for o in simulate(versions, items, "python", AS_OF) if isinstance(o, SubjectOutcome)}
    assert [o.id for o in out.values() if found(o, "again")] == ["M4"]

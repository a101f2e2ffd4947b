"""`whatif` answers a manager's question, on a case worked by hand: what does P2 resolution 4 h → 3 h do to
P2, and how many more notifications does the service head get?

tests/fixtures/whatif: resolution on a 24×7 clock, P1 2 h, P2 4 h (base) or 3 h (candidate); the team lead
is told at 75 % of the target, the service head at breach, the vice GM and the service head again 1 h after
a P1 breach. The tickets (times +08:00) and what each version does with them:

    T1 P2 01-06 09:00 → 12:30 (3.5 h)  base: lead 12:00, met;  candidate: lead 11:15, head 12:00, breached
    T2 P2 01-07 10:00 → 11:00 (1 h)    met under both, nobody told
    T3 P2 02-03 09:00 → 14:00 (5 h)    base: lead 12:00, head 13:00; candidate: lead 11:15, head 12:00; breached
    T4 P1 02-04 09:00 → 12:30 (3.5 h)  both: lead 10:30, head 11:00, vice GM + head 12:00; breached
    T5 P2 2024-12-31 20:30 → 01-01 00:00 (3.5 h)  base: lead 23:30, met; candidate: lead 22:45, head 23:30, breached

P2 on time: 3 of 4 → 1 of 4. Notifications: team lead 4 → 4, service head 3 → 5, vice GM 1 → 1; the
service head's two more in 2024-12 (T5) and 2025-01 (T1).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from click.testing import Result

from conftest import ROOT

Run = Callable[..., Result]
AS_OF = dt.datetime(2025, 12, 31, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()
ARGS = ("whatif", "--base", "tests/fixtures/whatif/base.yaml", "--candidate", "tests/fixtures/whatif/candidate.yaml",
        "tests/fixtures/whatif/history.jsonl", "--as-of", "2025-12-31", "--jobs", "1")


def _doc(run_cli: Run) -> dict[str, Any]:
    result = run_cli(*ARGS, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_on_time_per_severity_with_denominators(run_cli: Run) -> None:
    rows = {(r["severity"], r["metric"]): r for r in _doc(run_cli)["by_severity"]}
    assert rows == {
        ("P1", "resolution"): {"severity": "P1", "metric": "resolution", "delta_on_time_rate": 0.0,
                               "base": {"met": 0, "breached": 1, "on_time_rate": 0.0},
                               "candidate": {"met": 0, "breached": 1, "on_time_rate": 0.0}},
        ("P2", "resolution"): {"severity": "P2", "metric": "resolution", "delta_on_time_rate": -0.5,
                               "base": {"met": 3, "breached": 1, "on_time_rate": 0.75},
                               "candidate": {"met": 1, "breached": 3, "on_time_rate": 0.25}},
    }


def test_notifications_per_role_year_and_period(run_cli: Run) -> None:
    load = _doc(run_cli)["notifications"]
    assert [(r["role"], r["base"], r["candidate"], r["delta"]) for r in load["roles"]] == [
        ("team_lead", 4, 4, 0), ("service_head", 3, 5, 2), ("vice_gm", 1, 1, 0)]
    assert [(r["year"], r["role"], r["base"], r["candidate"]) for r in load["per_year"]] == [
        ("2024", "team_lead", 1, 1), ("2024", "service_head", 0, 1),
        ("2025", "team_lead", 3, 3), ("2025", "service_head", 3, 4), ("2025", "vice_gm", 1, 1)]
    assert [(r["period"], r["role"], r["base"], r["candidate"]) for r in load["per_period"]] == [
        ("2024-12", "team_lead", 1, 1), ("2024-12", "service_head", 0, 1),
        ("2025-01", "team_lead", 1, 1), ("2025-01", "service_head", 0, 1),
        ("2025-02", "team_lead", 2, 2), ("2025-02", "service_head", 3, 3), ("2025-02", "vice_gm", 1, 1)]


def test_the_answer_in_markdown_and_the_table(run_cli: Run) -> None:
    md = run_cli(*ARGS, "--format", "markdown").stdout
    assert "| P2 | resolution | 75.0% (3 of 4) | 25.0% (1 of 4) | -50.0 pt |" in md
    assert "| service_head service head | 3 | 5 | +2 |" in md
    assert "| 2024 | service_head | 0 | 1 | +1 |" in md
    per_year = run_cli(*ARGS, "--period", "year", "--format", "markdown").stdout  # the load per year once, not twice
    assert per_year.count("| year | role | base | candidate | change |") == 1 and "| period | role |" not in per_year
    table = run_cli(*ARGS, "--format", "table").stdout
    assert {"on time per severity", "notifications per role", "notifications per role and year",
            "notifications per role and month"} <= {line.strip() for line in table.splitlines()}
    assert any(line.split() == ["service_head", "service", "head", "3", "5", "+2"] for line in table.splitlines())


def test_quarters_and_parallel_replays_count_the_same(run_cli: Run) -> None:
    docs = [json.loads(run_cli(*ARGS[:-1], jobs, "--period", "quarter", "--format", "json").stdout) for jobs in ("1", "2")]
    assert docs[0] == docs[1]
    assert [(r["period"], r["role"], r["candidate"]) for r in docs[0]["notifications"]["per_period"]] == [
        ("2024-Q4", "team_lead", 1), ("2024-Q4", "service_head", 1),
        ("2025-Q1", "team_lead", 3), ("2025-Q1", "service_head", 4), ("2025-Q1", "vice_gm", 1)]


def test_tickets_created_after_as_of_are_counted_apart_not_rejected(run_cli: Run) -> None:
    args = tuple("2025-02-01" if a == "2025-12-31" else a for a in ARGS)
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0  # T3 and T4 did not exist yet: no error of the input
    summary = json.loads(result.stdout)["summary"]
    assert {k: summary[k] for k in ("tickets", "replayed_base", "rejected_base", "not_yet_created_base",
                                    "not_yet_created_candidate", "changed_outcomes")} == {
        "tickets": 5, "replayed_base": 3, "rejected_base": 0, "not_yet_created_base": 2, "not_yet_created_candidate": 2,
        "changed_outcomes": 2}
    assert result.stderr == "5 tickets: 3 replayed, 0 rejected, 2 not yet created\n"


def test_diff_history_answers_the_same(run_cli: Run) -> None:
    """`diff --history` shows the same answer beside what changed in the policy (exit 1: the versions differ)."""
    args = ("diff", "tests/fixtures/whatif/base.yaml", "tests/fixtures/whatif/candidate.yaml", "--history",
            "tests/fixtures/whatif/history.jsonl", "--as-of", "2025-12-31", "--jobs", "1")
    text = run_cli(*args, "--format", "text")
    assert text.exit_code == 1
    assert {"  P2 resolution: on time 75.0% (3 of 4) → 25.0% (1 of 4) (-50.0 pt)",
            "  notifications to service_head service head: 3 → 5 (+2)",
            "  notifications in 2024 to service_head: 0 → 1 (+1)"} <= set(text.stdout.splitlines())
    md = run_cli(*args, "--format", "markdown").stdout
    assert "<details><summary>Notifications per role and month</summary>\n\n| period | role | base | candidate | change |" in md
    assert "| 2025-01 | service_head | 0 | 1 | +1 |" in md


def test_a_parallel_replay_in_small_blocks_counts_what_a_serial_one_does() -> None:
    """Each block's partial (reports by severity, notifications, ignored events) merges into the total exactly:
    the 2024.1 vs 2025.1 comparison of the 64-ticket history in 4 KB blocks on two workers equals the serial one."""
    from slapolicy.kpi.whatif import comparison_plan
    from slapolicy.output.whatif import document
    from slapolicy.sim.replay import replay
    from slapolicy.validate.repository import open_policy_set

    base, candidate = (open_policy_set(ROOT / "policies" / "after-sales" / f"{v}.yaml").versions[0] for v in ("2024.1", "2025.1"))
    docs = []
    for jobs, block in ((1, 1 << 20), (2, 4096)):
        plan, total = comparison_plan(base, candidate, AS_OF, "month", 10, "python")
        replay(plan, str(ROOT / "tests" / "fixtures" / "history.jsonl"), None, total, jobs, block_bytes=block)
        docs.append(document(total.export(), base, candidate))
    assert docs[0] == docs[1]
    assert docs[0]["notifications"]["roles"] and docs[0]["summary"]["ignored_base"]["events"]


def test_a_kind_only_one_version_governs_is_counted_apart_not_rejected(run_cli: Run) -> None:
    """Tencent CVM's 2020 agreement adds the zone SLA (zone outages): replayed under 2019.1, a zone outage is a
    subject that version does not govern — counted apart, neither rejected nor a changed outcome, exit 0.
    tests/fixtures/whatif/zones.jsonl: an instance, an outage, two zone outages."""
    args = ("whatif", "--base", "policies/tencent-cvm/2019.1.yaml", "--candidate", "policies/tencent-cvm/2020.1.yaml",
            "tests/fixtures/whatif/zones.jsonl", "--as-of", "2025-06-01", "--jobs", "1", "--format", "json")
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    s = json.loads(result.stdout)["summary"]
    assert (s["tickets"], s["replayed_base"], s["rejected_base"], s["not_governed_base"]) == (4, 2, 0, 2)
    assert (s["replayed_candidate"], s["rejected_candidate"], s["not_governed_candidate"]) == (4, 0, 0)
    assert s["changed_outcomes"] == 0 and s["tickets_rejected_only_in_base"] == 0
    assert "under 2019.1 2 replayed, 0 rejected, 2 of a kind it does not govern" in result.stderr
    assert s["kinds"] == ["instance", "outage", "zone_outage"]  # said where a subject is no ticket: 4 subjects, 4 个对象
    assert result.stderr.startswith("4 subjects: under 2019.1 ")
    assert run_cli("--lang", "zh", *args).stderr.startswith("4 个对象：在 2019.1 下回放 2")
    alone = run_cli("simulate", "policies/tencent-cvm/2019.1.yaml", "tests/fixtures/whatif/zones.jsonl",
                    "--as-of", "2025-06-01", "--format", "json")
    assert alone.exit_code == 1  # outside a comparison the kind is unknown to the policy: a rejection, as before
    assert "unknown_kind" in alone.stdout

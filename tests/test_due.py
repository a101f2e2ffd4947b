"""`slapolicy due`: which open tickets breach soon. The due times of tests/fixtures/due/friday.jsonl at
Friday 7 March 2025, 18:00 are worked out by hand below from seed 000's words (and, where the seed gives
no figure, from the policy's stated choice); the listing is checked against `simulate` of a generated
history, clock by clock, since both come from the same replay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import ROOT

Run = Callable[..., Result]
FRIDAY = "tests/fixtures/due/friday.jsonl"
AS_OF = "2025-03-07T18:00:00+08:00"
POLICY = ROOT / "policies" / "after-sales" / "2025.1.yaml"


def rule(rule_id: str) -> str:
    """file:line of a target rule of the after-sales policy, found by its id."""
    line = POLICY.read_text(encoding="utf-8").splitlines().index(f"  - id: {rule_id}") + 1
    return f"policies/after-sales/2025.1.yaml:{line}"


def due(run_cli: Run, *extra: str, history: str = FRIDAY) -> dict[str, Any]:
    result = run_cli("due", "policies/after-sales", history, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


# (ticket, metric, due, left in seconds at 18:00, breached, paused, rule, clauses), soonest first, paused last.
EXPECTED = [
    # T-B: P2, handed to 李娜 at 16:06; R-000-20 gives no figure: the policy's choice, the response time of R-000-05
    # ("二级重要问题…需30分钟内响应"), counted from the hand-over: 16:06 + 30 min = 16:36, 1 h 24 min overdue
    ("T-B", "engineer_contact", "2025-03-07T16:36:00+08:00", -5040, True, False, rule("engineer-contact-p2"), []),
    # T-C: P3 created Thursday 17:00: "三级一般问题…24小时内答复" -> Friday 17:00, 1 h overdue
    ("T-C", "resolution", "2025-03-07T17:00:00+08:00", -3600, True, False, rule("p3-general"), ["R-000-06", "R-000-01"]),
    # T-A: P1 created 17:50: "一级紧急问题…需15分钟内响应" -> 18:05, 5 min left
    ("T-A", "first_response", "2025-03-07T18:05:00+08:00", 300, False, False, rule("p1-urgent"), ["R-000-04"]),
    # T-A handed over at 17:53; the policy's choice (R-000-04's 15 min from the hand-over): 18:08
    ("T-A", "engineer_contact", "2025-03-07T18:08:00+08:00", 480, False, False, rule("engineer-contact-p1"), []),
    # T-A: "2小时内提出解决方案" -> 17:50 + 2 h = 19:50
    ("T-A", "resolution_plan", "2025-03-07T19:50:00+08:00", 6600, False, False, rule("p1-urgent"), ["R-000-04"]),
    # T-B: P2 created 16:00: "二级重要问题…4小时内处理" -> 20:00
    ("T-B", "resolution", "2025-03-07T20:00:00+08:00", 7200, False, False, rule("p2-important"), ["R-000-05"]),
    # T-E resolved Friday 12:00: "问题解决后三个工作日内进行客户回访": the working days after it, Mon 10, Tue 11, Wed 12
    # March, to the end of the third on the office calendar (18:00, the company's hours): 5 days after 18:00 today
    ("T-E", "follow_up", "2025-03-12T18:00:00+08:00", 5 * 86400, False, False, rule("after-resolution"), ["R-000-12"]),
    # T-D: P2 created 17:30, waiting on the customer since 17:50: 4 h plus the 10 min paused up to 18:00 = 21:40 if it
    # ran on from now; paused, it does not fall due: listed last
    ("T-D", "resolution", "2025-03-07T21:40:00+08:00", 13200, False, True, rule("p2-important"), ["R-000-05"]),
]


def listed(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = [(t["id"], c["metric"], c["due_at"], c["left_seconds"], c["status"] == "breached", c["paused"], c["rule"], c["clauses"])
            for t in doc["tickets"] for c in t["clocks"]]
    return sorted(rows, key=lambda r: (r[5], r[3]))


def test_open_clocks_by_time_left(run_cli: Run) -> None:
    doc = due(run_cli)
    assert listed(doc) == EXPECTED
    assert [t["id"] for t in doc["tickets"]] == ["T-B", "T-C", "T-A", "T-E", "T-D"]  # by each one's soonest running clock
    by_id = {t["id"]: t for t in doc["tickets"]}
    assert (by_id["T-A"]["assignee"], by_id["T-A"]["group"], by_id["T-A"]["left_seconds"]) == ("张伟", "technical_support", 300)
    assert (by_id["T-D"]["assignee"], by_id["T-D"]["left_seconds"]) == (None, None)  # every clock paused: no time runs out
    assert by_id["T-A"]["severity"] == {"id": "P1", "zh": "一级紧急", "en": "Severity 1 (urgent)"}
    choice = next(c for c in by_id["T-A"]["clocks"] if c["metric"] == "engineer_contact")["choice"]
    assert choice.startswith("R-000-20 says 约定时间 (the agreed time) without a figure")
    assert doc["summary"] == {"replayed": 5, "rejected": 0, "open": 5, "clocks": 8, "overdue": 2, "next_hour": 2,
                              "rest_of_today": 2, "paused": 1, "breaches_today": 2, "escalations_today": 2}


@pytest.mark.parametrize(("within", "count"), [("4h", 6), ("1h", 4), ("5m", 3), ("120h", 7)])
def test_within_keeps_the_clocks_that_run_and_fall_due_by_then(run_cli: Run, within: str, count: int) -> None:
    """By 22:00 (4 h): all but T-E's follow-up (Wednesday) and T-D's paused resolution; by 19:00 (1 h): the overdue two and
    T-A's 18:05 and 18:08; by 18:05: the overdue two and 18:05 itself; by Wednesday 18:00 (120 h): T-E's follow-up too."""
    doc = due(run_cli, "--within", within)
    assert listed(doc) == [e for e in EXPECTED if not e[5]][:count]
    assert doc["within_seconds"] == {"4h": 14400, "1h": 3600, "5m": 300, "120h": 432000}[within]


def test_todays_breaches_and_escalations(run_cli: Run) -> None:
    """T-C's resolution (24 h from Thursday 17:00) warned the team lead at 75 % of it, Friday 11:00, and the service head
    at its breach, 17:00 (the policy's escalation choices); T-B's hand-over clock breached at 16:36 (no escalation steps)."""
    doc = due(run_cli)
    assert [(b["id"], b["metric"], b["at"], b["open"], b["clauses"]) for b in doc["breaches_today"]] == [
        ("T-B", "engineer_contact", "2025-03-07T16:36:00+08:00", True, []),
        ("T-C", "resolution", "2025-03-07T17:00:00+08:00", True, ["R-000-06", "R-000-01"])]
    assert [(e["id"], e["metric"], e["step"], e["at"], e["notify"]) for e in doc["escalations_today"]] == [
        ("T-C", "resolution", 1, "2025-03-07T11:00:00+08:00", ["team_lead"]),
        ("T-C", "resolution", 2, "2025-03-07T17:00:00+08:00", ["service_head"])]
    assert all(e["rule"].startswith("policies/after-sales/2025.1.yaml:") for e in doc["escalations_today"])
    assert doc["today"] == {"from": "2025-03-07T00:00:00+08:00", "to": "2025-03-08T00:00:00+08:00"}


def test_table_and_csv(run_cli: Run) -> None:
    base = ("due", "policies/after-sales", FRIDAY, "--as-of", AS_OF, "--within", "1h")
    table = run_cli(*base, "--format", "table")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0] == "open clocks at 2025-03-07 18:00 within 1h, soonest first; rules by line of"
    first = lines[4].split()
    assert first[:6] == ["-1h24m", "03-07", "16:36", "T-B", "P2", "engineer_contact"]
    assert table.stderr == "5 tickets: 5 simulated, 0 rejected; 5 open, 4 clocks listed within 1h (2 overdue, 1 paused)\n"
    rows = run_cli(*base, "--format", "csv").stdout.splitlines()
    assert rows[0] == "id,severity,metric,cycle,due_at,left_seconds,status,paused,rule,clauses,choice,group,assignee"
    assert rows[3] == f"T-A,P1,first_response,1,2025-03-07T18:05:00+08:00,300,running,False,{rule('p1-urgent')},R-000-04,,technical_support,张伟"
    assert len(rows) == 5


def test_as_of_now_is_the_clock(run_cli: Run) -> None:
    before = dt.datetime.now(dt.UTC).timestamp()
    doc = json.loads(run_cli("due", "policies/after-sales", FRIDAY, "--as-of", "now", "--format", "json").stdout)
    after = dt.datetime.now(dt.UTC).timestamp()
    assert before <= dt.datetime.fromisoformat(doc["as_of"]).timestamp() <= after


@pytest.mark.parametrize(("within", "message"), [
    ("3 working days", "'3 working days' is not clock time; the window is counted on the clock: write 4h, 30m or 2d"),
    ("soon", "'soon' is not a duration"),
])
def test_a_window_that_is_no_clock_time_is_a_usage_error(run_cli: Run, within: str, message: str) -> None:
    result = run_cli("due", "policies/after-sales", FRIDAY, "--within", within)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_rejected_tickets_are_listed_and_exit_1(run_cli: Run, tmp_path: Path) -> None:
    history = tmp_path / "mixed.jsonl"
    bad = {"id": "T-X", "attributes": {"severity": "P9"}, "events": [{"at": "2025-03-07T17:00:00+08:00", "type": "created"}]}
    history.write_text((ROOT / FRIDAY).read_text(encoding="utf-8") + json.dumps(bad) + "\n", encoding="utf-8")
    result = run_cli("due", "policies/after-sales", str(history), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{history}:6: unknown_severity: unknown severity 'P9'; use one of: P1, P2, P3"
    assert json.loads(result.stdout)["rejected"] == [{"id": "T-X", "line": 6, "errors": [
        {"code": "unknown_severity", "message": "unknown severity 'P9'; use one of: P1, P2, P3"}]}]


def test_a_ticket_created_after_as_of_is_counted_apart_not_rejected(run_cli: Run, tmp_path: Path) -> None:
    """A ticket of Saturday seen at Friday 18:00 has not happened yet: no error, no exit 1, counted apart."""
    history = tmp_path / "later.jsonl"
    later = {"id": "T-L", "attributes": {"severity": "P1"}, "events": [{"at": "2025-03-08T09:00:00+08:00", "type": "created"}]}
    history.write_text((ROOT / FRIDAY).read_text(encoding="utf-8") + json.dumps(later) + "\n", encoding="utf-8")
    result = run_cli("due", "policies/after-sales", str(history), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["summary"]["rejected"], doc["summary"]["not_yet_created"], doc["rejected"]) == (0, 1, [])
    assert "6 tickets: 5 simulated, 0 rejected, 1 not yet created;" in result.stderr


def test_the_list_is_simulates_running_clocks(run_cli: Run, tmp_path: Path) -> None:
    """On a generated history, in two worker processes: every clock `due` lists is the latest cycle of its metric in
    `simulate`'s outcome, still open with that due time; and every such clock of simulate's is listed."""
    history = tmp_path / "history.jsonl"
    assert run_cli("generate", "--policy", "policies/after-sales", "--tickets", "600", "--seed", "11", "--start", "2025-06-01",
                   "--days", "20", "-o", str(history)).exit_code == 0
    as_of = "2025-06-15T10:00:00+08:00"
    listing = json.loads(run_cli("due", "policies/after-sales", str(history), "--as-of", as_of, "--jobs", "2", "--format", "json").stdout)
    simulated = run_cli("simulate", "policies/after-sales", str(history), "--as-of", as_of, "--jobs", "2", "--format", "jsonl").stdout
    expected = set()
    for line in simulated.splitlines():
        ticket = json.loads(line)
        latest = {c["metric"]: c for c in ticket["clocks"]}
        for c in latest.values():
            if (c["status"] in ("running", "breached") and c["due_at"] and not c["stopped_at"] and not c["cancelled_at"]
                    and not c.get("failed_at") and dt.datetime.fromisoformat(c["started_at"]) <= dt.datetime.fromisoformat(as_of)):
                expected.add((ticket["id"], c["metric"], c["cycle"], c["due_at"], c["status"], c["paused"], c["rule"]))
    found = {(t["id"], c["metric"], c["cycle"], c["due_at"], c["status"], c["paused"], c["rule"]) for t in listing["tickets"]
             for c in t["clocks"]}
    assert len(found) > 50 and found == expected
    lefts = [c["left_seconds"] for t in listing["tickets"] for c in t["clocks"] if not c["paused"]]
    assert all(c["left_seconds"] == pytest.approx(dt.datetime.fromisoformat(c["due_at"]).timestamp()
                                                  - dt.datetime.fromisoformat(as_of).timestamp())
               for t in listing["tickets"] for c in t["clocks"])
    firsts = [t["left_seconds"] for t in listing["tickets"] if t["left_seconds"] is not None]
    assert firsts == sorted(firsts) and min(lefts) == firsts[0]


def test_workers_build_the_same_board(tmp_path: Path) -> None:
    """The board is a replay's partial: built in two worker processes (small blocks force them) and merged in input
    order, it is the board one process builds."""
    import functools

    from click.testing import CliRunner

    from slapolicy.cli import main
    from slapolicy.kpi.board import Board
    from slapolicy.output.board import board_document
    from slapolicy.sim.replay import Plan, replay
    from slapolicy.validate.repository import open_policy_set

    history = tmp_path / "history.jsonl"
    assert CliRunner().invoke(main, ["generate", "--policy", str(ROOT / "policies" / "after-sales"), "--tickets", "800", "--seed", "4",
                                     "--start", "2025-06-01", "--days", "20", "-o", str(history)]).exit_code == 0
    policies = open_policy_set(ROOT / "policies" / "after-sales")
    at = dt.datetime.fromisoformat("2025-06-15T10:00:00+08:00").timestamp()
    docs = []
    for jobs in (1, 2):
        total = Board(at, policies.tz)
        replay(Plan((policies,), at, None, functools.partial(Board, at, policies.tz)), str(history), None, total, jobs,
               block_bytes=32 * 1024)
        docs.append(board_document(total))
    assert docs[0] == docs[1] and len(docs[0]["tickets"]) > 50


def test_a_count_of_subjects_says_their_kind(run_cli: Run) -> None:
    """company-service's history mixes calls, a contract and tickets: the closing line counts subjects, not tickets,
    and the summary lists the kinds replayed (left out where every subject is a ticket)."""
    args = ("due", "policies/company-service", "examples/company-service/history.jsonl", "--as-of", "2025-03-05T12:00:00+08:00",
            "--format", "json")
    result = run_cli("--lang", "en", *args)
    summary = json.loads(result.stdout)["summary"]
    assert summary["kinds"] == ["call", "contract", "ticket"]
    assert result.stderr.startswith(f"9 subjects: {summary['replayed']} simulated, 0 rejected, 3 not yet created; ")
    assert run_cli("--lang", "zh", *args).stderr.startswith("9 个对象：模拟 6，拒收 0，尚未创建 3；")
    assert "kinds" not in due(run_cli)["summary"]


@pytest.mark.parametrize(("locale", "options", "page"), [
    ("C.UTF-8", (), "zh"),  # the locale says nothing: the policy's language, Chinese
    ("en_US.UTF-8", (), "en"),  # the locale: the board was Chinese whatever the locale before
    ("C.UTF-8", ("--lang", "en"), "en"),  # slapolicy --lang
    ("zh_CN.UTF-8", ("due", "--lang", "en"), "en"),  # due --lang: the same choice, spelt after the command
])
def test_due_speaks_the_one_language_choice(run_cli: Run, monkeypatch: pytest.MonkeyPatch, locale: str,
                                            options: tuple[str, ...], page: str) -> None:
    """The table, the summary line and the html board all speak the language chosen as every command chooses it."""
    monkeypatch.setenv("LANG", locale)
    monkeypatch.delenv("SLAPOLICY_LANG", raising=False)
    head = options if "due" not in options else ()
    tail = options[1:] if "due" in options else ()
    args = (*head, "due", "policies/after-sales", FRIDAY, "--as-of", AS_OF, "--jobs", "1", *tail)
    html = run_cli(*args, "--format", "html")
    assert html.exit_code == 0, html.stderr
    assert f'<html lang="{page}"' in html.stdout
    summary = {"zh": "5 张工单：模拟 5，拒收 0；", "en": "5 tickets: 5 simulated, 0 rejected; "}[page]
    assert html.stderr.startswith(summary)
    table = run_cli(*args, "--format", "table").stdout.splitlines()[0]
    assert table.startswith({"zh": "2025-03-07 18:00 仍在计时的时限", "en": "open clocks at 2025-03-07 18:00"}[page])

"""Zendesk's JSON exports through the ticket profile's `path:`s: an incremental export page
({"tickets": [...], "next_page", "end_of_stream"}), JSON lines, and what the webhook reader's JSON-path
mapping makes of them; the same tickets as the CSV export, every ticket imported or rejected."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.sim.imports import load_profile
from slapolicy.sim.outcome import Rejection
from slapolicy.sim.replay import read_profiled
from slapolicy.sim.tickets import RawItem
from test_fuzz import FUZZ
from test_webhooks import JSON

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "imports"
ZENDESK = load_profile("zendesk-ticket-export")
PAGE = SAMPLES / "zendesk-ticket-export.incremental.json"


def _created(item: RawItem) -> tuple[str, object]:
    """A ticket's creation instant (UTC) and severity, wherever its format puts them."""
    created = next(e for e in item.data["events"] if e["type"] == "created")
    severity = item.data["attributes"].get("severity") or created.get("attributes", {}).get("severity")
    return dt.datetime.fromisoformat(created["at"]).astimezone(dt.UTC).isoformat(), severity


def test_an_incremental_page_is_the_csv_exports_tickets() -> None:
    page = read_profiled(ZENDESK, PAGE.read_bytes())
    csv = read_profiled(ZENDESK, (SAMPLES / "zendesk-ticket-export.csv").read_bytes())
    assert (len(page.tickets), page.rejections, page.rows) == (12, [], 12)
    assert [t.data["id"] for t in page.tickets] == [t.data["id"] for t in csv.tickets]
    assert [_created(t) for t in page.tickets] == [_created(t) for t in csv.tickets]
    assert _created(page.tickets[0]) == ("2025-03-03T01:12:00+00:00", "P1")  # 09:12 +08:00 in the CSV, urgent


def test_a_replay_reads_the_page_too(run_cli: Run) -> None:
    result = run_cli("simulate", "policies/after-sales", str(PAGE), "--profile", "zendesk-ticket-export", "--as-of", "2025-12-31",
                     "--format", "json")
    tickets = json.loads(result.stdout)["tickets"]
    assert [t["status"] for t in tickets].count("rejected") == 0 and len(tickets) == 12
    assert tickets[0]["created_at"] == "2025-03-03T09:12:00+08:00"


def _lines(*tickets: dict[str, Any]) -> bytes:
    return "".join(json.dumps(t) + "\n" for t in tickets).encode("utf-8")


def test_json_lines_read_the_metric_set_and_a_ticket_sent_again_adds_its_events() -> None:
    opened = {"id": 7, "priority": "high", "created_at": "2025-03-03T01:00:00Z",
              "metric_set": {"reply_time_in_minutes": {"calendar": 25, "business": 25}, "solved_at": None}}
    solved = {**opened, "metric_set": {"reply_time_in_minutes": {"calendar": 25}, "solved_at": "2025-03-03T05:30:00Z"}}
    imported = read_profiled(ZENDESK, _lines(opened, {"id": 8, "priority": None, "created_at": "2025-03-03T02:00:00Z"}, solved))
    (ticket,) = imported.tickets
    assert [(e["type"], e["at"]) for e in ticket.data["events"]] == [
        ("created", "2025-03-03T01:00:00+00:00"), ("registered", "2025-03-03T01:00:00+00:00"),
        ("responded", "2025-03-03T01:25:00+00:00"),  # 25 minutes after creation
        ("resolved", "2025-03-03T05:30:00+00:00")]  # from the ticket's later line
    (rejected,) = imported.rejections
    assert (rejected.id, rejected.line) == ("8", 2)
    assert rejected.reasons[0].message == ("ticket 2: attributes.severity: priority is not in the payload; the profile "
                                           "requires it (give it a default to use when it is missing)")


def test_a_line_or_a_ticket_that_is_no_ticket_is_rejected_where_it_is() -> None:
    raw = b'{"id": 1, "priority": "low", "created_at": "2025-03-03T01:00:00Z"}\nnot json\n{"tickets": [3, {"id": 2}]}\n'
    imported = read_profiled(ZENDESK, raw)
    assert [t.data["id"] for t in imported.tickets] == ["1"]
    assert [(r.line, r.reasons[0].message[:30]) for r in imported.rejections] == [
        (2, "the line is not JSON: JSON is "), (3, "ticket 1 is not a JSON object"), (3, "ticket 3: attributes.severity:")]
    assert imported.rows == 4


def test_a_profile_without_json_paths_refuses_json(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("import", "-p", "jira-service-management", str(PAGE))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {PAGE}:1: the export is JSON, and profile jira-service-management names no JSON "
                                    "path for the ticket id or its events")


TICKET = st.fixed_dictionaries({}, optional={"id": st.integers(0, 50) | st.text(max_size=4) | JSON,
                                             "priority": st.sampled_from(["urgent", "high", "normal", "low", None, "", "x"]) | JSON,
                                             "created_at": st.sampled_from(["2025-03-03T01:00:00Z", "2025-10-26 02:30:00", ""]) | JSON,
                                             "metric_set": JSON | st.fixed_dictionaries({"solved_at": JSON, "reply_time_in_minutes":
                                                                                         st.fixed_dictionaries({"calendar": JSON})})})


@FUZZ
@given(st.lists(TICKET | JSON, max_size=6), st.booleans(), st.dictionaries(st.sampled_from(["next_page", "end_of_stream", "count"]), JSON))
def test_random_pages_never_crash_and_every_ticket_is_accounted_for(tickets: list[Any], as_lines: bool, paging: dict[str, Any]) -> None:
    raw = _lines(*tickets) if as_lines and tickets else json.dumps({"tickets": tickets, **paging}).encode("utf-8")
    imported = read_profiled(ZENDESK, raw)
    assert all(isinstance(i, (RawItem, Rejection)) for i in imported.items)
    if imported.refused is not None:  # JSON lines whose first line is no object (null): the file is refused, saying why
        assert as_lines and imported.refused.reasons[0].message
        return
    assert all(r.reasons for r in imported.rejections)
    named = {str(t["id"]) for t in tickets if isinstance(t, dict) and isinstance(t.get("id"), (int, str))
             and not isinstance(t.get("id"), bool) and str(t["id"]).strip()}
    assert named <= {i.id if isinstance(i, Rejection) else i.data["id"] for i in imported.items}
    if not as_lines or not tickets:
        assert imported.rows == len(tickets)


def _events(item: RawItem) -> list[tuple[str, str]]:
    return [(e["type"], dt.datetime.fromisoformat(e["at"]).astimezone(dt.UTC).isoformat()) for e in item.data["events"]]


def test_a_page_with_its_metric_sets_gives_reply_and_solve_times_as_the_csv_export() -> None:
    """The incremental export with `?include=metric_sets` sideloads each ticket's metric set beside the tickets: joined
    by ticket_id, its reply time (calendar minutes after creation) and solved_at give every ticket the responded and
    resolved events the CSV export's columns give it (a page without them has created and registered only)."""
    page = read_profiled(ZENDESK, (SAMPLES / "zendesk-ticket-export.incremental-metric-sets.json").read_bytes())
    csv = read_profiled(ZENDESK, (SAMPLES / "zendesk-ticket-export.csv").read_bytes())
    assert (len(page.tickets), page.rejections) == (12, [])
    assert [_events(t) for t in page.tickets] == [_events(t) for t in csv.tickets]
    assert _events(page.tickets[0])[2:] == [("responded", "2025-03-03T01:21:00+00:00"), ("resolved", "2025-03-03T02:47:00+00:00")]
    assert {e["type"] for t in read_profiled(ZENDESK, PAGE.read_bytes()).tickets for e in t.data["events"]} == {"created", "registered"}


def test_a_tickets_own_metric_set_wins_and_a_set_of_no_ticket_on_the_page_is_none() -> None:
    ticket = {"id": 7, "priority": "high", "created_at": "2025-03-03T01:00:00Z",
              "metric_set": {"reply_time_in_minutes": {"calendar": 5}, "solved_at": None}}
    sideloaded = [{"ticket_id": 7, "reply_time_in_minutes": {"calendar": 50}, "solved_at": None},
                  {"ticket_id": 8, "reply_time_in_minutes": {"calendar": 9}, "solved_at": "2025-03-03T02:00:00Z"}]
    (only,) = read_profiled(ZENDESK, json.dumps({"tickets": [ticket], "metric_sets": sideloaded}).encode()).tickets
    assert _events(only)[2:] == [("responded", "2025-03-03T01:05:00+00:00")]


@FUZZ
@given(st.lists(TICKET, max_size=4), st.lists(st.fixed_dictionaries({"ticket_id": JSON | st.integers(0, 50)}, optional={
    "reply_time_in_minutes": st.fixed_dictionaries({"calendar": JSON}), "solved_at": JSON}) | JSON, max_size=4) | JSON)
def test_any_sideloaded_metric_sets_never_crash_and_every_ticket_is_accounted_for(tickets: list[Any], metric_sets: Any) -> None:
    imported = read_profiled(ZENDESK, json.dumps({"tickets": tickets, "metric_sets": metric_sets}).encode("utf-8"))
    assert imported.rows == len(tickets) and all(r.reasons for r in imported.rejections)
    assert len(imported.items) <= len(tickets)


def test_an_encoding_or_a_sheet_for_json_is_refused_not_dropped(run_cli: Run) -> None:
    for option, value in (("--encoding", "gb18030"), ("--sheet", "Tickets")):
        result = run_cli("import", "-p", "zendesk-ticket-export", str(PAGE), option, value)
        assert (result.exit_code, result.stderr) == (2, f"error: {PAGE}:1: the export is JSON (always UTF-8, no sheets); "
                                                        f"leave out {option}\n")

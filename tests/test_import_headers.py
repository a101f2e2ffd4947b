"""Translated and renamed headers: a profile column lists the header's spellings (Znuny's zh_CN
工单编号, the current `Customer Name` and OTRS 6's `Customer Realname`); one is matched exactly
after trimming, never guessed, and two spellings of one column in one export are an error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.sim.imports import ProfileError, load_profile, read_export
from test_fuzz import FUZZ

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "imports"
ZNUNY = load_profile("znuny-ticket-search")


def test_znunys_zh_cn_export_imports_as_its_english_twin() -> None:
    english = read_export(ZNUNY, (SAMPLES / "znuny-ticket-search.csv").read_bytes())
    chinese = read_export(ZNUNY, (SAMPLES / "znuny-ticket-search.zh_CN.csv").read_bytes())
    assert (len(chinese.tickets), chinese.rejections) == (12, [])
    for en, zh in zip(english.tickets, chinese.tickets, strict=True):
        assert zh.data["id"] == en.data["id"] and zh.data["events"] == en.data["events"]
        assert zh.data["attributes"]["severity"] == en.data["attributes"]["severity"]
        assert zh.data["attributes"]["customer"] == en.data["attributes"]["customer"].replace("Customer ", "客户")
    assert chinese.tickets[0].data["events"][0] == {"at": "2025-03-03T01:12:00+00:00", "type": "created"}  # 创建时间, UTC


def test_a_header_is_matched_exactly_after_trimming() -> None:
    raw = " 工单编号 ;优先级;Created;FirstResponse;Closed;Customer Name\n7;4 high;2025-03-07 01:00:00;;;ACME\n".encode()
    (ticket,) = read_export(ZNUNY, raw).tickets
    assert ticket.data["attributes"] == {"severity": "P2", "customer": "ACME"}
    refused = read_export(ZNUNY, b"ticket number;Priority;Created;FirstResponse;Closed;Customer Name\n7;4 high;2025-03-07 01:00:00;;;ACME\n")
    assert refused.refused is not None
    assert refused.refused.reasons[0].message.startswith(
        "the export has no column 'Ticket Number' or '工单编号' (the profile's id), did you mean 'ticket number'?")


def test_two_spellings_of_one_column_are_an_error_naming_both(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "both.csv"
    path.write_text("Ticket Number;Priority;Created;FirstResponse;Closed;Customer Realname;Customer Name\n"
                    "7;4 high;2025-03-07 01:00:00;;;Old name;New name\n", encoding="utf-8")
    result = run_cli("import", "-p", "znuny-ticket-search", str(path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"error: {path}:1: columns F 'Customer Realname' and G 'Customer Name' both match the profile's "
                             "attributes.customer (Customer Name, Customer Realname, 客户名称); delete one from the export or "
                             "list only its spelling in the profile\n")


def test_a_bad_cell_is_named_by_the_header_the_export_has() -> None:
    raw = "工单编号;优先级;创建时间;FirstResponse;关闭时间;客户名称\n7;4 high;gestern;;;ACME\n".encode()
    (rejected,) = read_export(ZNUNY, raw).rejections
    assert rejected.reasons[0].message.startswith("row 2, column C '创建时间': 'gestern' is not a date-time")


def test_a_webhooks_id_and_event_time_are_one_path_each(tmp_path: Path) -> None:
    path = tmp_path / "hook.yaml"
    path.write_text("profile: hook\nrows: webhook\nid: [ticket.id, ticket.number]\nevents: [{type: created, path: ticket.created_at}]\n"
                    "event: {at: [ticket.updated_at, time], type: {value: status}}\n", encoding="utf-8")
    try:
        load_profile(str(path))
    except ProfileError as exc:
        assert [(p.line, p.code) for p in exc.problems] == [(3, "SLA913"), (5, "SLA913")]
        assert exc.problems[0].message == "a webhook payload's id and event time are each one JSON path"
    else:
        raise AssertionError("a webhook profile with two id paths loaded")


COLUMNS = [(("Ticket Number", "工单编号"), "7"), (("Priority", "优先级"), "4 high"), (("Created", "创建时间"), "2025-03-07 01:00:00"),
           (("FirstResponse",), "2025-03-07 01:20:00"), (("Closed", "关闭时间"), ""),
           (("Customer Name", "Customer Realname", "客户名称"), "ACME"), (("Age",), "2 d")]


@FUZZ
@given(st.permutations(range(len(COLUMNS))), st.lists(st.integers(0, 2), min_size=len(COLUMNS), max_size=len(COLUMNS)),
       st.lists(st.sampled_from(["", " ", "  "]), min_size=2, max_size=2))
def test_any_order_and_spelling_of_the_columns_reads_the_same_ticket(order: list[int], pick: list[int], pad: list[str]) -> None:
    header = [pad[0] + COLUMNS[i][0][pick[i] % len(COLUMNS[i][0])] + pad[1] for i in order]
    raw = (";".join(header) + "\n" + ";".join(COLUMNS[i][1] for i in order) + "\n").encode("utf-8")
    (ticket,) = read_export(ZNUNY, raw).tickets
    assert ticket.data == {"id": "7", "attributes": {"severity": "P2", "customer": "ACME"},
                           "events": [{"at": "2025-03-07T01:00:00+00:00", "type": "created"},
                                      {"at": "2025-03-07T01:00:00+00:00", "type": "registered"},
                                      {"at": "2025-03-07T01:20:00+00:00", "type": "responded"}]}

"""Import profiles: shipped profiles turn their sample exports into tickets the after-sales policy
replays without a rejection; a malformed copy is rejected row by row, naming row and column;
a bad profile is reported at its keys; the CSV event log reads what Excel writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from slapolicy.diagnostics.codes import CODES
from slapolicy.diagnostics.record import InputError
from slapolicy.sim.imports import ProfileError, load_profile, read_export, shipped
from slapolicy.sim.outcome import Rejection
from slapolicy.sim.replay import Interrupted, OutcomeList, Plan, input_size, replay, replay_items, simulate
from slapolicy.sim.ticket_files import read_items
from slapolicy.sim.tickets import RawItem
from slapolicy.sim.workbook import column_letter
from slapolicy.validate.repository import open_policy_set
from test_fuzz import FUZZ, HOSTILE_JSON, mutate_text, no_hang, to_bytes
from test_import_samples import SHAPES

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "imports"
AFTER_SALES = open_policy_set(ROOT / "policies" / "after-sales")
AS_OF = dt.datetime(2025, 12, 31, tzinfo=dt.UTC).timestamp()
PROFILES = sorted(n for n in shipped() if load_profile(n).rows != "webhook")  # exports (CSV); webhooks: test_webhooks.py


def replayed(path: Path, profile_name: str) -> list[object]:
    total = OutcomeList()
    replay(Plan((AFTER_SALES,), AS_OF, None, OutcomeList, profile=load_profile(profile_name)), str(path), None, total)
    return [o for (o,) in total.items]


def test_every_shipped_profile_has_a_sample() -> None:
    assert PROFILES == ["cn-helpdesk", "cn-worklog", "jira-service-management", "zammad-ticket-report",
                        "zendesk-ticket-export", "znuny-ticket-search"]
    assert sorted(p.stem for p in SAMPLES.glob("*.csv")) == sorted(PROFILES + [n for n in SHAPES if (SAMPLES / f"{n}.csv").exists()])


@pytest.mark.parametrize("name", PROFILES)
def test_sample_export_replays_without_a_rejection(name: str) -> None:
    imported = read_export(load_profile(name), (SAMPLES / f"{name}.csv").read_bytes())
    assert imported.rejections == [] and len(imported.tickets) in (5, 12)
    outcomes = replayed(SAMPLES / f"{name}.csv", name)
    assert len(outcomes) == len(imported.tickets)
    assert [o for o in outcomes if isinstance(o, Rejection)] == []


def _rewrite(name: str, edits: dict[tuple[int, str], str]) -> tuple[bytes, list[str]]:
    """The sample with cells replaced: (data row index, column name) -> text; same encoding and separator."""
    profile = load_profile(name)
    raw = (SAMPLES / f"{name}.csv").read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    encoding = "utf-8-sig" if bom else (profile.encoding or "utf-8")
    text = raw.decode(encoding)
    delimiter = ";" if name.startswith("znuny") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = rows[0]
    for (i, column), value in edits.items():
        rows[i + 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding.replace("-sig", "")), header


@pytest.mark.parametrize("name", [n for n in PROFILES if n != "cn-worklog"])
def test_a_malformed_export_is_rejected_naming_row_and_column(name: str) -> None:
    profile = load_profile(name)
    severity = dict(profile.attributes)["severity"].column
    created = next(t.column for t in profile.events if t.type == "created")
    assert severity is not None
    raw, header = _rewrite(name, {(1, severity): "Critical", (3, created): "31/02/2025 25:61", (5, profile.id): ""})
    imported = read_export(profile, raw)
    assert len(imported.tickets) == 9
    bad = [(r.line, [(x.code, x.message) for x in r.reasons]) for r in imported.rejections]
    sev, cre, tid = (f"column {column_letter(header.index(c))} '{c}'" for c in (severity, created, profile.id))
    assert [(line, [code for code, _ in reasons]) for line, reasons in bad] == [
        (3, ["uncovered_value"]), (5, ["bad_timestamp"]), (7, ["unparseable"])]
    assert bad[0][1][0][1].startswith(f"row 3, {sev}: 'Critical' is not in the profile's map for attributes.severity (")
    assert bad[0][1][0][1].endswith("; add it under attributes.severity.map or give a default")
    assert bad[1][1][0][1].startswith(f"row 5, {cre}: '31/02/2025 25:61' is not a date-time that can be read; write it like ")
    assert bad[2][1][0][1] == f"row 7, {tid} is empty; every row needs the ticket id"


def test_every_bad_cell_of_a_row_is_reported_at_once() -> None:
    raw, _ = _rewrite("cn-helpdesk", {(0, "优先级"): "特急", (0, "服务等级"): "金牌", (0, "首次响应时间"): "昨天"})
    (rejection,) = read_export(load_profile("cn-helpdesk"), raw).rejections
    assert rejection.id == "GD20250303000" and rejection.line == 2
    assert [r.message.split(":")[0] for r in rejection.reasons] == [
        "row 2, column C '优先级'", "row 2, column D '服务等级'", "row 2, column K '首次响应时间'"]


def test_an_event_log_ticket_with_a_bad_row_is_rejected_with_that_row() -> None:
    raw, _ = _rewrite("cn-worklog", {(2, "操作"): "响应"})
    imported = read_export(load_profile("cn-worklog"), raw)
    (rejection,) = imported.rejections
    assert (rejection.id, rejection.line) == ("LS20250303", 2)
    assert rejection.reasons[0].code == "uncovered_value"
    assert rejection.reasons[0].message.startswith("row 4, column C '操作': '响应' is not in the profile's map for event.type (")
    assert "did you mean '首次响应'?" in rejection.reasons[0].message
    assert len(imported.tickets) == 4 and imported.skipped == 5 and imported.rows == 30


def test_an_event_log_groups_rows_by_ticket_and_carries_attribute_changes() -> None:
    text = ("Ticket,Time,Action,State,Priority\n"
            "A-1,2025-03-03 09:00,Opened,new,Normal\n"
            "B-2,2025-03-03 09:05,Opened,new,Urgent\n"
            "A-1,2025-03-03 09:10,Comment,,\n"
            "A-1,2025-03-03 09:20,Replied,in_progress,High\n")
    imported = read_export(load_profile(str(FIXTURES / "imports" / "event-log.yaml")), text.encode())
    assert (imported.rows, imported.skipped) == (4, 1)
    a, b = imported.items
    assert isinstance(a, RawItem) and isinstance(b, RawItem)
    assert a.data == {"id": "A-1", "attributes": {"severity": "P3"}, "events": [
        {"at": "2025-03-03T09:00:00+08:00", "type": "created", "status": "new"},
        {"at": "2025-03-03T09:20:00+08:00", "type": "responded", "status": "in_progress", "attributes": {"severity": "P2"}}]}
    assert (a.line, b.line) == (2, 3)


def test_an_excel_date_number_and_offsets_are_read() -> None:
    imported = read_export(load_profile("zammad-ticket-report"), (SAMPLES / "zammad-ticket-report.csv").read_bytes())
    fifth = imported.tickets[4].data  # written by Excel as date numbers
    assert fifth["events"][0] == {"at": "2025-03-03T14:12:00", "type": "created"}
    zendesk = read_export(load_profile("zendesk-ticket-export"), (SAMPLES / "zendesk-ticket-export.csv").read_bytes())
    assert zendesk.tickets[0].data["events"][2] == {"at": "2025-03-03T09:21:00+08:00", "type": "responded"}  # 9 minutes after


def test_a_missing_column_rejects_the_file_and_lists_the_columns() -> None:
    imported = read_export(load_profile("jira-service-management"), b"Summary,Key,Priority,Created\nx,SD-1,High,03/Mar/25 9:12 AM\n")
    (rejection,) = imported.items
    assert isinstance(rejection, Rejection) and rejection.line == 1
    assert [r.message for r in rejection.reasons] == [
        "the export has no columns 'Issue key' (the profile's id), 'Custom field ([CHART] Date of First Response)' (the "
        "profile's events (responded)), 'Resolved' (the profile's events (resolved)); its columns are: Summary, Key, Priority, "
        "Created"]


def test_gb18030_export_is_read_and_a_utf8_bom_wins() -> None:
    raw = (SAMPLES / "cn-helpdesk.csv").read_bytes()
    assert raw.decode("gb18030").startswith("工单号,")
    from_gbk = read_export(load_profile("cn-helpdesk"), raw)
    as_utf8 = read_export(load_profile("cn-helpdesk"), b"\xef\xbb\xbf" + raw.decode("gb18030").encode("utf-8"))
    assert [t.data for t in from_gbk.tickets] == [t.data for t in as_utf8.tickets]
    assert from_gbk.tickets[0].data["attributes"]["customer"] == "华东电力"
    not_gbk = read_export(load_profile("cn-helpdesk"), raw, encoding="utf-8-sig")  # --encoding overrides the profile
    assert not_gbk.rejections[0].reasons[0].message.startswith("line 1, byte 1: the file is not utf-8-sig text")


# ---- profiles --------------------------------------------------------------------------------------

def test_shipped_profiles_load() -> None:
    for name in shipped():
        assert load_profile(name).name == name


def test_a_bad_profile_is_reported_at_each_key() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(str(FIXTURES / "imports" / "bad-profile.yaml"))
    assert [(d.line, d.column, d.code) for d in info.value.problems] == [
        (4, 11, "SLA403"), (5, 14, "SLA912"), (8, 13, "SLA913"), (9, 1, "SLA913"), (11, 59, "SLA913")]


def test_an_unknown_profile_name_suggests_the_shipped_one() -> None:
    with pytest.raises(InputError) as info:
        load_profile("zendesk")
    assert info.value.diagnostic.code == "SLA911"
    assert "did you mean 'zendesk-ticket-export'?" in info.value.diagnostic.message


@pytest.mark.parametrize(("fmt", "message"), [
    ("%Y-%m-%d %H:%M", None),
    ("YYYY-MM-DD", "has no % fields"),
    ("%Y-%m-%Q", "cannot be read back"),
    ("%H:%M", "has no day (%d)"),
])
def test_time_formats_are_checked(fmt: str, message: str | None, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"profile: p\nrows: ticket\nid: Id\ntimestamps: ['{fmt}']\nevents: [{{type: created, column: C}}]\n")
    if message is None:
        assert load_profile(str(path)).formats == (fmt,)
        return
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    assert info.value.problems[0].code == "SLA912" and message in info.value.problems[0].message


@pytest.mark.parametrize("encoding", ["gbkk", "rot13"])
def test_an_unknown_or_non_text_encoding_is_refused(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"profile: p\nrows: ticket\nid: Id\nencoding: {encoding}\nevents: [{{type: created, column: C}}]\n")
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    (problem,) = info.value.problems
    assert (problem.line, problem.column, problem.code) == (4, 11, "SLA104")
    assert problem.message == f"'{encoding}' is not a known text encoding; write utf-8, gb18030, gbk, big5, latin-1, …"


# ---- the command ---------------------------------------------------------------------------------

def test_import_writes_canonical_jsonl(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "tickets.jsonl"
    result = run_cli("import", "--profile", "cn-helpdesk", "examples/imports/cn-helpdesk.csv", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "12 rows: 12 tickets imported, 0 rejected\n"
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["attributes"]["severity"] == "P1" and first["events"][0] == {"at": "2025-03-03T09:12:00+08:00", "type": "created"}
    sim = run_cli("simulate", "policies/after-sales", str(out), "--as-of", "2025-12-31", "-f", "jsonl")
    assert sim.exit_code == 0 and sim.stderr == "12 tickets: 12 simulated, 0 rejected\n"


def test_import_rejections_on_stderr_and_as_jsonl(run_cli: Run, tmp_path: Path, golden: Callable[[Path, str], None]) -> None:
    """The stderr of a malformed export (regenerate with pytest --update-golden)."""
    raw, _ = _rewrite("znuny-ticket-search", {(1, "Priority"): "6 critical", (3, "Created"): "gestern", (4, "FirstResponse"): "45723,5"})
    assert (SAMPLES / "malformed" / "znuny.csv").read_bytes() == raw  # docs/imports.md's transcript shows this export
    bad = tmp_path / "znuny.csv"
    bad.write_bytes(raw)
    rejects = tmp_path / "rejects.jsonl"
    result = run_cli("import", "-p", "znuny-ticket-search", str(bad), "--rejects", str(rejects))
    assert result.exit_code == 1
    golden(ROOT / "tests" / "golden" / "import_rejects.txt", result.stderr.replace(str(bad), "znuny.csv"))
    lines = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(x["line"], x["id"], x["errors"][0]["code"]) for x in lines] == [
        (3, "2025030310011", "uncovered_value"), (5, "2025030310013", "bad_timestamp"), (6, "2025030310014", "bad_timestamp")]
    assert len(result.stdout.splitlines()) == 9


def test_import_rejections_in_chinese(run_cli: Run, tmp_path: Path, golden: Callable[[Path, str], None]) -> None:
    """The same rejections on stderr in the reader's language (the cells and values quoted as written); the JSONL of
    the rejects stays English."""
    bad = tmp_path / "znuny.csv"
    bad.write_bytes((SAMPLES / "malformed" / "znuny.csv").read_bytes())
    rejects = tmp_path / "rejects.jsonl"
    result = run_cli("--lang", "zh", "import", "-p", "znuny-ticket-search", str(bad), "--rejects", str(rejects))
    assert result.exit_code == 1
    golden(ROOT / "tests" / "golden" / "zh" / "import_rejects.txt", result.stderr.replace(str(bad), "znuny.csv"))
    lines = result.stderr.replace(str(bad), "znuny.csv").splitlines()
    assert lines[0].startswith("znuny.csv:3: uncovered_value: 第 3 行第 H 列 'Priority'：'6 critical' 不在导入配置 attributes.severity 的映射中")
    assert lines[-1] == "12 行：导入 9 张工单，拒收 3"
    first = json.loads(rejects.read_text(encoding="utf-8").splitlines()[0])["errors"][0]["message"]
    assert first.startswith("row 3, column H 'Priority': '6 critical' is not in the profile's map for attributes.severity")


def test_refused_exports_and_webhook_payloads_in_chinese(run_cli: Run, tmp_path: Path) -> None:
    """An export refused as a whole (exit 2) and the rejected payloads of a webhook file, in the reader's language; the
    same in English as before."""
    refused = run_cli("--lang", "zh", "import", "-p", "zendesk-ticket-export", "examples/imports/cn-helpdesk.csv")
    assert refused.exit_code == 2
    assert refused.stderr == ("error: examples/imports/cn-helpdesk.csv:1: 第 1 行第 1 个字节：文件不是 utf-8 文本（字节 0xB9）；"
                              "文件是 GB18030 / GBK 编码吗？请给出 --encoding gb18030\n")
    payloads = tmp_path / "payloads.jsonl"
    payloads.write_text('{"a": 1}\n[1]\n', encoding="utf-8")
    chinese = run_cli("--lang", "zh", "import", "-p", "zammad-webhook", str(payloads)).stderr.replace(str(payloads), "p.jsonl")
    assert chinese.splitlines() == ["p.jsonl:1: unparseable: id：ticket.number 不在载荷中；每个载荷都要指明它的工单",
                                    "p.jsonl:1: unparseable: event.at：载荷中没有 ticket.updated_at；它应给出载荷所报告事件的时间",
                                    "p.jsonl:2: unparseable: 载荷不是 JSON 对象", "2 行：导入 0 张工单，拒收 2"]
    english = run_cli("import", "-p", "zammad-webhook", str(payloads)).stderr.replace(str(payloads), "p.jsonl")
    assert english.splitlines()[0] == "p.jsonl:1: unparseable: id: ticket.number is not in the payload; every payload names its ticket"


def test_a_bad_profile_exits_2_with_every_problem(run_cli: Run, golden: Callable[[Path, str], None]) -> None:
    """(regenerate with pytest --update-golden)"""
    result = run_cli("import", "-p", "tests/fixtures/imports/bad-profile.yaml", "examples/imports/cn-helpdesk.csv")
    assert result.exit_code == 2 and result.stdout == ""
    golden(ROOT / "tests" / "golden" / "import_bad_profile.txt", result.stderr)


def test_import_rejects_a_repeated_ticket_id(run_cli: Run, tmp_path: Path) -> None:
    raw, _ = _rewrite("zammad-ticket-report", {(4, "#"): "31001"})
    path = tmp_path / "zammad.csv"
    path.write_bytes(raw)
    result = run_cli("import", "-p", "zammad-ticket-report", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:6: duplicate_id: row 6: ticket id '31001' was already used at row 2", "12 rows: 11 tickets imported, 1 rejected"]


def test_profile_and_input_format_together_are_a_usage_error(run_cli: Run) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/imports/cn-helpdesk.csv", "--profile", "cn-helpdesk",
                     "--input-format", "csv")
    assert result.exit_code == 2
    assert result.stderr == "error: --profile reads the input as a helpdesk export (CSV or .xlsx); leave out --input-format csv\n"


def test_an_unreadable_export_exits_2(run_cli: Run) -> None:
    result = run_cli("import", "-p", "cn-helpdesk", "examples/imports/missing.csv")
    assert result.exit_code == 2 and result.stderr == "error: examples/imports/missing.csv: no such file\n"
    wrong = run_cli("import", "-p", "zendesk-ticket-export", "examples/imports/cn-helpdesk.csv")
    assert wrong.exit_code == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("error: examples/imports/cn-helpdesk.csv:1: line 1, byte 1: the file is not utf-8 text (byte 0xB9); "
                                   "is it GB18030 / GBK? give --encoding gb18030")
    header = run_cli("import", "-p", "zendesk-ticket-export", "examples/imports/jira-service-management.csv")
    assert header.exit_code == 2
    assert header.stderr.startswith("error: examples/imports/jira-service-management.csv:1: the export has no columns 'Id' "
                                    "(the profile's id), 'Created at' (the profile's events (created)), ")


@pytest.mark.parametrize("command", [
    ["simulate", "policies/after-sales", "examples/imports/jira-service-management.csv", "-f", "jsonl", "-j", "2"],
    ["report", "policies/after-sales", "examples/imports/jira-service-management.csv", "-f", "json"],
    ["whatif", "--base", "2024.1", "--candidate", "2025.1", "--in", "policies/after-sales",
     "examples/imports/jira-service-management.csv", "-f", "json"],
])
def test_replaying_commands_take_a_profile(run_cli: Run, command: list[str]) -> None:
    result = run_cli(*command, "--profile", "jira-service-management", "--as-of", "2025-12-31")
    assert result.exit_code == 0, result.stderr
    done = "replayed" if command[0] == "whatif" else "simulated"  # whatif replays under two versions
    assert result.stderr.endswith(f"12 tickets: 12 {done}, 0 rejected\n")


def test_a_bad_profile_stops_simulate_before_replaying(run_cli: Run) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/imports/cn-helpdesk.csv", "--profile", "cn")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cn:0:0: SLA911 error: no shipped import profile and no file of that name; "
                                    "did you mean 'cn-helpdesk'?")


# ---- the CSV event log reads what Excel writes -------------------------------------------------------

def _csv_items(text: str) -> list[RawItem | Rejection]:
    return list(read_items(text, "csv", "t.csv"))


def test_excel_utf8_bom_header_is_read(run_cli: Run, tmp_path: Path) -> None:
    """Regression: Excel's 'CSV UTF-8' starts with a byte-order mark; `ticket_id` must still be found."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfticket_id,at,type,severity\nT1,2025-03-07T10:00:00+08:00,created,P1\n")
    result = run_cli("simulate", "policies/after-sales", str(path), "--as-of", "2025-03-08", "-f", "jsonl")
    assert result.exit_code == 0 and result.stderr == "1 ticket: 1 simulated, 0 rejected\n"
    gbk = run_cli("simulate", "policies/after-sales", str(path), "--as-of", "2025-03-08", "-f", "jsonl", "--encoding", "gb18030")
    assert gbk.exit_code == 0  # the mark says UTF-8, whatever --encoding says


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_is_sniffed(delimiter: str) -> None:
    text = "ticket_id,at,type,severity\nT1,2025-03-07T10:00:00+08:00,created,P1\n".replace(",", delimiter)
    (item,) = _csv_items(text)
    assert isinstance(item, RawItem) and item.data["attributes"] == {"severity": "P1"}


def test_a_header_without_the_needed_columns_says_what_to_write() -> None:
    (item,) = _csv_items("id,time,kind\nT1,2025-03-07T10:00:00+08:00,created\n")
    assert isinstance(item, Rejection)
    assert item.reasons[0].message == ("the CSV header lacks at, ticket_id, type (columns ticket_id, at, type are needed, "
                                       "e.g. ticket_id,at,type,severity)")
    (hinted,) = _csv_items("ticket_id;at,type\nT1;2025-03-07T10:00:00+08:00,created\n")
    assert isinstance(hinted, Rejection) and hinted.reasons[0].message.endswith(
        "; the header holds ';': is the file separated by it? save it as CSV with commas")


def test_excel_date_cells_in_a_csv_event_log() -> None:
    (item,) = _csv_items("ticket_id,at,type,severity\nT1,45723.5,created,P1\nT1,2025/3/7 12:10,responded,\n")
    assert isinstance(item, RawItem)
    assert [e["at"] for e in item.data["events"]] == ["2025-03-07T12:00:00", "2025-03-07T12:10:00"]


# ---- fuzz: the profile loader and the row mapper (the project's fuzz helpers and budget) ----------

PROFILE_TEXTS = [(ROOT / "src" / "slapolicy" / "sim" / "profiles" / f"{n}.yaml").read_text(encoding="utf-8") for n in sorted(shipped())]


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(range(len(PROFILE_TEXTS))))
def test_profile_mutants_load_or_say_why(tmp_path_factory: pytest.TempPathFactory, seed: int, which: int) -> None:
    rng = random.Random(seed)
    path = tmp_path_factory.mktemp("profile") / "p.yaml"
    path.write_bytes(to_bytes(mutate_text(PROFILE_TEXTS[which], rng), rng))
    with no_hang():
        try:
            load_profile(str(path))
        except ProfileError as exc:
            assert exc.problems and all(d.code in CODES and d.line >= 1 for d in exc.problems)
        except InputError as exc:
            assert exc.diagnostic.code in CODES


def _mutate_export(text: str, rng: random.Random) -> str:
    rows = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(rows))
        cells = rows[i].split(",")
        op = rng.randrange(4)
        if op == 0:  # a hostile cell
            cells[rng.randrange(len(cells))] = str(rng.choice(HOSTILE_JSON))[:200]
        elif op == 1:  # a cell emptied
            cells[rng.randrange(len(cells))] = ""
        elif op == 2:  # a row cut short, or a stray quote
            cells = cells[: rng.randrange(len(cells) + 1)] + (['"'] if rng.random() < 0.3 else [])
        else:  # a row repeated
            rows.insert(i, rows[rng.randrange(len(rows))])
            continue
        rows[i] = ",".join(cells)
    return "\n".join(rows)


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(PROFILES))
def test_export_mutants_account_for_every_row(seed: int, name: str) -> None:
    rng = random.Random(seed)
    profile = load_profile(name)
    raw = (SAMPLES / f"{name}.csv").read_bytes()
    codec = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else (profile.encoding or "utf-8")
    text = _mutate_export(raw.decode(codec), rng)
    data = to_bytes(text, rng) if codec != "gb18030" else text.encode("gb18030", "replace")
    with no_hang():
        imported = read_export(profile, data)
        total = OutcomeList()
        replay_items(Plan((AFTER_SALES,), AS_OF, None, OutcomeList), imported.items, total)
    assert len(total.items) == len(imported.items)  # each ticket and rejection is replayed or reported once
    ids = [i.data["id"] if isinstance(i, RawItem) else i.id for i in imported.items]
    if profile.rows == "ticket":
        file_refused = imported.rows == 0 and len(imported.items) <= 1
        assert file_refused or len(imported.items) == imported.rows
    else:
        assert len({x for x in ids if x}) == len([x for x in ids if x])  # rows grouped: one item per ticket id
        events = sum(len(t.data["events"]) for t in imported.tickets)
        assert events + imported.skipped <= imported.rows
        if not imported.rejections:
            assert events + imported.skipped == imported.rows
    for r in imported.rejections:
        assert all(x.code in CODES and "\n" not in x.message for x in r.reasons)


def test_the_manuals_profile_example_loads(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")
    block = page.split("A profile:\n\n```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my-helpdesk.yaml"
    path.write_text(block, encoding="utf-8")
    profile = load_profile(str(path))
    assert (profile.name, profile.rows, profile.delimiter, profile.encoding) == ("my-helpdesk", "ticket", ";", "gb18030")
    assert [t.type for t in profile.events] == ["created", "responded", "resolved"]


def test_a_header_read_as_one_column_hints_at_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("profile: p\nrows: ticket\nid: Id\ndelimiter: ','\nevents: [{type: created, column: Created}]\n")
    imported = read_export(load_profile(str(path)), b"Id;Created\nA-1;2025-03-03 09:00\n")
    assert imported.refused is not None
    assert imported.refused.reasons[0].message == (
        "the export has no columns 'Id' (the profile's id), 'Created' (the profile's events (created)); its columns are: "
        "Id;Created; the header is one single column: is the file separated by another character? give `delimiter:` in the profile")


# ---- regressions ---------------------------------------------------------------------------------

def test_a_priority_that_changes_back_is_a_change_again() -> None:
    """Regression: each row is compared with the ticket's current value (its previous row's), not its first row's."""
    text = ("工单号,操作时间,操作,操作人,优先级,备注内容\n"
            "X1,2025/3/3 9:00,新建,客服,紧急,\n"
            "X1,2025/3/3 9:05,登记,客服,重要,降级\n"
            "X1,2025/3/3 9:10,首次响应,工程师,紧急,重新升级\n"
            "X1,2025/3/3 12:00,解决,工程师,紧急,\n")
    (ticket,) = read_export(load_profile("cn-worklog"), text.encode()).items
    assert isinstance(ticket, RawItem)
    assert [(e["type"], e.get("attributes")) for e in ticket.data["events"]] == [
        ("created", None), ("registered", {"severity": "P2"}), ("responded", {"severity": "P1"}), ("resolved", None)]
    (outcome,) = simulate(AFTER_SALES, [ticket], None, AS_OF)
    assert not isinstance(outcome, Rejection) and outcome.attributes["severity"] == "P1"


def test_minutes_after_count_real_minutes_across_a_clock_change(tmp_path: Path) -> None:
    """Regression: 20 minutes after 02:50 CEST on the night clocks go back is 02:10 CET, not 03:10 CET."""
    path = tmp_path / "berlin.yaml"
    path.write_text("profile: berlin\nrows: ticket\ntimezone: Europe/Berlin\nrepeated_hour: earlier\ntimestamps: [\"%Y-%m-%d %H:%M\"]\nid: Id\n"
                    "attributes: {severity: {column: Priority, map: {Urgent: P1}}}\n"
                    "events:\n  - {type: created, column: Created}\n"
                    "  - {type: responded, column: Reply minutes, minutes_after: created}\n"
                    "  - {type: resolved, column: Solved}\n", encoding="utf-8")
    raw = b"Id,Priority,Created,Reply minutes,Solved\n1,Urgent,2025-10-26 02:50,20,2025-10-26 05:00\n"
    (ticket,) = read_export(load_profile(str(path)), raw).tickets
    assert ticket.data["events"] == [{"at": "2025-10-26T02:50:00+02:00", "type": "created"},
                                     {"at": "2025-10-26T02:10:00+01:00", "type": "responded"},
                                     {"at": "2025-10-26T05:00:00+01:00", "type": "resolved"}]


def test_an_explicit_utf8_encoding_overrides_the_profiles(run_cli: Run, tmp_path: Path) -> None:
    """Regression: `--encoding utf-8` was taken for the default and the profile's gb18030 applied."""
    path = tmp_path / "cn-utf8.csv"
    path.write_bytes((SAMPLES / "cn-helpdesk.csv").read_bytes().decode("gb18030").encode("utf-8"))
    result = run_cli("import", "-p", "cn-helpdesk", str(path), "--encoding", "utf-8")
    assert result.exit_code == 0 and result.stderr == "12 rows: 12 tickets imported, 0 rejected\n"
    assert json.loads(result.stdout.splitlines()[0])["attributes"]["customer"] == "华东电力"
    report = run_cli("report", "policies/after-sales", str(path), "--profile", "cn-helpdesk", "--encoding", "utf-8",
                     "--as-of", "2025-12-31", "-f", "json")
    assert report.exit_code == 0 and report.stderr == "12 tickets: 12 simulated, 0 rejected\n"
    default = run_cli("import", "-p", "cn-helpdesk", "examples/imports/cn-helpdesk.csv")  # no --encoding: the profile's
    assert default.exit_code == 0 and default.stderr == "12 rows: 12 tickets imported, 0 rejected\n"


def _jira_lines() -> list[str]:
    return (SAMPLES / "jira-service-management.csv").read_text(encoding="utf-8").split("\n")


def test_a_quote_left_open_is_rejected_naming_its_row_and_the_lines_it_swallowed(run_cli: Run, tmp_path: Path) -> None:
    """Regression: an unclosed quote read the rest of the export into one cell; the rows vanished unmentioned."""
    lines = _jira_lines()
    lines[3] = '"' + lines[3]
    path = tmp_path / "jira.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_cli("import", "-p", "jira-service-management", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:4: unparseable: row 4, column A 'Summary': a quote (\") opened in this cell is never closed, so lines 5-13 "
        "of the file (to its end) were read into this one cell instead of as rows; close the quote (a quote inside a cell "
        "is written twice: \"\") and export again",
        "3 rows: 2 tickets imported, 1 rejected"]
    lines[7] = 'x"' + lines[7]  # a stray quote further down closes it: the rows after it are read again
    imported = read_export(load_profile("jira-service-management"), "\n".join(lines).encode())
    (rejection,) = imported.rejections
    assert (rejection.id, rejection.line, len(imported.tickets)) == (None, 4, 7)
    assert rejection.reasons[0].message.startswith("row 4, column A 'Summary': a quote (\") opened in this cell is never "
                                                   "closed, so lines 5-8 of the file (up to a quote on line 8) were read ")


def test_rows_are_counted_as_a_spreadsheet_shows_them() -> None:
    """Regression: a cell with a line break made later messages name the file's line, not the row."""
    raw, _ = _rewrite("jira-service-management", {(0, "Summary"): "Login fails\nfor all users", (2, "Priority"): "Meduim"})
    imported = read_export(load_profile("jira-service-management"), raw)
    (rejection,) = imported.rejections
    assert (rejection.id, rejection.line) == ("SD-103", 4)
    assert rejection.reasons[0].message.startswith("row 4, column H 'Priority': 'Meduim' is not in the profile's map for ")
    assert [t.line for t in imported.tickets[:3]] == [2, 3, 5]


@pytest.mark.parametrize("command", [
    ["report", "policies/after-sales"], ["simulate", "policies/after-sales", "-f", "json"],
    ["whatif", "--base", "2024.1", "--candidate", "2025.1", "--in", "policies/after-sales"]])
def test_an_export_that_is_not_the_profiles_stops_a_replay_with_exit_2(run_cli: Run, command: list[str]) -> None:
    """Regression: with --profile, an export without the profile's columns was one rejected pseudo-ticket, exit 1."""
    export = "examples/imports/zendesk-ticket-export.csv"
    imported = run_cli("import", "-p", "jira-service-management", export)
    assert imported.exit_code == 2 and imported.stderr.startswith(f"error: {export}:1: the export has no columns 'Issue key' ")
    result = run_cli(*command, export, "--profile", "jira-service-management", "--as-of", "2026-01-01")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", imported.stderr)


def test_the_progress_of_an_export_is_counted_in_tickets(tmp_path: Path) -> None:
    """Regression: the bar's total was the file's lines and a --profile (or CSV, YAML) replay never advanced it."""
    plan = Plan((AFTER_SALES,), AS_OF, None, OutcomeList, profile=load_profile("cn-worklog"))
    export = str(SAMPLES / "cn-worklog.csv")  # 30 rows, 5 tickets
    assert input_size(plan, export, None) == 5
    steps: list[int] = []
    replay(plan, export, None, OutcomeList(), on_progress=steps.append)
    assert steps == [1, 1, 1, 1, 1]
    yaml = tmp_path / "two.yaml"
    yaml.write_text("- {id: A, attributes: {severity: P1}, events: [{at: '2025-03-03T09:00:00+08:00', type: created}]}\n"
                    "- {id: B, attributes: {severity: P2}, events: [{at: '2025-03-03T09:00:00+08:00', type: created}]}\n",
                    encoding="utf-8")
    plain = Plan((AFTER_SALES,), AS_OF, None, OutcomeList)
    assert input_size(plain, str(yaml), None) == 2
    steps.clear()
    replay(plain, str(yaml), None, OutcomeList(), on_progress=steps.append)
    assert steps == [1, 1]
    assert input_size(plan, str(SAMPLES / "zendesk-ticket-export.csv"), None) is None  # refused: the replay says why


def test_a_signal_stops_an_export_replay_at_the_next_ticket() -> None:
    """Regression: SIGINT during a --profile replay was held until every row was replayed."""
    plan = Plan((AFTER_SALES,), AS_OF, None, OutcomeList, profile=load_profile("jira-service-management"))
    total = OutcomeList()
    done = 0

    def interrupt_after_three(n: int) -> None:
        nonlocal done
        done += n
        if done == 3:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(Interrupted) as info:
        replay(plan, str(SAMPLES / "jira-service-management.csv"), None, total, on_progress=interrupt_after_three)
    assert info.value.signum == signal.SIGINT
    assert [o.id for (o,) in total.items] == ["SD-101", "SD-102", "SD-103"]


def test_an_event_logs_who_is_text_even_in_digits(tmp_path: Path) -> None:
    """An agent's number in the assignee column (1042) is the assignee's name, as the ticket format reads it: text.
    (It was read as a number and the ticket rejected: `assignee` must be text.)"""
    profile = tmp_path / "p.yaml"
    profile.write_text("profile: p\nrows: event\nid: T\nattributes: {severity: {value: P1}}\n"
                       "event: {at: At, type: Type, assignee: Who}\n", encoding="utf-8")
    imported = read_export(load_profile(str(profile)), b"T,At,Type,Who\nA1,2025-03-07 17:50,created,\nA1,2025-03-07 17:55,assigned,1042\n")
    (ticket,) = imported.tickets
    assert ticket.data["events"][1] == {"at": "2025-03-07T17:55:00", "type": "assigned", "assignee": "1042"}
    assert [o for o in simulate(AFTER_SALES, imported.items, None, AS_OF) if isinstance(o, Rejection)] == []

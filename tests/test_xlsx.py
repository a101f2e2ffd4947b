"""Excel in: an .xlsx export (or event log) is read wherever a CSV one is, through the same code:
the shipped samples import to the very tickets of their CSV twins, dates as date cells, serial
numbers or text read alike in the export's zone, problems named at the sheet's cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.calendar.instants import read_cell_time
from slapolicy.output import OutputError, binary_ok
from slapolicy.sim.imports import load_profile, read_export
from slapolicy.sim.workbook import cell_text, read_sheet
from test_fuzz import FUZZ, no_hang
from test_import_samples import SHAPES

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "imports"
XLSX_SAMPLES = ["cn-helpdesk", "zammad-ticket-report", "zendesk-ticket-export", "znuny-ticket-search"]


def workbook(rows: list[list[object]], sheet: str = "Sheet1", date_format: str = "yyyy-mm-dd hh:mm") -> bytes:
    """A workbook of one sheet holding `rows` from A1: datetimes as date cells, numbers as numbers."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    when = book.add_format({"num_format": date_format})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, when)
            elif value is not None:
                ws.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_every_xlsx_sample_has_its_csv_twin() -> None:
    assert sorted(p.stem for p in SAMPLES.glob("*.xlsx")) == sorted(XLSX_SAMPLES + [n for n in SHAPES if (SAMPLES / f"{n}.xlsx").exists()])


@pytest.mark.parametrize("name", XLSX_SAMPLES)
def test_xlsx_sample_imports_to_the_tickets_of_its_csv(name: str) -> None:
    profile = load_profile(name)
    from_xlsx = read_export(profile, (SAMPLES / f"{name}.xlsx").read_bytes())
    from_csv = read_export(profile, (SAMPLES / f"{name}.csv").read_bytes())
    assert from_xlsx.rejections == [] and len(from_xlsx.tickets) == 12
    assert [t.data for t in from_xlsx.tickets] == [t.data for t in from_csv.tickets]


def test_the_ledger_totals_row_is_skipped_not_rejected() -> None:
    imported = read_export(load_profile("cn-helpdesk"), (SAMPLES / "cn-helpdesk.xlsx").read_bytes())
    assert (imported.rows, len(imported.tickets), imported.rejections, imported.skipped) == (13, 12, [], 1)


def test_a_date_cell_a_serial_number_and_text_are_the_same_instant_in_the_exports_zone() -> None:
    """cn-helpdesk's zone is Asia/Shanghai: 2025-03-07 17:50 there is 09:50 UTC, however the cell holds it."""
    header = ["工单号", "优先级", "服务等级", "受理渠道", "客户所在地", "问题分类", "客户名称", "创建时间", "登记时间", "首次响应时间", "解决时间", "关闭时间"]
    rest = ["紧急", "标准服务", "服务热线", "同城", "技术问题", "华东电力"]
    serial = (dt.datetime(2025, 3, 7, 17, 50) - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    rows: list[list[object]] = [header,
                                ["A", *rest, dt.datetime(2025, 3, 7, 17, 50)],
                                ["B", *rest, serial],
                                ["C", *rest, "2025/3/7 17:50"]]
    imported = read_export(load_profile("cn-helpdesk"), workbook(rows))
    assert imported.rejections == []
    created = {t.data["id"]: dt.datetime.fromisoformat(t.data["events"][0]["at"]) for t in imported.tickets}
    assert set(created.values()) == {dt.datetime(2025, 3, 7, 9, 50, tzinfo=dt.UTC)}
    assert [w.utcoffset() for w in created.values()] == [dt.timedelta(hours=8)] * 3


def test_a_bad_cell_is_named_at_its_sheet_and_cell(tmp_path: Path, run_cli: Run) -> None:
    rows: list[list[object]] = [["#", "Priority", "Created At", "First Response At", "Closed At"],
                                [31001, "3 high", dt.datetime(2025, 3, 3, 9, 12), None, None],
                                [31002, "2 normal", "next Tuesday", None, None]]
    path = tmp_path / "export.xlsx"
    path.write_bytes(workbook(rows, sheet="Tickets 2025"))
    result = run_cli("import", "-p", "zammad-ticket-report", str(path))
    assert result.exit_code == 1
    assert f"{path}:3: bad_timestamp: 'Tickets 2025'!C3 'Created At': 'next Tuesday' is not a date-time" in result.stderr
    assert len(result.stdout.splitlines()) == 1 and json.loads(result.stdout)["id"] == "31001"


def test_sheet_chooses_the_sheet_and_a_missing_one_lists_those_there(tmp_path: Path, run_cli: Run) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("说明").write(0, 0, "本工作簿由工单系统导出")
    data = read_sheet((SAMPLES / "zammad-ticket-report.xlsx").read_bytes())
    sheet = book.add_worksheet("Tickets")
    for r, row in enumerate(data.rows):
        sheet.write_row(r, 0, row)
    book.close()
    path = tmp_path / "two-sheets.xlsx"
    path.write_bytes(buffer.getvalue())
    chosen = run_cli("import", "-p", "zammad-ticket-report", str(path), "--sheet", "Tickets")
    assert chosen.exit_code == 0 and len(chosen.stdout.splitlines()) == 12
    first = run_cli("import", "-p", "zammad-ticket-report", str(path))
    assert first.exit_code == 2 and first.stderr.startswith(f"error: {path}:1: the export has no columns '#'")
    missing = run_cli("import", "-p", "zammad-ticket-report", str(path), "--sheet", "Sheet9")
    assert missing.exit_code == 2
    assert missing.stderr == f"error: {path}:1: the workbook has no sheet 'Sheet9'; its sheets are: 说明, Tickets\n"


def test_a_broken_workbook_is_one_line_exit_2(tmp_path: Path, run_cli: Run) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    for command in (["import", "-p", "zammad-ticket-report", str(path)], ["simulate", "policies/after-sales", str(path), "-f", "json"]):
        result = run_cli(*command)
        assert result.exit_code == 2, command
        assert result.stderr.startswith(f"error: {path}:1: the file cannot be read as an Excel workbook (")
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_an_event_log_sheet_replays_as_its_csv_does(tmp_path: Path, run_cli: Run) -> None:
    """simulate and report read the event-log columns from a sheet (by extension, and by magic bytes when misnamed)."""
    csv_path = tmp_path / "log.csv"
    csv_path.write_text("ticket_id,at,type,severity\nT1,2025-03-03 09:00,created,P1\nT1,2025-03-03 09:20,responded,\n"
                        "T2,2025-03-03 10:00,created,P2\n", encoding="utf-8")
    rows: list[list[object]] = [["ticket_id", "at", "type", "severity"],
                                ["T1", dt.datetime(2025, 3, 3, 9, 0), "created", "P1"],
                                ["T1", dt.datetime(2025, 3, 3, 9, 20), "responded"],
                                [],
                                ["T2", "2025-03-03 10:00", "created", "P2"]]
    (tmp_path / "log.xlsx").write_bytes(workbook(rows))
    (tmp_path / "misnamed.csv").write_bytes(workbook(rows))
    args = ("--as-of", "2025-03-04T00:00:00+08:00", "-f", "json")
    expected = json.loads(run_cli("simulate", "policies/after-sales", str(csv_path), *args).stdout)
    for name in ("log.xlsx", "misnamed.csv"):
        result = run_cli("simulate", "policies/after-sales", str(tmp_path / name), *args)
        assert result.exit_code == 0, result.stderr
        got = json.loads(result.stdout)
        assert [t["id"] for t in got["tickets"]] == ["T1", "T2"]
        assert [t["clocks"] for t in got["tickets"]] == [t["clocks"] for t in expected["tickets"]]
        assert [t["line"] for t in got["tickets"]] == [2, 5]  # the sheet's rows; the CSV numbers its lines


def test_an_event_log_sheet_without_the_columns_says_so(tmp_path: Path, run_cli: Run) -> None:
    path = tmp_path / "log.xlsx"
    path.write_bytes(workbook([["id", "when"], ["T1", "2025-03-03 09:00"]], sheet="Log"))
    result = run_cli("simulate", "policies/after-sales", str(path), "-f", "json")
    assert result.exit_code == 1
    assert "sheet 'Log' (row 1) lacks at, ticket_id, type" in result.stdout


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and not s.startswith(("=", "{")))
_CELL = st.one_of(_TEXT, st.integers(-(10**9), 10**9), st.booleans(),
                  st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
                  st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2199, 12, 31)).map(lambda d: d.replace(microsecond=0)))


def _as_read(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(f"{value:.16g}")
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


@given(st.lists(st.lists(_CELL, min_size=1, max_size=6), min_size=1, max_size=8))
def test_a_sheet_written_and_read_back_gives_the_same_rows(rows: list[list[object]]) -> None:
    """What XlsxWriter writes, calamine reads back as the text cells the CSV path would see (a number
    as the 16 significant digits XlsxWriter writes; Excel itself keeps 15; a date-time at midnight as
    calamine gives it, a date, which a timestamp column reads as that midnight)."""
    sheet = read_sheet(workbook(rows, date_format="yyyy-mm-dd hh:mm:ss"))
    expected = [[cell_text(_as_read(v)) for v in row] for row in rows]
    assert sheet.rows == expected


# ---- what WPS and Excel for Mac save, and a ledger's totals row, as CSV -------------------------------

def test_utf8_without_a_mark_is_read_as_utf8_and_an_explicit_gb18030_hints_at_it(tmp_path: Path, run_cli: Run) -> None:
    """WPS and Excel for Mac save "CSV UTF-8" without the byte-order mark: the cn-helpdesk profile's gb18030
    is a default, and UTF-8 text is read as such; an explicit --encoding gb18030 is obeyed and its error says what the file is."""
    path = tmp_path / "wps.csv"
    path.write_bytes((SAMPLES / "cn-helpdesk.csv").read_bytes().decode("gb18030").encode("utf-8"))
    read = run_cli("import", "-p", "cn-helpdesk", str(path))
    assert read.exit_code == 0 and read.stderr == "12 rows: 12 tickets imported, 0 rejected\n"
    assert read.stdout == run_cli("import", "-p", "cn-helpdesk", "examples/imports/cn-helpdesk.csv").stdout
    told = run_cli("import", "-p", "cn-helpdesk", str(path), "--encoding", "gb18030")
    assert told.exit_code == 2
    assert told.stderr == (f"error: {path}:1: line 1, byte 9: the file is not gb18030 text (byte 0xB7); it is UTF-8 text (saved "
                           "without a byte-order mark, as WPS and Excel for Mac do): try --encoding utf-8\n")


def test_a_csv_totals_row_is_skipped_and_counted(tmp_path: Path, run_cli: Run) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes((SAMPLES / "cn-helpdesk.csv").read_bytes() + "合计,12 张工单,,,,,,,,,,,,\n".encode("gb18030"))
    result = run_cli("import", "-p", "cn-helpdesk", str(path))
    assert result.exit_code == 0 and result.stderr == "13 rows: 12 tickets imported, 0 rejected, 1 row skipped by the profile (totals: 1)\n"


_SAMPLE_BYTES = (SAMPLES / "zammad-ticket-report.xlsx").read_bytes()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(_SAMPLE_BYTES) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, len(_SAMPLE_BYTES)))
def test_a_damaged_workbook_is_refused_or_read_never_raised(changes: list[tuple[int, int]], cut: int) -> None:
    raw = bytearray(_SAMPLE_BYTES[:max(cut, 4)])
    for at, byte in changes:
        if at < len(raw):
            raw[at] = byte
    with no_hang():
        imported = read_export(load_profile("zammad-ticket-report"), bytes(raw))
    if imported.refused is not None:  # the whole file, in one line
        assert len(imported.items) == 1 and "\n" not in imported.refused.reasons[0].message
    else:  # every row a ticket, a rejection or skipped
        assert len(imported.items) + imported.skipped == imported.rows


# ---- CSV for Excel ---------------------------------------------------------------------------------

COMPANY = ("policies/company-service", "examples/company-service/history.jsonl", "--roster", "examples/company-service/roster.csv",
           "--as-of", "2025-05-10T00:00:00+08:00", "--jobs", "1")


def _excel_bytes(raw: bytes, plain: bytes) -> None:
    """A byte-order mark, then the plain CSV's very text with every line ended by CRLF."""
    assert raw.startswith(b"\xef\xbb\xbf") and not plain.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") > 1
    assert raw[3:].replace(b"\r\n", b"\n") == plain


def test_excel_csv_of_simulate_and_due_to_a_file_and_to_stdout(tmp_path: Path, run_cli: Run) -> None:
    args = ("simulate", *COMPANY[:2], "--as-of", "2025-05-10T00:00:00+08:00", "-f", "csv")
    plain = run_cli(*args).stdout_bytes
    assert plain.startswith(b"id,status,policy_version,")
    out = tmp_path / "clocks.csv"
    assert run_cli(*args, "--excel", "-o", str(out)).exit_code == 0
    _excel_bytes(out.read_bytes(), plain)
    _excel_bytes(run_cli(*args, "--excel").stdout_bytes, plain)
    due = ("due", *COMPANY[:2], "--as-of", "2025-03-03T21:00:00+08:00", "-f", "csv")
    _excel_bytes(run_cli(*due, "--excel").stdout_bytes, run_cli(*due).stdout_bytes)


def test_excel_csv_of_the_report_and_its_ledger(tmp_path: Path, run_cli: Run) -> None:
    plain_ledger, excel_ledger = tmp_path / "plain.csv", tmp_path / "excel.csv"
    plain = run_cli("report", *COMPANY, "-f", "csv", "--ledger", str(plain_ledger)).stdout_bytes
    excel = run_cli("report", *COMPANY, "-f", "csv", "--ledger", str(excel_ledger), "--excel")
    assert excel.exit_code == 0
    _excel_bytes(excel.stdout_bytes, plain)
    _excel_bytes(excel_ledger.read_bytes(), plain_ledger.read_bytes())
    assert "李美華".encode() in excel_ledger.read_bytes()
    json_and_ledger = run_cli("report", *COMPANY, "-f", "json", "--ledger", str(excel_ledger), "--excel")  # the ledger is the CSV
    assert json_and_ledger.exit_code == 0 and json.loads(json_and_ledger.stdout)["ledger"]["currency"] == "CNY"
    _excel_bytes(excel_ledger.read_bytes(), plain_ledger.read_bytes())


@pytest.mark.parametrize("command", [["simulate", *COMPANY[:2], "-f", "json"], ["report", *COMPANY[:2], "-f", "markdown"],
                                     ["due", *COMPANY[:2], "-f", "table"], ["simulate", *COMPANY[:2]]])
def test_excel_without_csv_is_a_usage_error(command: list[str], run_cli: Run) -> None:
    result = run_cli(*command, "--excel")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --excel shapes CSV output for Excel; add --format csv")


# ---- Excel out -------------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _csv_dicts(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as book:
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _wall(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).astimezone(SHANGHAI).replace(tzinfo=None)


def _calamine_midnight(value: object) -> object:
    """calamine gives a date-time cell at midnight as a date."""
    return dt.datetime.combine(value, dt.time()) if type(value) is dt.date else value


def test_simulate_xlsx_holds_the_csv_rows_typed(tmp_path: Path, run_cli: Run) -> None:
    """Instants are Excel date-times in the policy's zone (named in the heading), durations Excel durations, ids text."""
    args = ("simulate", *COMPANY[:2], "--as-of", "2025-05-10T00:00:00+08:00")
    rows = _csv_dicts(run_cli(*args, "-f", "csv").stdout)
    out = tmp_path / "clocks.xlsx"
    result = run_cli(*args, "-f", "xlsx", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    (heading, *cells), = _sheets(out).values()
    assert heading[7:11] == ["started_at (Asia/Shanghai)", "due_at (Asia/Shanghai)", "stopped_at (Asia/Shanghai)", "paused [h:mm:ss]"]
    assert len(cells) == len(rows) > 5
    for row, got in zip(rows, cells):
        assert got[0] == row["id"] and got[3] == row["metric"] and got[11] == row["clock_status"]
        for i, column in ((7, "started_at"), (8, "due_at"), (9, "stopped_at")):
            assert _calamine_midnight(got[i]) == (_wall(row[column]) if row[column] else ""), column
        assert got[10] == (dt.timedelta(seconds=int(row["paused_seconds"])) if row["paused_seconds"] else "")
    assert b'state="frozen"' in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")


def test_simulate_xlsx_read_back_as_an_export_gives_its_instants(tmp_path: Path, run_cli: Run) -> None:
    """Out and in again: the sheet's date-times, read in the policy's zone, are the CSV's instants."""
    args = ("simulate", *COMPANY[:2], "--as-of", "2025-05-10T00:00:00+08:00")
    rows = _csv_dicts(run_cli(*args, "-f", "csv").stdout)
    out = tmp_path / "clocks.xlsx"
    run_cli(*args, "-f", "xlsx", "-o", str(out))
    sheet = read_sheet(out.read_bytes())
    due = [read_cell_time(r[8]).replace(tzinfo=SHANGHAI) for r in sheet.rows[1:] if len(r) > 8 and r[8]]
    assert due == [dt.datetime.fromisoformat(r["due_at"]) for r in rows if r["due_at"]]


def test_report_xlsx_has_objectives_kpis_and_ledger(tmp_path: Path, run_cli: Run) -> None:
    kpis = _csv_dicts(run_cli("report", *COMPANY, "-f", "csv").stdout)
    out, ledger = tmp_path / "report.xlsx", tmp_path / "ledger.xlsx"
    result = run_cli("report", *COMPANY, "-f", "xlsx", "-o", str(out), "--ledger", str(ledger))
    assert result.exit_code == 0, result.stderr
    sheets = _sheets(out)
    assert list(sheets) == ["objectives", "kpis", "ledger"]
    assert sheets["objectives"][0] == ["objective", "clause", "period", "value", "target", "result", "measured"]
    assert ["phone-answered", "R-004-12", "2025-03", "50.0%", "≥ 100.0%", "missed", "2"] in sheets["objectives"]
    heading, *cells = sheets["kpis"]
    assert len(cells) == len(kpis)
    for row, got in zip(kpis, cells):
        shown = dict(zip(heading, got))
        assert shown["metric"] == row["metric"] and shown["period"] == row["period"]
        assert shown["on_time_rate"] == (float(row["on_time_rate"]) if row["on_time_rate"] else "")
        assert shown["median [h:mm:ss]"] == (dt.timedelta(seconds=float(row["median_seconds"]))
                                             if row["median_seconds"] not in ("", "inf") else row["median_seconds"])
    assert _sheets(ledger)["ledger"] == sheets["ledger"]
    heading, first, *_ = sheets["ledger"]
    assert heading[4] == "at (Asia/Shanghai)" and first[2] == "李美華" and first[4] == dt.datetime(2025, 3, 3, 21, 40)
    assert first[12] == 50


def test_a_workbook_is_refused_onto_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(OutputError, match="give -o FILE.xlsx"):
        binary_ok("xlsx", Terminal())
    binary_ok("csv", Terminal())

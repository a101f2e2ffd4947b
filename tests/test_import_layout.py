"""Title, blank and footer rows: a report download has a title block above its header and notes under
its tickets (Zammad's lib/excel_sheet.rb: the title in row 1, the header in row 3, a footer naming
the time zone). The header is found where the profile says, blank rows are no rows, and every
title, footer and totals row is counted by why it was skipped, never taken for a ticket."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.calendar.instants import InstantError, zone
from slapolicy.sim.imports import load_profile, read_export
from test_fuzz import FUZZ

SAMPLES = ROOT / "examples" / "imports"
ZAMMAD = load_profile("zammad-ticket-report")
HEADER = "#,Title,Priority,Created At,First Response At,Closed At"


def test_zammads_download_is_read_below_its_title_and_above_its_footer() -> None:
    for suffix in ("xlsx", "csv"):
        imported = read_export(ZAMMAD, (SAMPLES / f"zammad-ticket-report.download.{suffix}").read_bytes())
        assert (len(imported.tickets), imported.rejections) == (12, [])
        assert imported.skipped_by == Counter({"title": 1, "footer": 1}) and imported.rows == 14
        first = imported.tickets[0]
        assert first.line == 4  # row 1 the title, row 2 blank, row 3 the header
        assert first.data["events"][0] == {"at": "2025-03-03T09:12:00+08:00", "type": "created"}  # in the footer's zone
        assert first.data["events"][2] == {"at": "2025-03-03T09:21:00+08:00", "type": "responded"}


def test_the_summary_says_why_rows_were_skipped(run_cli: Callable[..., Result]) -> None:
    result = run_cli("import", "-p", "zammad-ticket-report", "examples/imports/zammad-ticket-report.download.xlsx")
    assert result.stderr == "14 rows: 12 tickets imported, 0 rejected, 2 rows skipped by the profile (footer: 1, title: 1)\n"


def _profile(tmp_path: Path, header_row: str) -> Path:
    text = (ROOT / "src" / "slapolicy" / "sim" / "profiles" / "zammad-ticket-report.yaml").read_text(encoding="utf-8")
    path = tmp_path / "zammad.yaml"
    path.write_text(text.replace("header_row: find", f"header_row: {header_row}"), encoding="utf-8")
    return path


def test_a_fixed_header_row_takes_the_rows_above_it_for_a_title(tmp_path: Path) -> None:
    profile = load_profile(str(_profile(tmp_path, "3")))
    raw = f"Report,\nFrom 2025-03-01,\n{HEADER}\n31001,Login,3 high,2025-03-03 09:12,,\n".encode()
    imported = read_export(profile, raw)
    assert [t.line for t in imported.tickets] == [4] and imported.skipped_by == Counter({"title": 2})
    blank = read_export(profile, f"Report,\n\n\n{HEADER}\n".encode())
    assert blank.refused is not None and blank.refused.reasons[0].message == "the header row is blank"


def test_without_a_header_in_the_first_rows_the_first_rows_columns_are_named(tmp_path: Path) -> None:
    raw = "".join(f"title {i},x\n" for i in range(40)).encode() + f"{HEADER}\n".encode()
    refused = read_export(ZAMMAD, raw).refused
    assert refused is not None
    assert refused.reasons[0].message.startswith("the export has no columns '#' (the profile's id), 'Priority'")
    assert refused.reasons[0].message.endswith("its columns are: title 0, x (the first row; none of the first 30 has every "
                                               "column the profile reads)")


def test_a_footer_is_told_by_its_beginning_not_guessed() -> None:
    raw = f"{HEADER}\n31001,Login,3 high,2025-03-03 09:12,,\nTimezone: UTC,,,,,\nTime zone: UTC,,,,,\n".encode()
    imported = read_export(ZAMMAD, raw)
    assert imported.skipped_by == Counter({"footer": 1})
    assert [r.line for r in imported.rejections] == [4]  # a note the profile does not name is a rejection, not dropped


WORD = st.text("abcdefghijklmnopqrstuvwxyz0123456789 -", min_size=1, max_size=12).filter(str.strip)
ZONES = ("UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York")


@FUZZ
@given(st.lists(st.one_of(st.lists(WORD, min_size=1, max_size=4), st.just([])), max_size=6),
       st.integers(1, 8), st.lists(st.booleans(), max_size=4), st.sampled_from(ZONES))
def test_title_blank_and_footer_rows_never_become_tickets(titles: list[list[str]], tickets: int, footers: list[bool],
                                                          footer_zone: str) -> None:
    """Any title block (words, blank rows), any number of tickets, blank rows and footers naming the zone under them."""
    lines = [",".join(t) for t in titles] + [HEADER]
    lines += [f"{31000 + i},T{i},2 normal,2025-03-03 09:{i:02d},," for i in range(tickets)]
    lines += [f"Timezone: {footer_zone},,," if f else "" for f in footers]
    imported = read_export(ZAMMAD, ("\n".join(lines) + "\n").encode("utf-8"))
    assert imported.rejections == []
    assert [t.data["id"] for t in imported.tickets] == [str(31000 + i) for i in range(tickets)]
    assert imported.skipped_by["title"] == sum(1 for t in titles if t)
    assert imported.skipped_by["footer"] == sum(1 for f in footers if f)
    assert imported.rows == len(imported.tickets) + imported.skipped
    offsets = {t.data["events"][0]["at"][16:] for t in imported.tickets}  # after 2025-03-03T09:MM
    assert offsets == ({":00" + dt.datetime(2025, 3, 3, 9, tzinfo=zone(footer_zone)).isoformat()[19:]} if any(footers) else {":00"})


@FUZZ
@given(st.lists(WORD, min_size=1, max_size=3))
def test_a_footer_zone_that_is_no_zone_refuses_the_export_at_its_row(words: list[str]) -> None:
    """A footer that names no time zone says nothing about the times: the export is refused there, never read in a guess."""
    raw = f"{HEADER}\n31001,Login,3 high,2025-03-03 09:12,,\nTimezone: {' '.join(words)},,,\n".encode()
    try:
        zone(" ".join(words).strip())
    except InstantError:
        refused = read_export(ZAMMAD, raw).refused
        assert refused is not None and refused.line == 3 and refused.reasons[0].message.startswith("the footer's time zone: ")
        return
    assert read_export(ZAMMAD, raw).rejections == []


def test_the_footers_zone_places_the_times_and_may_not_contradict_the_profile(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    """Zammad's footer names the zone of its times: 09:12 in Berlin is 08:12 UTC (its offset kept on the event), what
    the policy's zone would have read 09:12 in Shanghai. A --source-tz naming another zone is refused at the footer."""
    path = tmp_path / "berlin.csv"
    path.write_text(f"{HEADER}\n31001,Login,3 high,2025-03-03 09:12,,\n,,,\nTimezone: Europe/Berlin,,,\n", encoding="utf-8")
    imported = read_export(ZAMMAD, path.read_bytes())
    assert imported.tickets[0].data["events"][0] == {"at": "2025-03-03T09:12:00+01:00", "type": "created"}
    assert run_cli("import", "-p", "zammad-ticket-report", str(path), "--source-tz", "Europe/Berlin").exit_code == 0
    other = run_cli("import", "-p", "zammad-ticket-report", str(path), "--source-tz", "UTC")
    assert (other.exit_code, other.stderr) == (2, f"error: {path}:4: the footer says the times are in Europe/Berlin, the "
                                                  "profile's timezone (or --source-tz) says UTC: leave out the one that is wrong\n")

"""The output layer: one format rule, one exit-code table, writing that never claims success
it did not have."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slapolicy.diagnostics.record import Diagnostic
from slapolicy.i18n import speaking
from slapolicy.output import ExitCode, OutputError, choose_format, destination, exits, rich_console, summary_line, word_table
from slapolicy.output.cells import csv_safe
from slapolicy.review.testing import CaseResult, TestRun
from slapolicy.validate.validation import ValidationResult


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("result", "tty", "github", "expected"), [
    ("validate", False, False, "text"), ("validate", True, True, "github"), ("test", False, True, "github"),
    ("simulate", True, False, "table"), ("simulate", False, False, "json"), ("simulate", False, True, "json"),
    ("report", True, False, "table"), ("report", False, False, "json"), ("whatif", False, False, "json"),
])
def test_one_rule_picks_the_format(monkeypatch: pytest.MonkeyPatch, result: str, tty: bool, github: bool, expected: str) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true" if github else "false")
    stream = _Terminal() if tty else io.StringIO()
    assert choose_format(result, None, stream) == expected
    assert choose_format(result, "json", stream) == "json"  # asked for: always that


def test_the_output_files_extension_names_the_format(tmp_path: Path, run_cli: Any) -> None:
    """Before: `simulate … -o timeline.html` without --format wrote JSON into the .html file (the piped default).
    Now the extension names the format where the command has it; --format still wins; an extension the command
    has no format for (.txt) keeps the default."""
    for result, name, expected in (("simulate", "t.html", "html"), ("report", "r.md", "markdown"), ("report", "r.xlsx", "xlsx"),
                                   ("validate", "v.sarif", "sarif"), ("simulate", "t.txt", "json"), ("whatif", "w.csv", "json")):
        with open(tmp_path / name, "w", encoding="utf-8") as stream:
            assert choose_format(result, None, stream) == expected, (result, name)
            assert choose_format(result, "json", stream) == "json"
    page = tmp_path / "timeline.html"
    assert run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00",
                   "-o", str(page)).exit_code == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    sheet = tmp_path / "clocks.csv"
    assert run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00",
                   "-o", str(sheet), "--excel").exit_code == 0
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")  # -o FILE.csv --excel: CSV for Excel, no --format needed


def test_exit_codes_table() -> None:
    problem = Diagnostic.of("p.yaml", 1, 1, "SLA503", "shadowed")
    warned = ValidationResult(diagnostics=[problem])
    assert exits.validation(warned) is ExitCode.OK
    assert exits.validation(warned, strict=True) is ExitCode.FINDINGS
    assert exits.validation(ValidationResult(unreadable=True)) is ExitCode.INPUT
    run = TestRun(cases=[CaseResult("t.test.yaml", 3, "x", [], "failed")])
    assert exits.tests(run) is ExitCode.FINDINGS
    assert exits.tests(TestRun(diagnostics=[Diagnostic.of("t.test.yaml", 1, 1, "SLA801", "no policy")])) is ExitCode.FINDINGS
    assert exits.tests(TestRun(unreadable=True)) is ExitCode.INPUT
    assert exits.replay(0) is ExitCode.OK and exits.replay(3) is ExitCode.FINDINGS
    assert exits.replay(0, 2) == 130 and exits.replay(5, 15) == 143


def test_summary_line() -> None:
    assert summary_line(1, 0) == "1 ticket: 1 simulated, 0 rejected"
    assert summary_line(2, 1, interrupted=True) == "3 tickets: 2 simulated, 1 rejected (interrupted: partial)"
    assert summary_line(2, 1, kinds={"ticket"}) == "3 tickets: 2 simulated, 1 rejected"
    assert summary_line(3, 0, kinds={"call"}) == "3 calls: 3 simulated, 0 rejected"
    assert summary_line(8, 1, later=1, kinds={"ticket", "call"}) == "10 subjects: 8 simulated, 1 rejected, 1 not yet created"
    with speaking("zh"):
        assert summary_line(8, 1, kinds={"ticket", "call"}) == "9 个对象：模拟 8，拒收 1"
        assert summary_line(2, 0) == "共 2 张工单：已模拟 2 张，拒收 0 张"


def test_writing_to_a_missing_folder_is_one_error(tmp_path: Path) -> None:
    target = str(tmp_path / "no" / "such" / "out.json")
    with pytest.raises(OutputError, match=r"^cannot write .*/no/such/out.json: No such file or directory$"), \
            destination(target) as out:
        out.write("{}")


def test_a_full_disk_is_an_error_not_a_truncated_file() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with pytest.raises(OutputError, match="No space left on device"), destination("/dev/full") as out:
        out.write("x" * 100_000)


@pytest.mark.parametrize(("cell", "safe"), [("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@x", "'@x"),
                                             ("T-1", "T-1"), (5, 5), ("", "")])
def test_csv_cells_cannot_run_as_formulas(cell: object, safe: object) -> None:
    assert csv_safe(cell) == safe


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.text(alphabet="abcdefghij-_[]/", min_size=1, max_size=12), min_size=1, max_size=4),
                min_size=3, max_size=3),
       st.lists(st.text(alphabet="xyz 工单", max_size=20), min_size=0, max_size=5), st.integers(min_value=50, max_value=120))
def test_word_table_never_cuts_a_word_nor_passes_the_width(cells: list[list[str]], extra: list[str], width: int) -> None:
    """Any cells in a table as wide as the terminal: each ASCII word is whole on one line, no line is
    wider than the terminal, and no line ends in a blank."""
    from rich.cells import cell_len

    rows = [[" ".join(words) for words in cells], ["42", " ".join(extra) or "-", "x"]]
    out = io.StringIO()
    console = rich_console(out)
    console.width = width
    console.print(word_table(width, "a title", ("first", "second column", "third"), rows))
    lines = out.getvalue().splitlines()
    assert "…" not in out.getvalue() and all(cell_len(line) <= width and line == line.rstrip() for line in lines)
    printed = {w for line in lines for w in line.split()}
    assert {w for words in cells for w in words} <= printed


def test_trimmed_console_drops_padding_only_at_line_ends() -> None:
    out = io.StringIO()
    rich_console(out).print(word_table(40, "", ("a", "b"), [["x", "y  z"], ["longer cell", ""]]))
    assert out.getvalue() == "a           b\n────────────────\nx           y  z\nlonger cell\n"

"""The output layer: one format rule, one exit-code table, writing that never claims success
it did not have."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from slapolicy.diagnostics import Diagnostic
from slapolicy.output import ExitCode, OutputError, choose_format, destination, exits, summary_line
from slapolicy.output.simulation import csv_safe
from slapolicy.testing import CaseResult, TestRun
from slapolicy.validate import ValidationResult


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

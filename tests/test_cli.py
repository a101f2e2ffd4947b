"""The CLI end to end: output formats, exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import holidays
import pytest
from click.testing import Result

from conftest import ROOT

Run = Callable[..., Result]
POLICY = "policies/after-sales/2025.1.yaml"
GOLDEN = ROOT / "tests" / "golden"
CN = holidays.country_holidays("CN")


def test_validate_default_directory_is_policies(run_cli: Run) -> None:
    result = run_cli("validate")
    assert result.exit_code == 0
    assert result.output == "10 files checked: 0 errors, 0 warnings\n"


def test_validate_text_output_and_exit_1(run_cli: Run) -> None:
    result = run_cli("validate", "tests/fixtures/invalid/duplicate_ids.yaml")
    assert result.exit_code == 1
    assert result.output == (
        "tests/fixtures/invalid/duplicate_ids.yaml:17:10: SLA202 error: duplicate target rule id 'p1' (first used at line 16); "
        "give each target rule its own id\n"
        "1 file checked: 1 error, 0 warnings\n"
    )


def test_validate_json(run_cli: Run) -> None:
    result = run_cli("validate", "--format", "json", "tests/fixtures/invalid/holiday_coverage.yaml")
    assert result.exit_code == 0  # a warning alone passes
    doc = json.loads(result.output)
    assert doc["status"] == "ok"
    assert doc["summary"] == {"files": 1, "errors": 0, "warnings": 1}
    problem = doc["problems"][0]
    assert (problem["line"], problem["column"], problem["code"], problem["severity"]) == (7, 57, "SLA405", "warning")
    assert problem["json_path"] == "$.calendars.office.holidays"


def test_validate_strict_fails_on_warnings(run_cli: Run) -> None:
    assert run_cli("validate", "--strict", "tests/fixtures/invalid/holiday_coverage.yaml").exit_code == 1


def test_validate_github_annotations(run_cli: Run) -> None:
    result = run_cli("validate", "--format", "github", "tests/fixtures/invalid/escalations_and_response.yaml")
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first == (
        "::error file=tests/fixtures/invalid/escalations_and_response.yaml,line=17,col=44,title=SLA301::"
        "first_response target 2h is longer than the resolution target 1h for severity=P1 (line 17); "
        "shorten the first_response target or lengthen the resolution one"
    )


def test_validate_missing_path_is_exit_2(run_cli: Run) -> None:
    result = run_cli("validate", "no/such/dir")
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == "no/such/dir:0:0: SLA001 error: no such file or directory"


def test_schema_command_prints_the_committed_schema(run_cli: Run) -> None:
    result = run_cli("schema")
    assert result.output == (ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8")


def test_explain_and_checks(run_cli: Run) -> None:
    result = run_cli("explain", "sla503")
    assert result.exit_code == 0 and result.output.startswith("SLA503 target-shadowed (warning)")
    assert run_cli("explain", "SLA999").exit_code == 2
    listing = json.loads(run_cli("checks", "--json").output)
    assert {c["code"] for c in listing} >= {"SLA201", "SLA501", "SLA601"}


def test_calendar_due_spring_festival(run_cli: Run) -> None:
    """R-000-06 on the office calendar across the 2025 Spring Festival."""
    result = run_cli("calendar", "due", POLICY, "office", "2025-01-27T17:00:00+08:00", "3h")
    assert (result.exit_code, result.output) == (0, "2025-02-05T11:00:00+08:00\n")
    result = run_cli("calendar", "due", POLICY, "office", "2025-01-27T17:00:00+08:00", "3h", "--json")
    assert json.loads(result.output) == {"due_at": "2025-02-05T11:00:00+08:00"}


def test_calendar_due_working_days_counting(run_cli: Run) -> None:
    """R-000-12: follow-up by the end of the 3rd working day; R-004-03: next working morning."""
    result = run_cli("calendar", "due", POLICY, "office", "2025-09-30T10:00:00+08:00", "3 working days")
    assert result.output == "2025-10-11T18:00:00+08:00\n"  # 9, 10 Oct and the make-up Saturday 11 Oct
    result = run_cli("calendar", "due", "policies/company-service/2025.1.yaml", "office",
                     "2025-03-07T17:40:00+08:00", "1 working day", "--counting", "start_of_day")
    assert result.output == "2025-03-10T08:30:00+08:00\n"


def test_calendar_naive_input_is_read_in_policy_zone_and_said(run_cli: Run) -> None:
    result = run_cli("calendar", "elapsed", POLICY, "office", "2025-03-10T08:00", "2025-03-10T20:00")
    assert result.exit_code == 0
    assert result.stdout == "7h30m\n"
    assert "note: START 2025-03-10T08:00 has no UTC offset; read as Asia/Shanghai" in result.stderr
    result = run_cli("calendar", "elapsed", POLICY, "office", "2025-03-10T08:00+08:00", "2025-03-10T20:00+08:00", "--json")
    assert json.loads(result.stdout) == {"seconds": 27000}


def test_calendar_show_golden(run_cli: Run, golden: Callable[[Path, str], None], request: pytest.FixtureRequest) -> None:
    """The days as the golden file holds them; the holidays' names are the `holidays` package's words, which
    change between its releases, so they are checked against the package rather than pinned."""
    result = run_cli("calendar", "show", POLICY, "office", "--from", "2025-01-25", "--to", "2025-02-09", "--json")
    assert result.exit_code == 0
    path = GOLDEN / "calendar_show_spring_festival_2025.json"
    if request.config.getoption("--update-golden"):
        golden(path, result.output)
    source = holidays.country_holidays("CN", language="zh_CN")
    shown, expected = json.loads(result.output), json.loads(path.read_text(encoding="utf-8"))
    assert [day["holiday"] for day in shown["days"]] == [source.get(day["date"]) for day in shown["days"]]
    for days in (shown["days"], expected["days"]):
        for day in days:
            day["holiday"] = day["holiday"] is not None
    assert shown == expected


def test_calendar_errors_are_one_line(run_cli: Run) -> None:
    cases = [
        (("due", POLICY, "offce", "2025-01-27T17:00+08:00", "3h"), "error: policy 'after-sales' has no calendar 'offce'; did you mean 'office'?"),
        (("due", POLICY, "office", "2025-01-27T17:00+08:00", "3 wrking days"),
         "error: '3 wrking days' is not a duration; write it like '15m', '2h', '1h30m', '3 working days' or '1 month'"),
        (("due", POLICY, "office", "27/01/2025", "3h"),
         "error: START '27/01/2025' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00"),
        (("due", "tests/fixtures/invalid/duplicate_ids.yaml", "always", "2025-01-27T17:00+08:00", "3h"),
         "error: tests/fixtures/invalid/duplicate_ids.yaml:17:10: SLA202 error: duplicate target rule id 'p1' (first used at line 16); "
         "give each target rule its own id"),
        (("due", POLICY, "office", "2101-01-27T17:00+08:00", "3h"),
         f"error: calendar 'office' has no holiday data for 2101 (its source covers {max(1971, CN.start_year)}-{CN.end_year})"),
    ]
    for args, message in cases:
        result = run_cli("calendar", *args)
        assert result.exit_code == 2, args
        assert result.stderr.strip().splitlines() == [message]
        assert "Traceback" not in result.output


def test_lazy_commands_list_their_own_help(run_cli: Run) -> None:
    """`slapolicy --help` lists commands without importing them; the listed help is each command's own."""
    import click

    from slapolicy.cli import COMMANDS, main

    ctx = click.Context(main)
    for name, (_, _, listed) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(limit=200) == listed, name
    output = run_cli("--help").output
    assert all(name in output for name in COMMANDS)


def test_help_does_not_import_the_library() -> None:
    import subprocess
    import sys

    code = "import sys, slapolicy.cli; print(sorted(m for m in sys.modules if m.startswith(('slapolicy.', 'jsonschema', 'yaml', 'holidays', 'numpy', 'msgspec'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['slapolicy.cli', 'slapolicy.i18n']"  # the help is translated: the catalogs' small module, nothing else


def test_an_encoding_that_is_not_text_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--encoding", "rot13")
    assert result.exit_code == 2
    assert "'rot13' is not a text encoding; use utf-8, gb18030, gbk, latin-1, …" in result.stderr
    assert "Traceback" not in result.stderr


HISTORY = "tests/fixtures/history.jsonl"
AS_OF = "--as-of=2025-12-31T00:00:00+08:00"


@pytest.mark.parametrize("args", [
    ("calendar", "due", "{policy}", "office", "2025-01-27T17:00:00+08:00", "3h"),
    ("calendar", "elapsed", "{policy}", "office", "2025-03-10T08:00:00+08:00", "2025-03-10T20:00:00+08:00"),
    ("calendar", "show", "{policy}", "office", "--from", "2025-01-25", "--to", "2025-01-30", "--json"),
    ("generate", "--policy", "{policy}", "--tickets", "20", "--seed", "3"),
    ("simulate", "{policy}", HISTORY, AS_OF, "--format", "json", "--jobs", "1"),
    ("report", "{policy}", HISTORY, AS_OF, "--format", "json", "--jobs", "1"),
    ("whatif", "--base", "policies/after-sales/2024.1.yaml", "--candidate", "{policy}", HISTORY, AS_OF, "--format", "json", "--jobs", "1"),
    ("validate", "{policy}"),
])
def test_every_command_takes_a_policy_file_or_a_directory_of_versions(run_cli: Run, args: tuple[str, ...]) -> None:
    """Item 6: the directory means its newest version wherever one version is needed (calendar,
    generate, whatif) and the version in force otherwise; here both give 2025.1's answer."""
    by_file = run_cli(*(a.format(policy="policies/after-sales/2025.1.yaml") for a in args))
    by_dir = run_cli(*(a.format(policy="policies/after-sales") for a in args))
    assert by_dir.exit_code == by_file.exit_code and by_dir.exit_code in (0, 1), by_dir.stderr
    if args[0] != "validate":  # validate lists the files it checked
        assert by_dir.stdout.replace("policies/after-sales/2025.1.yaml", "") == by_file.stdout.replace("policies/after-sales/2025.1.yaml", "")


@pytest.mark.parametrize("command", ["test", "clauses"])
def test_test_and_clauses_take_a_policy_file(run_cli: Run, command: str) -> None:
    by_file = run_cli(command, "policies/network-service/2025.1.yaml", *(["--format", "json"] if command == "clauses" else []))
    by_dir = run_cli(command, "policies/network-service", *(["--format", "json"] if command == "clauses" else []))
    assert by_file.exit_code == by_dir.exit_code == 0 and by_file.stdout == by_dir.stdout


def test_pre_commit_hooks_run_serially() -> None:
    """Cross-version checks and the tests see every file at once: not one parallel batch, nor only the files a commit touched."""
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: (h.get("require_serial"), h.get("pass_filenames")) for h in hooks} == {
        "slapolicy-validate": (True, False), "slapolicy-test": (True, False)}

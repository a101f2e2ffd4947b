"""`slapolicy test`: the shipped policy tests pass; a broken expectation fails readably;
bad test files get positioned diagnostics without stopping the other files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from click.testing import Result

Run = Callable[..., Result]
BROKEN = "tests/fixtures/policy_tests/broken.test.yaml"


def test_shipped_policy_tests_pass(run_cli: Run) -> None:
    result = run_cli("test", "--engine", "python")
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    passed = int(last.split()[0])
    assert last == f"{passed} passed, 0 failed" and passed >= 35


def test_broken_expectation_fails_with_expected_and_actual(run_cli: Run) -> None:
    """R-000-04: a promise of 20 minutes where the policy gives 15 fails with a diff."""
    result = run_cli("test", BROKEN, "--engine", "python")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"PASSED {BROKEN}:4 a P1 is answered within 15 minutes [R-000-04]",
        f"FAILED {BROKEN}:14 a deliberately wrong promise of 20 minutes [R-000-04]",
        "     first_response (cycle 1).due_at: expected 2025-03-07T18:10:00+08:00, actual 2025-03-07T18:05:00+08:00",
        "     first_response (cycle 1).status: expected met, actual breached",
        "1 passed, 1 failed",
    ]


def test_k_selects_cases(run_cli: Run) -> None:
    result = run_cli("test", BROKEN, "-k", "answered within", "--engine", "python")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "1 passed, 0 failed, 1 skipped"


def test_junit_report(run_cli: Run) -> None:
    result = run_cli("test", BROKEN, "--format", "junit", "--engine", "python")
    root = ET.fromstring(result.output.split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    failure = root.find(".//testcase[@name='a deliberately wrong promise of 20 minutes']/failure")
    assert failure is not None and "expected 2025-03-07T18:10:00+08:00" in (failure.get("message") or "")


def test_github_report(run_cli: Run) -> None:
    result = run_cli("test", BROKEN, "--format", "github", "--engine", "python")
    assert result.output.splitlines()[0].startswith(
        f"::error file={BROKEN},line=14,title=a deliberately wrong promise of 20 minutes::first_response (cycle 1).due_at")


def test_bad_test_files_get_positions_and_do_not_stop_the_others(run_cli: Run) -> None:
    result = run_cli("test", "tests/fixtures/policy_tests", "--engine", "python")
    assert result.exit_code == 1  # problems in the files tested are findings (exit 2 is for paths that cannot be read)
    lines = result.output.splitlines()
    assert lines[:5] == [
        "tests/fixtures/policy_tests/bad_names.test.yaml:7:49: SLA802 error: policy 'minimal' has no event type 'opened'; did you mean 'reopened'?",
        "tests/fixtures/policy_tests/bad_names.test.yaml:10:9: SLA802 error: policy 'minimal' has no metric 'first_respons'; did you mean 'first_response'?",
        "tests/fixtures/policy_tests/bad_names.test.yaml:12:38: SLA802 error: metric 'resolution' has 2 escalation steps, not 7",
        "tests/fixtures/policy_tests/bad_schema.test.yaml:9:26: SLA101 error: unknown key 'deadline'; the keys allowed here are: "
        "breached_at, calendar, cycle, due_at, elapsed_seconds, failed_at, paused, paused_seconds, started_at, status, "
        "stopped_at, target",
        "tests/fixtures/policy_tests/unknown_policy.test.yaml:1:9: SLA801 error: no policy 'minimum' found; did you mean 'minimal'?",
    ]
    assert lines[-1] == "1 passed, 1 failed"  # broken.test.yaml still ran


def test_coverage_lists_what_no_case_exercised(run_cli: Run) -> None:
    result = run_cli("test", BROKEN, "--coverage", "--engine", "python")
    tail = result.output.splitlines()[-4:]
    assert tail[0] == "coverage of minimal 1.0:"
    assert tail[1].startswith("  target rules not exercised: rule (tests/fixtures/policy_tests/minimal.yaml:22)")
    assert tail[2] == "  escalation steps not exercised: none"


def test_schema_for_tests_is_printed(run_cli: Run) -> None:
    from conftest import ROOT

    result = run_cli("schema", "--tests")
    assert result.output == (ROOT / "schema" / "policy-test.schema.json").read_text(encoding="utf-8")


def test_coverage_counts_what_history_cases_exercise(run_cli: Callable[..., Any]) -> None:
    """R-004-07 and R-004-12 are cited by history cases only: they are covered."""
    result = run_cli("test", "policies/company-service", "--coverage")
    line = next(row for row in result.output.splitlines() if "clauses not exercised" in row)
    assert line.endswith("none")


def test_a_policy_that_fails_to_load_stops_its_tests_with_exit_2(run_cli: Run) -> None:
    """A quality manager who broke the policy is sent to its first error, not told it does not exist, and the
    run is an input error (exit 2), like every command given an unusable policy. (Issue 19: this was a
    finding, exit 1, positioned at the test file's `policy:` key.)"""
    result = run_cli("test", "tests/fixtures/broken_policy_tests", "--engine", "python")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "tests/fixtures/broken_policy_tests/minimal.yaml:22:45: SLA804 error: policy 'minimal' fails to load, so the cases "
        "of tests/fixtures/broken_policy_tests/minimal.test.yaml cannot run: SLA201 unknown calendar 'offfice'; "
        "did you mean 'office'? (declared: 24x7, office); "
        "fix it first (`slapolicy validate tests/fixtures/broken_policy_tests` lists the errors)",
        "0 passed, 0 failed",
    ]


def _after_sales_copy(tmp_path: Any, edit: Callable[[str, str], str]) -> Any:
    """policies/after-sales in `tmp_path`, each file passed through `edit(name, text)`."""
    from conftest import ROOT

    folder = tmp_path / "after-sales"
    folder.mkdir()
    for source in (ROOT / "policies" / "after-sales").iterdir():
        text = source.read_text(encoding="utf-8").replace("../../regulation/", f"{ROOT}/regulation/")
        (folder / source.name).write_text(edit(source.name, text), encoding="utf-8")
    return folder


def test_a_broken_version_beside_the_tests_stops_them(run_cli: Run, tmp_path: Any) -> None:
    """Before: with 2024.1 broken, the after-sales tests ran on 2025.1 alone and its 2024 cases failed
    one by one. Now the broken version is named once, at its error, and nothing runs."""
    folder = _after_sales_copy(tmp_path, lambda name, text: text.replace("first_response: 1h,", "first_response: 1hour,")
                               if name == "2024.1.yaml" else text)
    result = run_cli("test", str(folder), "--engine", "python")
    assert result.exit_code == 2
    (line, summary) = result.output.splitlines()
    assert line.startswith(f"{folder}/2024.1.yaml:") and " SLA804 error: policy 'after-sales' fails to load, so the cases of " in line
    assert summary == "0 passed, 0 failed"


def test_a_version_no_case_runs_under_is_named_and_fails_with_strict(run_cli: Run, tmp_path: Any) -> None:
    """after-sales 2024.1 is only tested by the cases dated 2024; moved to 2025 they test 2025.1 instead, and
    2024.1 is left untested: a warning at its `version:`, exit 0, and exit 1 with --strict."""
    folder = _after_sales_copy(tmp_path, lambda name, text: text.replace("2024-", "2025-") if name.endswith(".test.yaml") else text)
    result = run_cli("test", str(folder), "-q", "--engine", "python")
    warning = (f"{folder}/2024.1.yaml:7:10: SLA805 warning: no case of {folder}/after-sales.test.yaml runs under version "
               "2024.1 of policy 'after-sales' (in force 2024-01-01 to 2024-12-31): add a case whose subject is created then")
    assert result.output.splitlines()[0] == warning
    strict = run_cli("test", str(folder), "-q", "--strict", "--engine", "python")
    assert strict.exit_code == 1 and strict.output.splitlines()[0] == warning
    shipped = run_cli("test", "policies/after-sales", "-q", "--strict", "--engine", "python")
    assert shipped.exit_code == 0 and "SLA805" not in shipped.output
    selected = run_cli("test", str(folder), "-q", "-k", "P1", "--engine", "python")  # -k leaves cases out on purpose
    assert "SLA805" not in selected.output


STOP = "tests/fixtures/stop_first"


def test_quiet_shows_only_failures_and_the_summary(run_cli: Run) -> None:
    result = run_cli("test", BROKEN, "-q", "--engine", "python")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAILED {BROKEN}:14 a deliberately wrong promise of 20 minutes [R-000-04]",
        "     first_response (cycle 1).due_at: expected 2025-03-07T18:10:00+08:00, actual 2025-03-07T18:05:00+08:00",
        "     first_response (cycle 1).status: expected met, actual breached",
        "1 passed, 1 failed",
    ]


def test_exitfirst_stops_at_the_first_failing_case(run_cli: Run) -> None:
    result = run_cli("test", STOP, "-x", "--engine", "python")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAILED {STOP}/a_first.test.yaml:4 a wrong promise of 20 minutes, the first failure",
        "     first_response (cycle 1).due_at: expected 2025-03-07T18:10:00+08:00, actual 2025-03-07T18:05:00+08:00",
        "0 passed, 1 failed (stopped at the first failure)",
    ]
    assert run_cli("test", STOP, "--engine", "python").output.splitlines()[-1] == "2 passed, 1 failed"


def test_exitfirst_stops_at_the_first_broken_test_file(run_cli: Run) -> None:
    result = run_cli("test", "tests/fixtures/policy_tests", "--exitfirst", "--quiet", "--engine", "python")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert all("bad_names.test.yaml" in line for line in lines[:-1]) and len(lines) == 4
    assert lines[-1] == "0 passed, 0 failed (stopped at the first failure)"


def test_a_policy_file_stands_for_the_tests_beside_it(run_cli: Run) -> None:
    """Item 6: `test` takes a policy file as well as a directory (it used to read the policy as a test file)."""
    by_file = run_cli("test", "policies/network-service/2025.1.yaml", "--engine", "python")
    by_dir = run_cli("test", "policies/network-service", "--engine", "python")
    assert by_file.exit_code == 0 and by_file.output == by_dir.output


def test_a_test_beside_a_broken_policy_names_the_policy_error(tmp_path: Any) -> None:
    """The root cause, not 'no policy found': the policy beside the test file does not validate (SLA804, at its line)."""
    from conftest import FIXTURES
    from slapolicy.review.testing import run_tests
    from slapolicy.rules.engine import get_backend

    policy = (FIXTURES / "policy_tests" / "minimal.yaml").read_text(encoding="utf-8")
    (tmp_path / "minimal.yaml").write_text(policy.replace("timezone: Asia/Shanghai", "timezone: Beijing", 1), encoding="utf-8")
    (tmp_path / "t.test.yaml").write_text((FIXTURES / "policy_tests" / "broken.test.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    run = run_tests([tmp_path], get_backend("python"))
    line = next(n for n, text in enumerate(policy.splitlines(), 1) if text.startswith("timezone:"))
    assert [(d.path, d.line, d.column, d.code, d.message) for d in run.diagnostics] == [(
        f"{tmp_path}/minimal.yaml", line, 11, "SLA804",
        f"policy 'minimal' fails to load, so the cases of {tmp_path}/t.test.yaml cannot run: SLA403 unknown time zone "
        f"'Beijing'; did you mean 'Asia/Shanghai'?; fix it first (`slapolicy validate {tmp_path}` lists the errors)")]
    assert run.unusable


def test_an_empty_expectation_list_is_an_error_not_a_check_that_cannot_fail(run_cli: Run, tmp_path: Any) -> None:
    """`notices: []` used to pass whatever the subject was told: a check that could not fail."""
    folder = _after_sales_copy(tmp_path, lambda name, text: text)
    (folder / "empty.test.yaml").write_text(
        "policy: after-sales\nas_of: 2025-12-31T00:00:00+08:00\ncases:\n  - description: empty lists\n"
        "    ticket: {attributes: {severity: P1}, events: [{at: 2025-03-07T17:50:00+08:00, type: created}]}\n"
        "    expect: {notices: [], findings: []}\n", encoding="utf-8")
    result = run_cli("test", str(folder / "empty.test.yaml"), "--engine", "python")
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        f"{folder / 'empty.test.yaml'}:6:23: SLA104 error: checks nothing when empty: list the notices that must be given, "
        "or the ones that must not under no_notices",
        f"{folder / 'empty.test.yaml'}:6:37: SLA104 error: checks nothing when empty: list the findings expected, or write no_findings: true",
    ]

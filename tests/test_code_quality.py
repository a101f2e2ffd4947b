"""`validate --format codequality`: GitLab's code-quality report (the Code Climate subset GitLab
reads), so a merge request shows the problems of a policy in its widget and on its diff lines."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import Result

from slapolicy.diagnostics.record import Diagnostic
from slapolicy.output.validation import code_quality
from slapolicy.validate.validation import ValidationResult

Run = Callable[..., Result]
FIXTURE = "tests/fixtures/invalid/coverage_and_shadowing.yaml"
# the fields GitLab's documentation of the code-quality report requires, with their types and values
GITLAB_ISSUE = {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
        "description": {"type": "string", "minLength": 1},
        "check_name": {"type": "string", "minLength": 1},
        "fingerprint": {"type": "string", "minLength": 1},
        "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
        "location": {"type": "object", "required": ["path", "lines"],
                     "properties": {"path": {"type": "string"},
                                    "lines": {"type": "object", "required": ["begin"],
                                              "properties": {"begin": {"type": "integer", "minimum": 1}}}}},
    },
}


def report(output: str) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = json.loads(output)
    jsonschema.validate(issues, {"type": "array", "items": GITLAB_ISSUE})
    assert len({i["fingerprint"] for i in issues}) == len(issues), "GitLab needs a fingerprint per issue"
    return issues


def test_each_problem_is_an_issue_at_its_line(run_cli: Run) -> None:
    result = run_cli("validate", "--format", "codequality", FIXTURE)
    assert result.exit_code == 1
    issues = report(result.stdout)
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("SLA501", "critical", FIXTURE, 18), ("SLA502", "minor", FIXTURE, 22), ("SLA503", "minor", FIXTURE, 25)]
    assert issues[2]["description"].startswith("SLA503: the resolution target never applies")


def test_a_problem_moved_by_an_edit_above_it_keeps_its_fingerprint(run_cli: Run, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    text = Path(FIXTURE).read_text(encoding="utf-8")
    policy.write_text(text, encoding="utf-8")
    before = report(run_cli("validate", "-f", "codequality", str(policy)).stdout)
    policy.write_text("# a comment added at the top\n" + text, encoding="utf-8")
    after = report(run_cli("validate", "-f", "codequality", str(policy)).stdout)
    assert [i["location"]["lines"]["begin"] + 1 for i in before] == [i["location"]["lines"]["begin"] for i in after]
    assert "rule at line 25" in after[2]["description"]  # SLA503 names the line of the rule that wins; it moved too
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]


def test_the_same_problem_twice_in_a_file_has_two_fingerprints() -> None:
    twice = [Diagnostic.of("p.yaml", line, 1, "SLA502", "this target rule can never match") for line in (4, 9)]
    out = io.StringIO()
    code_quality(ValidationResult(["p.yaml"], twice), out)
    assert [i["location"]["lines"]["begin"] for i in report(out.getvalue())] == [4, 9]


def test_valid_policies_give_an_empty_report(run_cli: Run) -> None:
    result = run_cli("validate", "--format", "codequality", "policies/")
    assert result.exit_code == 0
    assert report(result.stdout) == []

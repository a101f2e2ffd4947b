"""SARIF 2.1.0 from `validate` and `test`, held to what GitHub code scanning requires of an
upload (an embedded subset of the SARIF schema; nothing is fetched)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from conftest import FIXTURES
from slapolicy.cli import main
from slapolicy.diagnostics import codes

Run = Callable[..., Result]

_URI_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"  # what RFC 3986 allows in a URI reference

# The parts of sarif-schema-2.1.0.json that code scanning reads, with its own constraints:
# version 2.1.0, a tool driver with a name and rules, each result with a ruleId, a message text,
# a level, and a physical location whose region starts at line 1 or later.
SARIF_SUBSET: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "originalUriBaseIds": {"type": "object", "additionalProperties": {
                    "type": "object", "required": ["uri"],
                    "properties": {"uri": {"type": "string", "pattern": "^file:///" + _URI_CHARS + "*/$"}}}},
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "rules": {
                        "type": "array", "items": {
                            "type": "object", "required": ["id", "shortDescription"],
                            "properties": {
                                "id": {"type": "string"},
                                "shortDescription": {"$ref": "#/$defs/message"},
                                "help": {"$ref": "#/$defs/message"},
                                "defaultConfiguration": {"type": "object", "properties": {"level": {"$ref": "#/$defs/level"}}},
                            }}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["ruleId", "message", "locations"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"$ref": "#/$defs/level"},
                        "message": {"$ref": "#/$defs/message"},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {"$ref": "#/$defs/artifactLocation"},
                                    "region": {"type": "object", "required": ["startLine"],
                                               "properties": {"startLine": {"type": "integer", "minimum": 1},
                                                              "startColumn": {"type": "integer", "minimum": 1}}},
                                }}}}},
                    }}},
            }}},
    },
    "$defs": {
        # sarif-schema: "uri" is a URI reference (RFC 3986: ASCII, no spaces), and relative whenever
        # "uriBaseId" is given (3.4.3: "the uri property SHALL be a relative reference")
        "artifactLocation": {
            "type": "object", "required": ["uri"],
            "properties": {"uri": {"type": "string", "minLength": 1, "pattern": "^" + _URI_CHARS + "+$"},
                           "uriBaseId": {"type": "string"}},
            "if": {"required": ["uriBaseId"]},
            "then": {"properties": {"uri": {"not": {"pattern": "^[A-Za-z][A-Za-z0-9+.-]*:|^/"}}}},
            "else": {"properties": {"uri": {"pattern": "^file:///"}}},
        },
        "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}},
        "level": {"enum": ["none", "note", "warning", "error"]},
    },
}


def checked(output: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(output)
    jsonschema.validate(log, SARIF_SUBSET)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:  # every result points at its rule
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    return log


def test_validate_sarif(run_cli: Run) -> None:
    result = run_cli("validate", "--format", "sarif", "tests/fixtures/invalid/coverage_and_shadowing.yaml")
    assert result.exit_code == 1
    run = checked(result.stdout)["runs"][0]
    found = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]]
    path = "tests/fixtures/invalid/coverage_and_shadowing.yaml"
    assert found == [("SLA501", "error", path, {"startLine": 18, "startColumn": 3}),
                     ("SLA502", "warning", path, {"startLine": 22, "startColumn": 6}),
                     ("SLA503", "warning", path, {"startLine": 25, "startColumn": 40})]
    assert run["results"][2]["message"]["text"].startswith("the resolution target never applies")


def test_sarif_rules_are_the_registry(run_cli: Run) -> None:
    rules = checked(run_cli("validate", "--format", "sarif", "policies").stdout)["runs"][0]["tool"]["driver"]["rules"]
    file_codes = [c for c in codes.CODES.values() if c.stage not in ("ticket", "finding", "import")]  # import: not in validate or test
    assert [r["id"] for r in rules] == [c.code for c in file_codes]
    for rule, code in zip(rules, file_codes):
        assert rule["shortDescription"]["text"] == code.title
        assert rule["defaultConfiguration"]["level"] == code.severity.value
        assert "Passes::" not in rule["help"]["text"] and "Fails::" not in rule["help"]["text"]


def test_unreadable_path_has_a_location_on_line_1(run_cli: Run) -> None:
    result = run_cli("validate", "--format", "sarif", "no/such/policy.yaml")
    assert result.exit_code == 2
    (found,) = checked(result.stdout)["runs"][0]["results"]
    assert found["ruleId"] == "SLA001" and found["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_test_sarif_has_failed_cases_and_file_problems(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("test", "--format", "sarif", "tests/fixtures/policy_tests")
    assert result.exit_code == 1
    results = checked(result.stdout)["runs"][0]["results"]
    failed = [r for r in results if r["ruleId"] == "SLA803"]
    assert failed and all(r["level"] == "error" for r in failed)
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".test.yaml") for r in failed)
    assert {r["ruleId"] for r in results} - {"SLA803"}  # the broken test files are there too


def test_passing_tests_give_an_empty_sarif_run(run_cli: Run) -> None:
    result = run_cli("test", "--format", "sarif", "policies/network-service")
    assert result.exit_code == 0
    assert checked(result.stdout)["runs"][0]["results"] == []


def _locations(output: str) -> list[dict[str, str]]:
    run = checked(output)["runs"][0]
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]


def test_a_path_under_the_working_directory_is_relative_to_srcroot_and_encoded(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Given relative or absolute, a file in the checkout is a percent-encoded relative URI
    reference from %SRCROOT%, which the run gives as the working directory."""
    folder = tmp_path / "售后 政策"
    folder.mkdir()
    shutil.copy(FIXTURES / "invalid" / "coverage_and_shadowing.yaml", folder / "2025 v1.yaml")
    monkeypatch.chdir(tmp_path)
    encoded = {"uri": "%E5%94%AE%E5%90%8E%20%E6%94%BF%E7%AD%96/2025%20v1.yaml", "uriBaseId": "%SRCROOT%"}
    for given in ("售后 政策/2025 v1.yaml", str(folder / "2025 v1.yaml")):
        result = CliRunner().invoke(main, ["validate", "--format", "sarif", given], catch_exceptions=False)
        assert result.exit_code == 1
        assert _locations(result.stdout) == [encoded] * 3
        assert json.loads(result.stdout)["runs"][0]["originalUriBaseIds"] == {
            "%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}


def test_a_path_outside_the_working_directory_is_an_absolute_file_uri(tmp_path: Path, run_cli: Run) -> None:
    """No uriBaseId with it: SARIF allows a base only for a relative reference."""
    folder = tmp_path / "售后 政策"
    folder.mkdir()
    shutil.copy(FIXTURES / "invalid" / "coverage_and_shadowing.yaml", folder / "2025 v1.yaml")
    result = run_cli("validate", "--format", "sarif", str(folder / "2025 v1.yaml"))
    assert result.exit_code == 1
    uri = tmp_path.as_uri() + "/%E5%94%AE%E5%90%8E%20%E6%94%BF%E7%AD%96/2025%20v1.yaml"
    assert _locations(result.stdout) == [{"uri": uri}] * 3

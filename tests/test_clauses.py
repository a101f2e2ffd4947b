"""`slapolicy clauses`: every clause of the registers with the rules encoding it and the cases
citing it; the gaps; the manual's clause table (docs/shipped.md) is this command's Markdown output."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from click.testing import Result

from conftest import ROOT
from slapolicy.review.clauses import clause_table
from slapolicy.rules.engine import get_backend

Run = Callable[..., Result]
GAPS = "tests/fixtures/clauses"


def test_each_clause_has_its_rules_cases_and_status(in_root: object) -> None:
    table = clause_table([GAPS], get_backend("python"))
    rows = {r.clause.id: r for r in table.rows}
    assert {k: r.status for k, r in rows.items()} == {"R-900-01": "untested", "R-900-02": "enforced", "R-900-03": "org"}
    assert [(r.rule, r.source) for r in rows["R-900-02"].rules] == [
        ("metric first_response", "tests/fixtures/clauses/gaps/policy.yaml:13"), ("target 1", "tests/fixtures/clauses/gaps/policy.yaml:15")]
    assert [c.description for c in rows["R-900-02"].passing] == ["severity 1 is answered within 15 minutes"]
    assert [r.clause.id for r in table.gaps] == ["R-900-01"]


def test_a_case_citing_a_clause_its_policy_does_not_implement_is_an_error(in_root: object) -> None:
    table = clause_table([GAPS], get_backend("python"))
    assert [d.format() for d in table.errors] == [
        "tests/fixtures/clauses/gaps/gaps.test.yaml:14:1: SLA702 error: the case cites R-000-04, "
        "which is not a clause of the registers policy 'gaps' implements"]


def test_exit_codes_and_formats(run_cli: Run) -> None:
    result = run_cli("clauses", GAPS, "--format", "text")
    assert result.exit_code == 1  # the stray citation is an error
    assert result.output.splitlines()[-1] == ("2 clauses to enforce: 1 encoded and tested, 1 untested, 0 not encoded; "
                                             "1 organisational; 1 error in the files read")
    assert "R-900-01 [aggregate / ticket] encoded, no passing test case cites it" in result.output
    doc = json.loads(run_cli("clauses", GAPS, "--format", "json").output)
    assert doc["summary"] == {"clauses": 3, "enforced": 1, "untested": 1, "unencoded": 0, "org": 1, "errors": 1}
    assert run_cli("clauses", "no/such/dir").exit_code == 2


def test_every_clause_of_the_shipped_regulations_is_encoded_and_tested(run_cli: Run) -> None:
    """Issue 11's bar: `slapolicy clauses policies/ --strict` passes: every non-org clause has a rule and a passing case."""
    result = run_cli("clauses", "policies", "--format", "json", "--strict")
    doc = json.loads(result.output)
    assert doc["summary"] == {"clauses": 66, "enforced": 61, "untested": 0, "unencoded": 0, "org": 5, "errors": 0}
    assert result.exit_code == 0


def test_strict_fails_on_a_gap(run_cli: Run, tmp_path: Any) -> None:
    result = run_cli("clauses", GAPS, "--format", "json", "--strict")
    assert result.exit_code == 1 and json.loads(result.output)["summary"]["untested"] == 1


def test_the_manuals_clause_table_is_the_commands_markdown(run_cli: Run) -> None:
    page = (ROOT / "docs" / "shipped.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- clauses:begin -->\n(.*?)<!-- clauses:end -->", page, re.S)
    assert found, "docs/shipped.md lacks the clause table markers"
    assert found.group(1) == run_cli("clauses", "policies", "--format", "markdown").output, (
        "regenerate: slapolicy clauses policies --format markdown, between the markers")

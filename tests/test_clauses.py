"""`slapolicy clauses`: every clause of the registers with the rules encoding it and the cases
citing and verifying it; the gaps; the manual's clause table (docs/shipped.md) is this command's Markdown output."""

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
GAPS = "tests/fixtures/clauses/gaps"
CITED = "tests/fixtures/clauses/cited"


def test_each_clause_has_its_rules_cases_and_status(in_root: object) -> None:
    table = clause_table([GAPS], get_backend("python"))
    rows = {r.clause.id: r for r in table.rows}
    assert {k: r.status for k, r in rows.items()} == {"R-900-01": "untested", "R-900-02": "verified", "R-900-03": "org"}
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
    assert result.output.splitlines()[-1] == ("2 clauses to enforce: 1 verified, 0 cited but not verified, 1 untested, "
                                             "0 not encoded; 1 organisational; 1 error in the files read")
    assert "R-900-01 [aggregate / ticket] encoded, NOT VERIFIED: no passing test case cites it" in result.output
    doc = json.loads(run_cli("clauses", GAPS, "--format", "json").output)
    assert doc["summary"] == {"clauses": 3, "verified": 1, "unverified": 0, "untested": 1, "unencoded": 0, "org": 1, "errors": 1}
    assert run_cli("clauses", "no/such/dir").exit_code == 2


def test_a_case_that_cites_a_clause_without_checking_it_does_not_verify_it(run_cli: Run) -> None:
    """Cited (a rule or a case names the clause) and verified (a passing case citing it checks something it
    governs) are told apart: a case that only expects a rejection, or checks another clause's rule, cites only."""
    table = clause_table([CITED], get_backend("python"))
    rows = {r.clause.id: r for r in table.rows}
    assert {k: (r.cited, r.status) for k, r in rows.items()} == {
        "R-900-01": (True, "unverified"), "R-900-02": (True, "verified"), "R-900-03": (False, "org")}
    assert [c.description for c in rows["R-900-01"].passing] == [
        "a case that cites R-900-01 but checks only that an unknown severity is refused",
        "a case that cites R-900-01 but checks only R-900-02's response time"]
    assert rows["R-900-01"].verifying == () and [c.line for c in rows["R-900-02"].verifying] == [4]
    text = run_cli("clauses", CITED, "--format", "text")
    assert text.exit_code == 0
    assert "R-900-01 [aggregate / ticket] cited, NOT VERIFIED: the passing cases citing it check nothing it governs" in text.output
    assert f"    case: {CITED}/cited.test.yaml:22 a case that cites R-900-01 but checks only R-900-02's response time (passed, cites only)" in text.output
    assert f"    case: {CITED}/cited.test.yaml:4 severity 1 is answered within 15 minutes (passed, verifies)" in text.output
    doc = json.loads(run_cli("clauses", CITED, "--format", "json").output)
    assert doc["summary"] == {"clauses": 3, "verified": 1, "unverified": 1, "untested": 0, "unencoded": 0, "org": 1, "errors": 0}
    assert [(c["id"], c["cited"], c["verified"], [k["verifies"] for k in c["cases"]]) for c in doc["clauses"]] == [
        ("R-900-01", True, False, [False, False]), ("R-900-02", True, True, [True]), ("R-900-03", False, False, [])]
    assert run_cli("clauses", CITED, "--format", "markdown").output.splitlines()[2:4] == [
        "| R-900-01 | aggregate / ticket | cited 1.0: objective answered | 2 | 0 | **not verified** |",
        "| R-900-02 | ticket | cited 1.0: metric first_response, target 1 | 1 | 1 | ✓ verified |"]
    assert run_cli("clauses", CITED, "--strict").exit_code == 1


def test_every_clause_of_the_shipped_regulations_is_verified(run_cli: Run) -> None:
    """Issue 11's bar, made strict by issue 19: `slapolicy clauses policies/ --strict` passes: every non-org clause
    has a rule, and a passing case that cites it checks something it governs."""
    result = run_cli("clauses", "policies", "--format", "json", "--strict")
    doc = json.loads(result.output)
    assert doc["summary"] == {"clauses": 116, "verified": 100, "unverified": 0, "untested": 0, "unencoded": 0, "org": 16, "errors": 0}
    assert result.exit_code == 0


def test_the_tier_clauses_are_verified_by_what_the_tiers_decide(run_cli: Run) -> None:
    """Before: R-000-03, R-001-07 and R-004-01 were "tested" by cases that expected an unknown tier to be rejected.
    Now each is verified by a case on a rule the tier decides (a notice, a response target, an invoice)."""
    doc = json.loads(run_cli("clauses", "policies", "--format", "json").output)
    rows = {c["id"]: c for c in doc["clauses"]}
    for clause in ("R-000-03", "R-001-07", "R-004-01"):
        verifying = [c["description"] for c in rows[clause]["cases"] if c["verifies"]]
        assert verifying and not any("rejected" in d for d in verifying), clause


def test_strict_fails_on_a_gap(run_cli: Run, tmp_path: Any) -> None:
    result = run_cli("clauses", GAPS, "--format", "json", "--strict")
    assert result.exit_code == 1 and json.loads(result.output)["summary"]["untested"] == 1


def test_the_manuals_clause_table_is_the_commands_markdown(run_cli: Run) -> None:
    page = (ROOT / "docs" / "shipped.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- clauses:begin -->\n(.*?)<!-- clauses:end -->", page, re.S)
    assert found, "docs/shipped.md lacks the clause table markers"
    assert found.group(1) == run_cli("clauses", "policies", "--format", "markdown").output, (
        "regenerate: slapolicy clauses policies --format markdown, between the markers")


def test_a_clause_built_in_behaviour_satisfies_is_encoded_by_builtins_and_verified_only_by_that_behaviour(in_root: object) -> None:
    """`builtins:` cites a clause where slapolicy's own behaviour satisfies it: R-902-01 ("the severity level
    will be lowered") by attribute_change, verified by a case whose clock a lowered severity re-selected (1 h →
    2 h from 10:00: due 12:00), not by one whose clock no change touched; R-902-02 (cases "are assigned a ticket number") by
    unique_ids, verified by a history case expecting the second C-1 rejected as duplicate_id."""
    table = clause_table(["tests/fixtures/clauses/builtins"], get_backend("python"))
    rows = {r.clause.id: r for r in table.rows}
    assert table.diagnostics == []
    assert {k: (r.status, [x.rule for x in r.rules]) for k, r in rows.items()} == {
        "R-902-01": ("verified", ["builtin attribute_change"]), "R-902-02": ("verified", ["builtin unique_ids"])}
    assert [(c.line, c.clauses[0] in c.checks) for c in rows["R-902-01"].cases] == [(4, True), (15, False)]
    assert [(c.line, c.clauses[0] in c.checks) for c in rows["R-902-02"].cases] == [(24, True)]


def test_builtins_are_rendered_with_their_clause_and_diffed(in_root: object, tmp_path: Any) -> None:
    from slapolicy.review.policydiff import diff_policies
    from slapolicy.review.render import document
    from slapolicy.validate.repository import open_policy

    policy = open_policy("tests/fixtures/clauses/builtins/policy.yaml")
    (rules,) = [s for s in document(policy, "en").sections if s.anchor == "rules"]
    assert [(r.title, r.lines, r.basis.clauses) for r in rules.rules] == [
        ("Built in: attribute changes", ("a change of severity or another attribute re-selects the targets of running clocks, "
                                         "measured from their start",), ("R-902-01",)),
        ("Built in: unique ids", ("ids are unique: a later subject with an id already used is rejected; the "
                                  "first keeps it",), ("R-902-02",))]  # in words: the codes are in the index
    older = tmp_path / "policy.yaml"
    older.write_text((ROOT / "tests/fixtures/clauses/builtins/policy.yaml").read_text(encoding="utf-8").replace('version: "1.0"', 'version: "0.9"').replace(
        "  unique_ids: {clause: R-902-02}\n", "").replace("../../registers", str(ROOT / "tests/fixtures/registers")),
        encoding="utf-8")
    changes = [(c.section, c.item, c.kind) for c in diff_policies(open_policy(older), policy).changes if c.section == "builtins"]
    assert changes == [("builtins", "unique_ids", "added")]

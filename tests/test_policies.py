"""The shipped policies: valid, every rule citing an existing clause of the regulation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT
from slapolicy.schema import schema_text
from slapolicy.validate import validate_paths
from jsonschema import Draft202012Validator

CLAUSES = ROOT.parent / "shared" / "regulation" / "clauses.md"


def test_shipped_policies_are_valid(in_root: Path) -> None:
    result = validate_paths(["policies"])
    assert [d.format() for d in result.diagnostics] == []
    assert {p.id for p in result.policies} == {"after-sales", "service-guide", "company-service", "network-service"}
    assert sorted(p.version for p in result.policies if p.id == "after-sales") == ["2024.1", "2025.1"]


def test_every_rule_cites_a_clause(in_root: Path) -> None:
    for policy in validate_paths(["policies"]).policies:
        data = policy.document.data
        rules = [("targets", i, r) for i, r in enumerate(data["targets"])]
        rules += [(f"escalations.{m}", i, s) for m, steps in data.get("escalations", {}).items() for i, s in enumerate(steps)]
        rules += [("objectives", i, o) for i, o in enumerate(data.get("objectives", []))]
        rules += [("metrics", name, m) for name, m in data["metrics"].items()]
        missing = [f"{policy.source} {where}[{i}]" for where, i, rule in rules if "clause" not in rule]
        assert missing == []


@pytest.mark.skipif(not CLAUSES.exists(), reason="shared/regulation is not beside the checkout")
def test_cited_clauses_exist(in_root: Path) -> None:
    known = set(re.findall(r"\| (R-\d{3}-\d{2}) \|", CLAUSES.read_text(encoding="utf-8")))
    cited = set()
    for f in Path("policies").rglob("*.yaml"):
        cited |= set(re.findall(r"R-\d{3}-\d{2}", f.read_text(encoding="utf-8")))
    assert cited and cited <= known, sorted(cited - known)


def test_committed_schema_copy_equals_package_data() -> None:
    assert (ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8") == schema_text()


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(json.loads(schema_text()))

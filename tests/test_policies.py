"""The shipped policies: valid, every rule citing an existing clause of the regulation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import ROOT
from slapolicy.repository import scan
from slapolicy.schema import schema_text

CLAUSES = ROOT.parent / "shared" / "regulation" / "clauses.md"


def test_shipped_policies_are_valid(in_root: Path) -> None:
    result = scan(["policies"])
    assert [d.format() for d in result.diagnostics] == []
    assert {p.id for p in result.policies} == {"after-sales", "service-guide", "company-service", "network-service"}
    assert sorted(p.version for p in result.policies if p.id == "after-sales") == ["2024.1", "2025.1"]


def test_every_rule_cites_a_clause(in_root: Path) -> None:
    for policy in scan(["policies"]).policies:
        rules = [(str(r.source), r.clauses) for r in policy.targets]
        rules += [(str(s.source), s.clauses) for steps in policy.escalations.values() for s in steps]
        rules += [(str(o.source), o.clauses) for o in policy.objectives]
        rules += [(f"{policy.source} metric {m.id}", m.clauses) for m in policy.metrics.values()]
        assert [where for where, clauses in rules if not clauses] == []


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

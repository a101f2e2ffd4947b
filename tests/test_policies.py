"""The shipped policies: valid, every rule citing an existing clause of the regulation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import ROOT
from slapolicy.policy.register import read_register
from slapolicy.policy.schema import schema_text
from slapolicy.validate.repository import scan

CLAUSES = ROOT.parent / "shared" / "regulation" / "clauses.md"


def test_shipped_policies_are_valid(in_root: Path) -> None:
    result = scan(["policies"])
    assert [d.format() for d in result.diagnostics] == []
    assert {p.id for p in result.policies} == {"after-sales", "tech-support", "service-guide", "company-service", "network-service",
                                                     "ubuntu-pro", "sussex-its", "tencent-cvm"}
    assert sorted(p.version for p in result.policies if p.id == "after-sales") == ["2024.1", "2025.1"]


def test_every_rule_says_where_its_figure_comes_from(in_root: Path) -> None:
    """A clause, or a choice of the company: never neither (SLA701 checks the same in validate)."""
    for policy in scan(["policies"]).policies:
        assert policy.registers
        rules = [(f"{r.source} {m}", v.clauses or r.clauses, v.choice or r.choice) for r in policy.targets for m, v in r.values.items()]
        rules += [(str(s.source), s.clauses, s.choice) for steps in policy.escalations.values() for s in steps]
        rules += [(str(x.source), x.clauses, x.choice) for x in (*policy.objectives, *policy.notices, *policy.invariants, *policy.routes)]
        rules += [(f"{policy.source} metric {m.id}", m.clauses, m.choice) for m in policy.metrics.values()]
        assert [where for where, clauses, choice in rules if not clauses and not choice] == []


def test_the_2024_version_cites_no_clause(in_root: Path) -> None:
    """No source gives after-sales 2024.1's figures: every one is a choice, none borrows a clause id."""
    (old,) = [p for p in scan(["policies"]).policies if p.label == "after-sales 2024.1"]
    assert "R-0" not in Path(old.source).read_text(encoding="utf-8")


@pytest.mark.skipif(not CLAUSES.exists(), reason="shared/regulation is not beside the checkout")
def test_cited_clauses_exist(in_root: Path) -> None:
    known = set(re.findall(r"\| (R-\d{3}-\d{2}) \|", CLAUSES.read_text(encoding="utf-8")))
    for path in Path("regulation").glob("*.yaml"):  # a public agreement's register (its source a web page): its own clauses
        if str(yaml.safe_load(path.read_text(encoding="utf-8")).get("source", "")).startswith("https://"):
            register, _ = read_register(path)
            assert register is not None
            known |= {c.id for c in register.clauses}
    cited = set()
    for f in Path("policies").rglob("*.yaml"):
        cited |= set(re.findall(r"R-\d{3}-\d{2}", f.read_text(encoding="utf-8")))
    assert cited and cited <= known, sorted(cited - known)


def test_committed_schema_copy_equals_package_data() -> None:
    assert (ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8") == schema_text()


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(json.loads(schema_text()))

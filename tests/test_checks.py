"""Each semantic check on a small fixture, compared line for line with its reviewed
`.expected` file (code, line, column and message)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES
from slapolicy.diagnostics import codes
from slapolicy.validate.repository import scan

CASES = sorted(p.with_suffix("") for p in (FIXTURES / "invalid").glob("*.expected"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_diagnostics(in_root: Path, case: Path, golden: Callable[[Path, str], None]) -> None:
    target = case if case.is_dir() else case.with_suffix(".yaml")
    result = scan([target.relative_to(in_root)])
    golden(case.with_suffix(".expected"), "".join(d.format() + "\n" for d in result.diagnostics))


def test_every_check_has_a_fixture() -> None:
    covered = set()
    for case in CASES:
        for line in case.with_suffix(".expected").read_text(encoding="utf-8").splitlines():
            covered.add(line.split(": ")[1].split()[0])
    assert {c.code for c in codes.CODES.values() if c.module} <= covered


def test_valid_fixture_has_no_problems(in_root: Path) -> None:
    result = scan(["tests/fixtures/valid"])
    assert result.diagnostics == []
    assert len(result.policies) == 1


@pytest.mark.parametrize("code", sorted(c.code for c in codes.CODES.values() if c.module))
def test_every_check_documents_passes_and_fails(code: str) -> None:
    doc = codes.get(code).doc()
    assert "Passes::" in doc and "Fails::" in doc


def test_follow_ons_of_an_unknown_name_are_left_out_and_nothing_else(tmp_path: Path) -> None:
    """One root cause, one message: an unknown severity hides the verdicts on the rule naming it (and the
    steps of the metric it times); an unknown role decides no matching and hides nothing."""
    from slapolicy.policy.loader import load_file
    from slapolicy.validate.validation import validate_document

    text = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8").replace(
        "    - {at: 75%, notify: [lead]}\n    - {at: breach, notify: [lead]}\n",
        "    - {at: 75%, notify: [leed]}\n    - {at: breach, notify: [lead], when: {severity: P2}}\n")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    found = [(d.code, d.message) for d in validate_document(load_file(path)[0])[1]]
    assert found == [
        ("SLA201", "unknown role 'leed'; did you mean 'lead'? (declared: lead)"),
        ("SLA504", "escalation step 2 of resolution can never fire: no ticket it applies to gets a resolution target; "
                   "give those tickets a resolution target, or remove the step"),
    ]
    path.write_text(text.replace("when: {severity: P1}", "when: {severity: P4}"), encoding="utf-8")
    found = [(d.code, d.message) for d in validate_document(load_file(path)[0])[1]]
    assert found == [
        ("SLA201", "unknown severity 'P4'; use one of: P1, P2"),
        ("SLA201", "unknown role 'leed'; did you mean 'lead'? (declared: lead)"),
    ]

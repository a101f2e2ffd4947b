"""Each semantic check on a small fixture, compared line for line with its reviewed
`.expected` file (code, line, column and message)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES
from slapolicy import codes
from slapolicy.repository import scan

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

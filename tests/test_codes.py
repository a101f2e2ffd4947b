"""One registry of codes: every code that can be reported is registered, documented and
explainable, and the manual's tables (docs/codes.md) say what the registry says."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from slapolicy.diagnostics import codes
from slapolicy.validate import checks

SOURCE = ROOT / "src" / "slapolicy"
CODES_PAGE = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")


def emitted_codes() -> set[str]:
    """Codes the source passes to a diagnostic, a TicketError or a rejection."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'"(SLA\d{3})"', text))
        found |= set(re.findall(r'TicketError\(\s*"([a-z_]+)"', text))
        found |= set(re.findall(r'reject\([^()]*?, "([a-z_]+)",', text))
    return found


def test_every_emitted_code_is_registered() -> None:
    assert emitted_codes() - set(codes.CODES) == set()


def test_every_check_module_is_registered_with_its_module() -> None:
    for code, module in checks.CHECKS.items():
        assert codes.CODES[code].module == module.__name__
    assert {c.code for c in codes.CODES.values() if c.stage == "check"} == set(checks.CHECKS)


@pytest.mark.parametrize("code", sorted(codes.CODES))
def test_every_code_is_documented_and_explainable(code: str, run_cli: object) -> None:
    entry = codes.get(code)
    assert entry.title and len(entry.doc()) > len(entry.title)
    result = run_cli("explain", code.lower())  # type: ignore[operator]
    assert result.exit_code == 0 and result.output.startswith(f"{code} {entry.slug} ({entry.severity.value})\n")
    assert "::" not in result.output  # docstring markup is shown as plain "Passes:" / "Fails:"


def test_the_manuals_tables_match_the_registry() -> None:
    """docs/codes.md lists every code with the registry's severity and title."""
    rows = dict((m[0], (m[1], m[2])) for m in re.findall(r"^\| `?([A-Za-z_]+\d*)`? \| (error|warning) \| (.+?) \|$", CODES_PAGE, re.M))
    assert rows == {c.code: (c.severity.value, c.title) for c in codes.CODES.values()}


def test_unknown_code_is_a_usage_error(run_cli: object) -> None:
    result = run_cli("explain", "SLA999")  # type: ignore[operator]
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: unknown code 'SLA999'; `slapolicy checks --all` lists them"


def test_every_code_the_code_emits_is_registered() -> None:
    """Findings and rejections are written as literals in the source: each must be explainable."""
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "slapolicy").rglob("*.py"))
    emitted = set(re.findall(r'(?:Finding|TicketError|reject)\((?:[^()"]*?, )?"([a-z_]+)"', source))
    assert emitted and emitted <= set(codes.CODES), sorted(emitted - set(codes.CODES))

"""`validate` in Chinese: the same diagnostics as in English (codes, places, quoted input unchanged),
their words translated; JSON and SARIF stay English whatever the language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import FIXTURES, ROOT
from slapolicy.i18n import Message, speaking
from slapolicy.policy.schema_texts import SCHEMA_TEXTS
from slapolicy.validate.repository import scan

GOLDEN = ROOT / "tests" / "golden" / "zh"
CASES = sorted(p.with_suffix("") for p in (FIXTURES / "invalid").glob("*.expected"))
BROKEN = ("tests/fixtures/invalid/schema_errors.yaml", "tests/fixtures/invalid/unknown_references.yaml")
_PLACE = re.compile(r"^(\S+:\d+:\d+: SLA\d+) ")


def test_validate_speaks_the_locale(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                                    golden: Callable[[Path, str], None]) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = run_cli("validate", *BROKEN)
    assert result.exit_code == 1
    golden(GOLDEN / "validate_broken.txt", result.output)
    assert result.output.splitlines()[-1] == "已检查 2 个文件：12 个错误，1 个警告"


def test_lang_option_beats_the_locale(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    english = run_cli("--lang", "en", "validate", *BROKEN).output
    assert english == (ROOT / "tests/fixtures/invalid/schema_errors.expected").read_text(encoding="utf-8") + \
        (ROOT / "tests/fixtures/invalid/unknown_references.expected").read_text(encoding="utf-8") + \
        "2 files checked: 12 errors, 1 warning\n"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_diagnostics_in_chinese(in_root: Path, case: Path, golden: Callable[[Path, str], None]) -> None:
    """Each fixture's diagnostics in Chinese: the places and codes of the English golden file, line for line."""
    target = case if case.is_dir() else case.with_suffix(".yaml")
    result = scan([target.relative_to(in_root)])
    with speaking("zh"):
        chinese = "".join(d.format() + "\n" for d in result.diagnostics)
    golden(GOLDEN / "invalid" / f"{case.name}.txt", chinese)
    english = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert [_PLACE.match(line).group(1) for line in chinese.splitlines()] == \
        [_PLACE.match(line).group(1) for line in english]  # type: ignore[union-attr]


def test_every_message_is_kept_as_data(in_root: Path) -> None:
    """Every diagnostic of the fixtures is a Message (so the text output translates it): no code says its
    message as English text alone (SLA102, SLA104, SLA506, SLA507, SLA704 and SLA705 were the last)."""
    fixtures = [p for folder in ("invalid", "messages", "semantics") for p in sorted((FIXTURES / folder).glob("*.yaml"))]
    fixtures += [p for p in (FIXTURES / "invalid").iterdir() if p.is_dir()]
    english: dict[str, set[bool]] = {}
    for fixture in fixtures:
        for d in scan([fixture.relative_to(in_root)]).diagnostics:
            english.setdefault(d.code, set()).add(not isinstance(d.message, Message))
    assert sorted(code for code, plain in english.items() if True in plain) == []


@pytest.mark.parametrize("fmt", ["json", "sarif", "codequality"])
def test_machine_outputs_stay_english(run_cli: Callable[..., Result], fmt: str) -> None:
    english = run_cli("validate", "--format", fmt, *BROKEN).output
    assert run_cli("--lang", "zh", "validate", "--format", fmt, *BROKEN).output == english
    assert "unknown key 'calender'" in english


def test_quoted_input_stays_as_written(run_cli: Callable[..., Result]) -> None:
    output = run_cli("--lang", "zh", "validate", "tests/fixtures/messages/condition_full_width_comma.yaml").output
    assert "未知的严重等级 'P1，P2'" in output


def test_schema_texts_are_marked_for_the_catalog() -> None:
    """Every text the schemas hold for people (`x-message`, `x-hints`) is in SCHEMA_TEXTS, so it is translated."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "x-message":
                    found.add(value)
                elif key == "x-hints":
                    found.update(value.values())
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in (ROOT / "src/slapolicy/policy/schemas").glob("*.json"):
        walk(json.loads(schema.read_text(encoding="utf-8")))
    assert found == set(SCHEMA_TEXTS)

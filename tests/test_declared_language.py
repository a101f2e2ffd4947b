"""A command speaks the language a policy declares (that of the clause registers it implements) when
neither `--lang` nor the locale chose one: the shipped after-sales policy implements Chinese registers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from slapolicy.policy.register import declared_language
from slapolicy.validate.repository import open_policy_set

SIMULATE = ("simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of", "2025-12-31T00:00:00+08:00",
            "--format", "table", "--engine", "python")


def test_registers_declare_the_language() -> None:
    chinese = open_policy_set("policies/after-sales").latest
    english = open_policy_set("policies/tencent-cvm").latest
    assert declared_language(chinese.source, chinese.registers) == "zh-Hans"
    assert declared_language(english.source, english.registers) == "en"
    assert declared_language("tests/fixtures/valid/minimal.yaml", ()) is None


@pytest.mark.parametrize(("lang", "options", "chinese"), [
    ("C.UTF-8", (), True),  # the locale says nothing: the policy's language
    ("", (), True),
    ("C.UTF-8", ("--lang", "en"), False),  # --lang beats the policy
    ("en_US.UTF-8", (), False),  # so does the locale
])
def test_simulate_falls_back_to_the_declared_language(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                                                      lang: str, options: tuple[str, ...], chinese: bool) -> None:
    monkeypatch.setenv("LANG", lang)
    monkeypatch.delenv("SLAPOLICY_LANG")
    output = run_cli(*options, *SIMULATE).stdout
    assert ("T-1002 — 严重等级 P3 三级一般" in output) is chinese
    assert ("T-1002 — severity P3 三级一般" in output) is not chinese


def test_slapolicy_lang_speaks_where_the_locale_names_no_language(run_cli: Callable[..., Result],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("SLAPOLICY_LANG", "en")
    assert "T-1002 — severity P3 三级一般" in run_cli(*SIMULATE).stdout  # before the policy's language
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "T-1002 — 严重等级 P3 三级一般" in run_cli(*SIMULATE).stdout  # after the locale


def test_validate_falls_back_when_every_policy_agrees(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("SLAPOLICY_LANG")
    assert run_cli("validate", "policies/after-sales").output.endswith("已检查 2 个文件：0 个错误，0 个警告\n")
    assert run_cli("validate", "policies/tencent-cvm").output.endswith("2 files checked: 0 errors, 0 warnings\n")
    assert run_cli("validate", "tests/fixtures/valid").output.endswith("1 file checked: 0 errors, 0 warnings\n")

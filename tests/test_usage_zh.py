"""click's usage errors in Chinese when the language is zh (`--lang zh` or the locale): the error, the
hint to --help and the usage line; exit 2 as in English, whose words are click's own, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from slapolicy.cli import main

REPORT = ("report", "policies/after-sales", "examples/tickets.jsonl")


def run_cli(*args: str) -> Result:
    """The command as the shell names it (click's hint names the program)."""
    return CliRunner().invoke(main, list(args), prog_name="slapolicy")


@pytest.mark.parametrize(("args", "error"), [
    (("simulate", "--nope"), "错误：没有选项 '--nope'。"),
    (("simulate",), "错误：缺少参数 'POLICY'."),
    ((*REPORT, "--period", "fortnight"),
     "错误：'--period' 的值无效：'fortnight' 不是可选值之一：'day', 'week', 'month', 'quarter', 'year'。"),
    (("whatif", "--base", "x", "--candidate", "y", "h", "--limit", "-1"), "错误：'--limit' 的值无效：-1 不在范围 x>=0 内。"),
    (("bogus",), "错误：没有命令 'bogus'。"),
    ((*REPORT, "--formatt", "x"), "错误：没有选项 '--formatt'。 您是不是要找：'--format', '--input-format'？"),
])
def test_usage_errors_in_chinese(in_root: Path, args: tuple[str, ...], error: str) -> None:
    result = run_cli("--lang", "zh", *args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("用法: slapolicy")
    assert lines[1] == f"运行 'slapolicy{' ' + args[0] if args[0] != 'bogus' else ''} --help' 查看帮助。"
    assert lines[-1] == error


def test_an_option_without_its_value(in_root: Path) -> None:
    result = run_cli("--lang", "zh", "simulate", "policies/after-sales", "examples/tickets.jsonl", "--as-of")
    assert result.exit_code == 2
    assert result.stderr == "错误：选项 '--as-of' 需要 1 个参数值。\n"


def test_the_locale_speaks_chinese_before_lang_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run_cli("simulate", "--nope").stderr.splitlines()[-1] == "错误：没有选项 '--nope'。"


def test_english_usage_errors_are_clicks_own() -> None:
    result = run_cli("simulate", "--nope")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:] == ["Try 'slapolicy simulate --help' for help.", "", "Error: No such option '--nope'."]
    chinese = run_cli("--lang", "zh", "simulate", "--nope")
    assert chinese.exit_code == 2 and "Error" not in chinese.stderr
    assert run_cli("simulate", "--nope").stderr == result.stderr  # the Chinese run leaves English as it was

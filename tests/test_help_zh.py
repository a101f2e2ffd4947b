"""`--help` in Chinese: every command's and option's help, and click's own headings, translated; the
English help unchanged."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import Result
from rich.cells import cell_len

from conftest import ROOT
from slapolicy.cli import COMMANDS, main
from slapolicy.i18n import Message, _, speaking, translated


def _commands() -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None
        yield name, command
        if isinstance(command, click.Group):
            for sub_name, sub in command.commands.items():
                yield f"{name} {sub_name}", sub


def _said(text: str) -> str:
    return translated(text) if isinstance(text, Message) else _(inspect.cleandoc(text))


@pytest.mark.parametrize(("name", "command"), list(_commands()), ids=[n for n, _c in _commands()])
def test_every_help_text_is_translated(name: str, command: click.Command) -> None:
    texts = [command.help or ""] + [p.help for p in command.params if isinstance(p, click.Option) and p.help]
    with speaking("zh"):
        untranslated = [t for t in texts if t and _said(t) == inspect.cleandoc(t)]
    assert untranslated == []


def test_help_in_chinese(run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                         golden: Callable[[Path, str], None]) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    shown = run_cli("validate", "--help").output
    golden(ROOT / "tests" / "golden" / "zh" / "validate_help.txt", shown)
    assert shown.startswith("用法: main validate [OPTIONS] [PATHS]...")  # CliRunner names the program main
    assert "\n选项:\n" in shown and "显示本帮助并退出。" in shown and "输出格式（默认：" in shown
    assert "Options" not in run_cli("--lang", "zh", "simulate", "--help").output
    assert "Options:" in run_cli("--lang", "en", "validate", "--help").output


def test_code_titles_in_chinese(run_cli: Callable[..., Result]) -> None:
    """`checks` and `explain` name each code's title in the reader's language; `checks --json` stays English."""
    chinese = run_cli("--lang", "zh", "checks", "--all").output.splitlines()
    english = run_cli("checks", "--all").output.splitlines()
    assert len(chinese) == len(english) > 80
    assert all(zh.split()[:2] == en.split()[:2] and zh != en for zh, en in zip(chinese, english))
    assert "SLA503               target-shadowed                  警告       永远不会生效的时限" in "\n".join(chinese)
    assert run_cli("--lang", "zh", "checks", "--json").output == run_cli("checks", "--json").output
    assert run_cli("--lang", "zh", "explain", "SLA503").output.startswith("SLA503 target-shadowed (warning)\n\n永远不会生效的时限")


def test_defaults_click_appends_are_translated(run_cli: Callable[..., Result]) -> None:
    shown = run_cli("--lang", "zh", "generate", "--help").output
    assert "种子相同，输出逐字节相同。  [默认：1]" in shown


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_chinese_help_fits_the_terminal_by_display_width(name: str, run_cli: Callable[..., Result],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese character fills two columns: at 80 columns no line of the help runs wider, and no word of a help
    text is lost by the wrapping (each text, without its spaces, is in the help without its spaces)."""
    monkeypatch.setenv("COLUMNS", "80")
    args = [name] if name else []
    shown = run_cli("--lang", "zh", *args, "--help").output
    assert max(cell_len(line) for line in shown.splitlines()) <= 80
    command = main if not name else main.get_command(click.Context(main), name)
    assert command is not None
    with speaking("zh"):
        texts = [_said(p.help) for p in command.params if isinstance(p, click.Option) and p.help]
    flat = "".join(shown.split())
    assert [t for t in texts if "".join(t.split()) not in flat] == []

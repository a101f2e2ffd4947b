"""Silencing and re-levelling codes: inline `# slapolicy: ignore[...]`, `.slapolicy.yaml`,
`[tool.slapolicy]` in pyproject.toml and `--ignore`, applied in one place to every command."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from slapolicy.cli import main
from slapolicy.diagnostics.record import Diagnostic, Severity
from slapolicy.validate.repository import scan
from slapolicy.validate.settings import NO_SETTINGS, Settings, SettingsError, load_settings

SETTINGS = FIXTURES / "settings"
LEVELS = SETTINGS / "levels.yaml"


def run_in(folder: Path, *args: str) -> tuple[int, str, str]:
    """The CLI run from `folder` (where the configuration is looked up)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_inline_ignores_golden(in_root: Path, golden: Callable[[Path, str], None]) -> None:
    """Same line and line above, several codes, a `#` inside a quoted value is text, a stale ignore
    is SLA901, an ignore without a code or with an unknown one is SLA902."""
    result = scan(["tests/fixtures/settings/ignores.yaml"])
    golden(SETTINGS / "ignores.expected", "".join(d.format() + "\n" for d in result.diagnostics))


def test_inline_ignore_silences_only_its_line_and_codes(in_root: Path) -> None:
    found = {(d.line, d.code) for d in scan(["tests/fixtures/settings/ignores.yaml"]).diagnostics}
    assert (8, "SLA408") not in found  # silenced on its own line
    assert (21, "SLA503") not in found  # silenced by the comment on the line above
    assert (22, "SLA503") in found  # the next line is not covered
    assert (20, "SLA901") in found  # SLA502 named but nothing to silence
    assert not any(code == "SLA902" and line == 23 for line, code in found)  # '# ...' inside a quoted value is text


def test_an_own_line_ignore_covers_the_block_the_next_line_starts(in_root: Path) -> None:
    """Above a block-style list item the comment covers the item's lines down to the next item."""
    found = {(d.line, d.code) for d in scan(["tests/fixtures/settings/ignores.yaml"]).diagnostics}
    assert (29, "SLA503") not in found and (27, "SLA901") not in found  # the item's resolution line, two below the comment
    assert (31, "SLA503") in found  # the next item is not covered


BLOCKS = """\
targets:
  # slapolicy: ignore[SLA503]
  - when: {severity: P1}

    # a note
    resolution: 4h
  - resolution: 2h
calendars:   # the comment below covers the key's whole block
# slapolicy: ignore[SLA408, SLA405]
spare:
- hours: 1
  x: 2
- y: 3
other: 1
"""


def test_own_line_ignore_blocks_exactly(tmp_path: Path) -> None:
    """A list item: its lines to the next item; a key whose value is an indented block (here a list
    at the key's own indentation): to the next key; the SLA901 names the lines it covered."""
    path = tmp_path / "p.yaml"
    path.write_text(BLOCKS, encoding="utf-8")
    given_diags = [_diag(n, code, str(path)) for n, code in
                   [(3, "SLA503"), (6, "SLA503"), (7, "SLA503"), (11, "SLA408"), (13, "SLA408"), (14, "SLA408")]]
    kept = NO_SETTINGS.apply(given_diags, [str(path)])
    assert [(d.line, d.code, d.message) for d in kept] == [
        (7, "SLA503", "m"),
        (9, "SLA901", "the ignore comment for SLA405 silences nothing on lines 10–13; remove it"),
        (14, "SLA408", "m"),
    ]


def test_yaml_config_disables_and_relevels_from_a_folder_below(run_cli: object) -> None:
    code, out, _ = run_in(SETTINGS / "yaml-config" / "nested", "validate", str(LEVELS))
    assert code == 1
    assert [line.split(": ")[1] for line in out.splitlines()[:-1]] == ["SLA301 warning", "SLA503 error"]  # SLA408 disabled
    assert out.splitlines()[-1] == "1 file checked: 1 error, 1 warning"


def test_pyproject_section(run_cli: object) -> None:
    code, out, _ = run_in(SETTINGS / "pyproject-config", "validate", str(LEVELS))
    assert code == 1
    assert [line.split(": ")[1] for line in out.splitlines()[:-1]] == ["SLA408 error", "SLA301 error"]  # SLA503 disabled


def test_without_config_the_registry_decides(run_cli: object) -> None:
    code, out, _ = run_in(SETTINGS, "validate", str(LEVELS))
    assert [line.split(": ")[1] for line in out.splitlines()[:-1]] == ["SLA408 warning", "SLA301 error", "SLA503 warning"]
    assert code == 1


def test_the_configuration_applies_to_every_command(run_cli: object) -> None:
    """The configuration reaches simulate too (one place): there SLA301 is a warning and SLA503 an
    error, so the policy is refused for SLA503 and not for SLA301."""
    tickets = str(ROOT / "examples" / "tickets.jsonl")
    code, _, err = run_in(SETTINGS / "yaml-config", "simulate", str(LEVELS), tickets, "--format", "json")
    assert code == 2 and "SLA301" not in err and ":16:28: SLA503 error" in err
    code, _, err = run_in(SETTINGS, "simulate", str(LEVELS), tickets, "--format", "json")
    assert code == 2 and "SLA301 error" in err


def test_unknown_or_unignorable_code_in_config_is_a_usage_error_at_file_line(run_cli: object) -> None:
    code, out, err = run_in(SETTINGS / "bad-config", "validate", str(LEVELS))
    assert code == 2 and out == ""
    assert err == ("error: pyproject.toml:2:23: SLA004 cannot be ignored or re-levelled: "
                   "it means the file could not be checked at all; fix the file instead\n")


@pytest.mark.parametrize(("text", "where"), [
    ('[tool.slapolicy]\n# we used to disable SLA50 by mistake\ndisable = ["SLA503", "SLA50"]\n', "3:23"),
    ('[tool.other]\nx = "SLA50"\n[tool.slapolicy]\ndisable = [  # not "SLA50"\n  \'SLA50\',\n]\n', "5:4"),
    ('[tool.slapolicy.severity]\n# SLA50 = "error" was a typo\nSLA503 = "error"\nSLA50 = "warning"\n', "4:1"),
])
def test_pyproject_errors_point_at_the_code_not_a_comment_or_a_longer_code(tmp_path: Path, text: str, where: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as exc:
        load_settings(tmp_path)
    assert str(exc.value) == (f"{tmp_path / 'pyproject.toml'}:{where}: unknown code 'SLA50'; did you mean 'SLA501'? "
                              "(`slapolicy checks` lists the codes that can be ignored)")


@pytest.mark.parametrize(("text", "message"), [
    ("disable: [SLA99]\n", "1:11: unknown code 'SLA99'; did you mean 'SLA901'? (`slapolicy checks` lists the codes that can be ignored)"),
    ("severity: {SLA503: fatal}\n", "1:12: the severity of SLA503 is 'error' or 'warning', not 'fatal'"),
    ("ignore: [SLA503]\n", "1:1: unknown setting 'ignore' in .slapolicy.yaml; write disable: [SLA408] and severity: {SLA503: error}"),
    ("disable: SLA503\n", "1:1: 'disable' is a list of codes; write disable: [SLA408] and severity: {SLA503: error}"),
    ("severity: {unparseable: warning}\n", "1:12: unparseable cannot be ignored or re-levelled: it is about tickets, not policy files"),
])
def test_config_errors_name_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".slapolicy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as exc:
        load_settings(tmp_path)
    assert str(exc.value) == f"{tmp_path / '.slapolicy.yaml'}:{message}"


def test_a_pyproject_without_the_section_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.slapolicy]\ndisable = ['SLA408']\n", encoding="utf-8")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert load_settings(tmp_path / "repo").disable == {"SLA408"}


@pytest.mark.parametrize("broken", [b"[project\nname = 'x'\n", b"[project]\nname = '\xff'\n"])
def test_another_projects_broken_pyproject_is_passed_over(tmp_path: Path, broken: bytes) -> None:
    """Not valid TOML or not UTF-8, and no mention of tool.slapolicy: walk on to the next folder up."""
    (tmp_path / "pyproject.toml").write_text("[tool.slapolicy]\ndisable = ['SLA408']\n", encoding="utf-8")
    (tmp_path / "repo" / "sub").mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_bytes(broken)
    assert load_settings(tmp_path / "repo" / "sub").disable == {"SLA408"}
    code, out, err = run_in(tmp_path / "repo" / "sub", "validate", str(LEVELS))
    assert (code, err) == (1, "")
    assert out.splitlines()[-1] == "1 file checked: 1 error, 1 warning"  # SLA408 disabled by the file above


@pytest.mark.parametrize(("broken", "message"), [
    # tomllib's own words inside the parentheses are the standard library's, not ours: matched as any text
    (b"[tool.slapolicy\ndisable = ['SLA408']\n",
     r"1:16: this is not valid TOML \([^\n]+\); correct the file so that its \[tool.slapolicy\] section can be read"),
    (b"[tool.slapolicy]\ndisable = ['SLA408']  # \xff\n", r"2:25: the file is not UTF-8 text \(byte 0xFF\); save it as UTF-8"),
])
def test_a_broken_pyproject_with_the_section_is_an_error_at_file_line(tmp_path: Path, broken: bytes, message: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(broken)
    with pytest.raises(SettingsError) as exc:
        load_settings(tmp_path)
    assert re.fullmatch(re.escape(f"{tmp_path / 'pyproject.toml'}:") + message, str(exc.value))
    code, out, err = run_in(tmp_path, "validate", str(LEVELS))
    assert (code, out) == (2, "")
    assert re.fullmatch(r"error: pyproject.toml:" + message + "\n", err)


def test_ignore_option(run_cli: Callable[..., object]) -> None:
    code, out, _ = run_in(SETTINGS, "validate", str(LEVELS), "--ignore", "sla408", "--ignore", "SLA503")
    assert code == 1 and out.splitlines()[-1] == "1 file checked: 1 error, 0 warnings"
    code, out, err = run_in(SETTINGS, "validate", str(LEVELS), "--ignore", "SLA102")
    assert code == 2 and out == ""
    assert err == "error: --ignore: SLA102 cannot be ignored or re-levelled: it means the file could not be checked at all; fix the file instead\n"
    code, _, err = run_in(SETTINGS, "validate", str(LEVELS), "--ignore", "SLA5O3")
    assert code == 2 and err.startswith("error: --ignore: unknown code 'SLA5O3'; did you mean 'SLA503'?")


def test_test_and_clauses_take_ignore_too(run_cli: Callable[..., object]) -> None:
    code, out, _ = run_in(ROOT, "test", "policies/network-service", "--ignore", "SLA408", "-q")
    assert code == 0 and out.endswith("passed, 0 failed\n")
    code, _, _ = run_in(ROOT, "clauses", "policies/network-service", "--ignore", "SLA408", "--format", "json")
    assert code == 0


def _diag(line: int, code: str = "SLA503", path: str = "p.yaml") -> Diagnostic:
    return Diagnostic(path, line, 1, code, Severity.WARNING, "m")


def test_apply_keeps_order_and_relevels(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("a: 1\nb: 2  # slapolicy: ignore[SLA503]\n", encoding="utf-8")
    settings = Settings(frozenset({"SLA408"}), {"SLA502": Severity.ERROR})
    kept = settings.apply([_diag(2, path=str(path)), _diag(1, "SLA502", str(path)), _diag(1, "SLA408", str(path))], [str(path)])
    assert [(d.line, d.code, d.severity) for d in kept] == [(1, "SLA502", Severity.ERROR)]


CODES = st.sampled_from(["SLA503", "SLA408", "SLA502", "SLA999", "", "sla301", "SLA004", " SLA503 "])
LINES = st.one_of(
    st.text(string.ascii_letters + " :-#\"'[]{},", max_size=30),
    st.builds(lambda pre, codes, bracket: f"{pre}# slapolicy: ignore{'[' if bracket else ''}{', '.join(codes)}]",
              st.sampled_from(["", "a: 1 ", "  - {x: 1}  ", "b: \"#\" ", "c: '# slapolicy: ignore[SLA503]' "]),
              st.lists(CODES, max_size=3), st.booleans()),
)


def _block_heads(lines: list[str], line: int) -> list[int]:
    """The lines whose own-line ignore could cover `line`: the line above it, and the line above
    each line starting a block that reaches down to it (every non-blank, non-comment line between
    indented deeper, or a `- ` item at the same indentation under a `key:`)."""
    def indent(n: int) -> int:
        return len(lines[n - 1]) - len(lines[n - 1].lstrip(" "))

    def blank(n: int) -> bool:  # past the end of the file too
        return n > len(lines) or not lines[n - 1].strip() or lines[n - 1].strip().startswith("#")

    heads = [line - 1]
    for first in range(1, min(line - 1, len(lines)) + 1):
        head = lines[first - 1].strip()
        if not blank(first) and all(
                blank(n) or indent(n) > indent(first)
                or (indent(n) == indent(first) and lines[n - 1].strip()[:2] in ("- ", "-") and not head.startswith("-")
                    and head.split(" #")[0].rstrip().endswith(":"))
                for n in range(first + 1, line + 1)):
            heads.append(first - 1)
    return heads


@given(lines=st.lists(LINES, max_size=12), flagged=st.lists(st.integers(0, 13), max_size=6))
def test_apply_never_fails_and_accounts_for_every_diagnostic(tmp_path_factory: pytest.TempPathFactory, lines: list[str],
                                                            flagged: list[int]) -> None:
    """Any text (broken YAML included): each diagnostic is kept or silenced by a directive naming
    its code on its line; everything added is SLA901 or SLA902 at a directive."""
    path = tmp_path_factory.mktemp("apply") / "p.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    given_diags = [_diag(n, path=str(path)) for n in flagged]
    kept = NO_SETTINGS.apply(given_diags, [str(path)])
    original = [d for d in kept if d.code == "SLA503"]
    assert all(d in given_diags for d in original)
    for d in given_diags:
        if d not in original:  # silenced: a directive naming SLA503 on its line, or on a line of its own above the block it is in
            near = [lines[n - 1] for n in (d.line, *_block_heads(lines, d.line)) if 1 <= n <= len(lines)]
            assert any("ignore[" in line and "SLA503" in line.upper() for line in near)
    assert all(d.code in ("SLA503", "SLA901", "SLA902") for d in kept)


@given(text=st.text(max_size=80))
@example(text="<<")
def test_config_reader_never_fails_otherwise(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("config")
    (folder / ".slapolicy.yaml").write_text(text, encoding="utf-8")
    try:
        settings = load_settings(folder)
    except SettingsError as exc:
        assert str(exc).startswith(str(folder / ".slapolicy.yaml")) and "\n" not in str(exc)
    else:
        assert isinstance(settings, Settings)


def test_a_file_that_was_not_checked_has_no_stale_ignores(in_root: Path) -> None:
    """Its checks never ran, so the ignore comment cannot be judged: only the schema error is shown."""
    result = scan(["tests/fixtures/settings/unchecked.yaml"])
    assert [(d.line, d.code) for d in result.diagnostics] == [(12, "SLA103")]


@given(body=st.text(alphabet=string.printable, max_size=60))
def test_pyproject_reader_never_fails_otherwise(tmp_path_factory: pytest.TempPathFactory, body: str) -> None:
    folder = tmp_path_factory.mktemp("toml")
    (folder / "pyproject.toml").write_text("[tool.slapolicy]\n" + body, encoding="utf-8")
    try:
        settings = load_settings(folder)
    except SettingsError as exc:
        assert str(exc).startswith(str(folder / "pyproject.toml")) and "\n" not in str(exc)
    else:
        assert isinstance(settings, Settings)


@pytest.mark.parametrize(("text", "found"), [("tool = 1\n", False), ("[tool]\nslapolicy = 1\n", True)])
def test_odd_pyproject_shapes(tmp_path: Path, text: str, found: bool) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    if not found:
        assert load_settings(tmp_path) == NO_SETTINGS
        return
    with pytest.raises(SettingsError, match=r"pyproject.toml:1:1: \[tool.slapolicy\] must be a mapping of settings"):
        load_settings(tmp_path)


def test_a_config_of_comments_only_configures_nothing(tmp_path: Path) -> None:
    (tmp_path / ".slapolicy.yaml").write_text("# nothing decided yet\n", encoding="utf-8")
    assert load_settings(tmp_path) == NO_SETTINGS

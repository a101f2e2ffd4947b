"""Bad input never crashes: each gets one positioned diagnostic (issue 2, "Bad input")."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from slapolicy.diagnostics.record import InputError
from slapolicy.policy.loader import load_file, load_text
from slapolicy.validate.repository import read_policy

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


def codes(path: Path) -> list[tuple[int, int, str, str]]:
    _, problems = read_policy(path)
    return [(d.line, d.column, d.code, d.message) for d in problems]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"policy: x\nversion: 1\n\tfoo: bar\n", (3, 1, "SLA004", "a tab character is used for indentation; YAML allows only spaces")),
        (b"", (1, 1, "SLA006", "the file is empty")),
        (b"# only a comment\n", (1, 1, "SLA006", "the file is empty")),
        (b"- a\n- b\n", (1, 1, "SLA007", "the top level must be a mapping of keys (policy:, version: \u2026), found a list")),
        (b"policy: \xb9\xfe\n", (1, 9, "SLA002", "the file is not UTF-8 text (byte 0xB9); save it as UTF-8")),
        (b"policy: a\nversion: 1\npolicy: b\n", (3, 1, "SLA005", "duplicate key 'policy' (first defined at line 1); YAML would silently keep only the last one")),
        (b"policy: !!python/object:os.system x\n", (1, 9, "SLA008", "tag '!!python/object:os.system' is not allowed; policies hold plain data only")),
        (b"base: &b {x: 1}\nother:\n  <<: *b\n", (3, 3, "SLA008", "merge keys ('<<') are not supported; write the keys out")),
        (b"policy: [a\n", (1, 9, "SLA004", "the '[' opened here is not closed, or two items lack a ',' between them: "
                                  "separate items with ', ' and close it with ']' on the same line")),
        (b"a: 1\n---\nb: 2\n", (2, 1, "SLA004", "a second document starts here ('---'); a file holds one: remove the '---' line "
                                       "or split the file")),
        (b"policy: 42\n", (1, 9, "SLA103", "expected text, found the number 42, which is not a valid name; use letters, "
                                    "digits, _ and -, starting with a letter")),
    ],
)
def test_bad_input_gives_one_positioned_diagnostic(tmp_path: Path, content: bytes, expected: tuple[int, int, str, str]) -> None:
    f = tmp_path / "p.yaml"
    f.write_bytes(content)
    assert expected in codes(f)


@pytest.mark.parametrize(("text", "value"), [("<<\n", "<<"), ("note: <<\n", {"note": "<<"}), ("- <<\n", ["<<"])])
def test_merge_sign_outside_a_key_is_text(text: str, value: object) -> None:
    """YAML 1.2 has no merge keys: `<<` as a value is the two characters, not a crash."""
    doc, problems = load_text(text, "p.yaml")
    assert (doc.data, problems) == (value, [])


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml"
    f.write_text(BOMB)
    started = time.perf_counter()
    problems = codes(f)
    assert time.perf_counter() - started < 10  # a bound against hanging, not a speed test
    assert problems[0][2] == "SLA009"
    assert "expands to more than 100000 values" in problems[0][3]


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    with f.open("wb") as out:
        out.truncate(50 * 1024 * 1024)
    assert codes(f) == [(1, 1, "SLA003", "the file is 52,428,800 bytes; files larger than 5 MiB are refused")]


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(InputError) as info:
        load_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    assert info.value.diagnostic.code == "SLA009"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_file(tmp_path / "nope.yaml")
    assert info.value.diagnostic.code == "SLA001"


def test_yaml_1_2_scalars() -> None:
    """Norway stays 'NO', 13:30 is not sexagesimal 810, dates stay text, versions keep their digits."""
    doc, problems = load_text("c: NO\nt: 13:30\nd: 2025-01-01\nv: 2025.10\nb: yes\nn: null\ni: 0x1F\n", "s.yaml")
    assert problems == []
    assert doc.data == {"c": "NO", "t": "13:30", "d": "2025-01-01", "v": 2025.1, "b": "yes", "n": None, "i": 31}
    assert doc.raw[("v",)] == "2025.10"


def test_positions_of_keys_and_values() -> None:
    doc, _ = load_text("a:\n  b: [1, {c: x}]\n", "p.yaml")
    assert (doc.locate(("a", "b", 1, "c")).line, doc.locate(("a", "b", 1, "c")).column) == (2, 14)
    assert (doc.locate(("a", "b"), key=True).line, doc.locate(("a", "b"), key=True).column) == (2, 3)
    assert doc.locate(("a", "missing", 3)).line == 2


_AFTER_SALES_HEAD = 'policy: after-sales\nversion: "2025.9"\n'
_AFTER_SALES_TAIL = ("effective_from: 2025-01-01\ntimezone: Asia/Shanghai\ncalendars:\n  always: 24x7\n"
                     " severities:\n  P1: {name: 一级紧急}\n")


@pytest.mark.parametrize("chinese", [
    "description: 本规范适用于全部客户，\n  注意：节假日另行安排\n",  # a continuation line of a plain scalar
    "changelog:\n  - 2025.9：新增一级紧急\n",  # a list item's text
], ids=["continuation-line", "list-item-text"])
def test_a_syntax_error_is_not_blamed_on_valid_chinese_text_above_it(chinese: str) -> None:
    """The line indented one space is the mistake: the full-width colon above is text the parser read
    as such; writing it in ASCII (as the message used to advise) would break it."""
    text = _AFTER_SALES_HEAD + chinese + _AFTER_SALES_TAIL
    line = text.split("\n").index(" severities:") + 1
    with pytest.raises(InputError) as caught:
        load_text(text, "c.yaml")
    assert caught.value.diagnostic.format() == (
        f"c.yaml:{line}:2: SLA004 error: this line is indented 1 space, but the block it continues starts at line 1 "
        "('policy: after-sales') indented 0 spaces; the keys of one block line up exactly: indent them alike (or this "
        "line like a key of an enclosing block)")


"""The one problem record that every loader, check and reporter shares."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..i18n import N_, Message, _, translated
from .codes import ROOT_CAUSES, Severity, severity

_ONE_LINE = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"}
_CONTROL = re.compile("[\x00-\x1f\x7f\u2028\u2029]")

__all__ = ["Diagnostic", "InputError", "Severity", "choices", "did_you_mean", "named", "shorten"]

SEVERITY_WORDS = {Severity.ERROR: N_("error"), Severity.WARNING: N_("warning")}
MAX_LISTED = 12  # more declared names than this are not listed in a message


@dataclass(frozen=True)
class Diagnostic:
    """A finding at a place in a file; line and column are 1-based (0 = unknown). Sorted by file, root
    causes first (`codes.ROOT_CAUSES`), then by place."""

    path: str
    line: int
    column: int
    code: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    json_path: str | None = field(default=None, compare=False)

    def __lt__(self, other: Diagnostic) -> bool:
        return self._order() < other._order()

    def _order(self) -> tuple[str, bool, int, int, str]:
        return self.path, self.code not in ROOT_CAUSES, self.line, self.column, self.code

    @classmethod
    def of(cls, path: str, line: int, column: int, code: str, message: str, json_path: str | None = None) -> Diagnostic:
        """A diagnostic at its code's registered severity."""
        return cls(path, line, column, code, severity(code), message, json_path)

    def format(self) -> str:
        """One line for people, in the current language (the message's template translated, its values as
        given); always one line: control characters the message quotes from the input are shown escaped."""
        return one_line(f"{self.path}:{self.line}:{self.column}: {self.code} {_(SEVERITY_WORDS[self.severity])}: "
                        f"{translated(self.message)}")

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "json_path": self.json_path,
        }


class InputError(Exception):
    """Input that cannot be used at all; carries the diagnostic that says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def one_line(text: str) -> str:
    """The text with control characters (newlines included) shown escaped."""
    return text.translate(_ONE_LINE) if _CONTROL.search(text) else text


def shorten(value: object, limit: int = 60) -> str:
    """A value as it appears in a message: long input is cut, so one bad value cannot flood a report."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ORDINALS = {1: N_("{n}st"), 2: N_("{n}nd"), 3: N_("{n}rd")}


def ordinal(n: int) -> Message:
    """1st, 2nd, 3rd, 11th, 23rd: how messages and documents count days and reports (第3个 in Chinese)."""
    return Message(N_("{n}th") if 10 <= n % 100 <= 20 else _ORDINALS.get(n % 10, N_("{n}th")), n=n)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """A ' (did you mean 'x'?)' suffix for near misses, or ''."""
    if len(word) > 100:
        return ""
    same = [c for c in sorted(choices) if c.lower() == word.lower()]  # `Created` is `created`
    close = same[0] if same else _nearest(word, sorted(choices))
    return Message(N_("; did you mean '{name}'?"), name=close) if close else ""


def _nearest(word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """difflib's closest match; of equally close ones the one that begins most like the word (SLA99 is
    told SLA901 of its family, not SLA409), then the first in order, so that a name declared later (a new
    code SLA507 beside SLA501-506, or SLA409) does not change what a near miss (SLA50, SLA99) is told."""
    matcher = difflib.SequenceMatcher(b=word)
    best: tuple[float, int, str] | None = None
    for choice in choices:
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            prefix = len(os.path.commonprefix([choice, word]))
            if score >= cutoff and (best is None or (score, prefix) > best[:2]):
                best = (score, prefix, choice)
    return best[2] if best else None


def named(word: str, names: Mapping[str, str]) -> str | None:
    """The id whose display name is `word` (`组长` for `team_lead: 组长`), else None: people write the name
    they read, where the policy wants the id."""
    wanted = word.strip().casefold()
    return next((key for key, name in names.items() if name.strip().casefold() == wanted), None)


def choices(word: str, known: tuple[str, ...]) -> str:
    """A near miss and the names to choose from (when they are few enough to read), so one
    message says what to write instead."""
    near = did_you_mean(word, known)
    if len(known) > MAX_LISTED:
        return near
    if not known:
        return Message(N_("; none is declared: declare it first"))
    listed = ", ".join(known)
    return Message(N_("{near} (declared: {names})"), near=near, names=listed) if near else Message(N_("; use one of: {names}"), names=listed)

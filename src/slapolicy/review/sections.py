"""The parts of the document `render` builds (sections of tables and rules, each row with its basis), and
the writer that words one policy and keeps which rules cite each clause, for the appendix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..policy.loader import JsonPath
from ..policy.model import Policy, Source
from .words import Lang, Wording


@dataclass(frozen=True)
class Basis:
    """Why a rule says what it says: the clauses it implements, or the company's choice, and how it was read."""

    clauses: tuple[str, ...]
    choice: str
    note: str
    source: str  # path:line of the rule


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    bases: tuple[Basis | None, ...]  # one per row, shown in the last column


@dataclass(frozen=True)
class Rule:
    title: str
    lines: tuple[str, ...]
    basis: Basis


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    tables: tuple[Table, ...] = ()
    rules: tuple[Rule, ...] = ()
    paragraphs: tuple[str, ...] = ()


class Writer(Wording):
    """The words of one document, and which rules cite each clause (for its appendix)."""

    def __init__(self, policy: Policy, lang: Lang) -> None:
        super().__init__(policy, lang)
        self.cited: dict[str, list[str]] = {}

    def basis(self, label: str, path: JsonPath, clauses: Iterable[str], choice: str | None, source: Source | None = None) -> Basis:
        clauses = tuple(clauses)
        for c in clauses:
            self.cited.setdefault(c, []).append(label)
        line = source.line if source else self.p.document.locate(path).line
        return Basis(clauses, choice or "", str(self.raw(path).get("note", "")), f"{self.p.source}:{line}")

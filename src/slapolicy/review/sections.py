"""The parts of the document `render` builds (sections of tables and rules, each row with its basis), and
the writer that words one policy and keeps which rules cite each clause, for the appendix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..policy.loader import JsonPath
from ..policy.model import Policy, Source, TargetValue
from ..policy.register import clause_index, registers_of
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
    quoted: Mapping[str, str] = field(default_factory=dict)  # per clause, the words to quote where not its first fragment


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
        self.places: dict[str, str] = {}  # each entry's label and where it is defined (file:line), for the index
        self.registers, _ = registers_of(policy.source, policy.registers)
        self.index = clause_index(self.registers)

    def quoted(self, clauses: Iterable[str], values: Iterable[TargetValue]) -> dict[str, str]:
        """For a clause quoted in fragments (a table row by row), the fragments that give the rule's
        durations (by its figures' words), so the rule quotes its own row, not the table's heading."""
        given = {(v.metric, (v.duration.kind, v.duration.amount)) for v in values if v.duration is not None}
        found = {}
        for c in clauses:
            clause = self.index.get(c)
            if clause is None or len(clause.text) < 2:
                continue
            words = [f.words for f in clause.figures if f.kind == "duration" and any(
                f.value == value and f.metric in (None, metric) for metric, value in given)]
            fragments = [t for t in clause.text if any(word in t for word in words)]
            if fragments:
                found[c] = " … ".join(dict.fromkeys(fragments))
        return found

    def basis(self, label: str, path: JsonPath, clauses: Iterable[str], choice: str | None, source: Source | None = None) -> Basis:
        clauses = tuple(clauses)
        for c in clauses:
            self.cited.setdefault(c, []).append(label)
        line = source.line if source else self.p.document.locate(path).line
        self.places.setdefault(label, f"{self.p.source}:{line}")
        return Basis(clauses, self.said(choice or ""), self.said(str(self.raw(path).get("note", ""))), f"{self.p.source}:{line}")

    def label(self, kind: str, *ids: str) -> str:
        """An entry as the index and the appendix name it: its kind in words, then its id (`时限规则 p1-urgent`)."""
        return " ".join((self.kind(kind), *ids))

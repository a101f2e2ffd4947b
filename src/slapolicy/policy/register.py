"""Clause registers: a source regulation as data, clause by clause (id, kinds, its own words, a
paraphrase, the figures it gives and what it says of how a clock runs, each in its own words).
A policy names the registers it implements (`registers:`); validation checks that every clause
it cites is in them and that a cited figure is the clause's, `slapolicy clauses` lists what
encodes and tests each one, and `render` quotes them.

Registers are read by the same safe loader and schema machinery as policies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..calendar.durations import DurationError, parse_duration
from ..diagnostics.record import Diagnostic, InputError
from .loader import Document, JsonPath, load_file
from .schema import schema_problems

KINDS = ("ticket", "contract", "aggregate", "duty", "tier", "org")
FIGURE_KINDS = ("duration", "rate", "count", "amount", "period")

Value = tuple[str, int] | Decimal | str  # as compared: (kind, amount) of a duration; a rate's percent, a count, an amount; a period


@dataclass(frozen=True)
class Figure:
    """A figure a clause gives, in its own words, and the metric or measure it concerns where that is clear."""

    words: str
    kind: str  # one of FIGURE_KINDS
    value: Value
    text: str  # as the register writes it: 4h, 98%, 50, month
    metric: str | None = None
    measure: str | None = None


@dataclass(frozen=True)
class Construct:
    """What a clause's words say of how a clock runs: it pauses, is cancelled, repeats, or a window."""

    words: str
    construct: str  # pause | cancel | repeat | window
    metric: str | None = None


@dataclass(frozen=True)
class Clause:
    id: str
    kinds: tuple[str, ...]
    text: tuple[str, ...]  # the regulation's own words, one or more fragments
    paraphrase: str
    register: str
    disagrees_with: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    constructs: tuple[Construct, ...] = ()

    @property
    def enforceable(self) -> bool:
        """Organisational clauses need no rule (a policy may still record them)."""
        return any(k != "org" for k in self.kinds)


@dataclass(frozen=True)
class Register:
    id: str
    title: str
    path: str
    language: str
    clauses: tuple[Clause, ...]


def read_register(path: str | Path) -> tuple[Register | None, list[Diagnostic]]:
    """One register file, schema-checked; its problems as positioned diagnostics."""
    try:
        doc, problems = load_file(path)
    except InputError as exc:
        return None, [exc.diagnostic]
    if problems:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [doc.diagnostic((), "SLA007", "the top level must be a mapping with register:, title: and clauses:")]
    problems = schema_problems(doc, "register")
    if problems:
        return None, problems
    data = doc.data
    clauses = []
    seen: set[str] = set()
    for i, c in enumerate(data["clauses"]):
        if c["id"] in seen:
            problems.append(doc.diagnostic(("clauses", i, "id"), "SLA202", f"clause {c['id']} is listed twice"))
        seen.add(c["id"])
        if not c["id"].startswith(f"R-{data['register']}-"):
            problems.append(doc.diagnostic(("clauses", i, "id"), "SLA104",
                                           f"{c['id']} is not a clause of register {data['register']} (R-{data['register']}-nn)"))
        text = (c["text"],) if isinstance(c["text"], str) else tuple(c["text"])
        at: JsonPath = ("clauses", i)
        figures = tuple(f for j, raw in enumerate(c.get("figures") or ())
                        if (f := _figure(doc, raw, text, at + ("figures", j), problems)) is not None)
        constructs = tuple(Construct(raw["words"], raw["construct"], raw.get("metric"))
                           for j, raw in enumerate(c.get("constructs") or ())
                           if _quoted(doc, raw["words"], text, at + ("constructs", j, "words"), problems))
        clauses.append(Clause(c["id"], tuple(c["kinds"]), text, c.get("paraphrase", ""), data["register"],
                              tuple(c.get("disagrees_with", ())), figures, constructs))
    if problems:
        return None, problems
    return Register(data["register"], data["title"], str(path), data.get("language", ""), tuple(clauses)), []


def _quoted(doc: Document, words: str, text: tuple[str, ...], path: JsonPath, problems: list[Diagnostic]) -> bool:
    """Whether `words` stand in the clause's text (else a problem): a figure is the regulation's own."""
    if any(words in fragment for fragment in text):
        return True
    problems.append(doc.diagnostic(path, "SLA104", f"'{words}' is not in the clause's text; quote the words that give it"))
    return False


def _figure(doc: Document, raw: Mapping[str, Any], text: tuple[str, ...], path: JsonPath,
            problems: list[Diagnostic]) -> Figure | None:
    kind = next(k for k in FIGURE_KINDS if k in raw)
    written = raw[kind]
    if not _quoted(doc, raw["words"], text, path + ("words",), problems):
        return None
    value: Value
    if kind == "duration":
        try:
            d = parse_duration(written)
        except DurationError as exc:
            problems.append(doc.diagnostic(path + (kind,), "SLA104", str(exc)))
            return None
        value = (d.kind, d.amount)
    else:
        value = figure_value(kind, written)
    return Figure(raw["words"], kind, value, str(written), raw.get("metric"), raw.get("measure"))


def figure_value(kind: str, written: Any) -> Value:
    """A rate (its percent), count, amount or period as compared: exact decimals, so 98% is 98% however written."""
    if kind == "rate":
        return Decimal(str(written).strip().rstrip("%").strip()).normalize()
    if kind in ("count", "amount"):
        return Decimal(str(written)).normalize()
    return str(written)


@lru_cache(maxsize=64)
def _cached(path: str, mtime: float) -> tuple[Register | None, tuple[Diagnostic, ...]]:
    register, problems = read_register(path)
    return register, tuple(problems)


def registers_of(policy_source: str, paths: Iterable[str]) -> tuple[list[Register], list[tuple[str, str]]]:
    """The registers a policy names (paths relative to the policy file), and (path, why) for those unusable."""
    found: list[Register] = []
    broken: list[tuple[str, str]] = []
    for raw in paths:
        path = (Path(policy_source).parent / raw)
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            broken.append((raw, f"cannot read it: {exc.strerror or exc}"))
            continue
        register, problems = _cached(str(path), mtime)
        if register is None:
            first = problems[0] if problems else None
            broken.append((raw, first.format() if first else "it is not a clause register"))
        else:
            found.append(register)
    return found, broken


def declared_language(policy_source: str, paths: Iterable[str]) -> str | None:
    """The language a policy declares: that of the clause registers it implements (their `language:`,
    e.g. zh-Hans), when they declare one and agree; else None."""
    languages = {r.language for r in registers_of(policy_source, paths)[0] if r.language}
    return languages.pop() if len(languages) == 1 else None


def clause_index(registers: Iterable[Register]) -> dict[str, Clause]:
    return {c.id: c for r in registers for c in r.clauses}

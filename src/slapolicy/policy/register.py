"""Clause registers: a source regulation as data, clause by clause (id, kinds, its own words, a
paraphrase). A policy names the registers it implements (`registers:`); validation checks
that every clause it cites is in them, `slapolicy clauses` lists what encodes and tests
each one, and `render` quotes them.

Registers are read by the same safe loader and schema machinery as policies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..diagnostics.record import Diagnostic, InputError
from .loader import load_file
from .schema import schema_problems

KINDS = ("ticket", "contract", "aggregate", "duty", "tier", "org")


@dataclass(frozen=True)
class Clause:
    id: str
    kinds: tuple[str, ...]
    text: tuple[str, ...]  # the regulation's own words, one or more fragments
    paraphrase: str
    register: str
    disagrees_with: tuple[str, ...] = ()

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
        text = c["text"]
        clauses.append(Clause(c["id"], tuple(c["kinds"]), (text,) if isinstance(text, str) else tuple(text),
                              c.get("paraphrase", ""), data["register"], tuple(c.get("disagrees_with", ()))))
    if problems:
        return None, problems
    return Register(data["register"], data["title"], str(path), data.get("language", ""), tuple(clauses)), []


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


def clause_index(registers: Iterable[Register]) -> dict[str, Clause]:
    return {c.id: c for r in registers for c in r.clauses}

"""Where policies come from: discovering files, reading and validating them once, and the
versions of one policy as a `PolicySet` that picks the version in force for an instant.

Every command that needs a policy opens it here (`open_policy_set`), so a policy is
read, validated and modelled one way; `scan` is what `slapolicy validate` reports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ..diagnostics.record import Diagnostic, InputError, Severity
from ..i18n import N_, Message
from ..policy.loader import load_file
from ..policy.model import Policy
from .settings import NO_SETTINGS, Settings
from .validation import ValidationResult, validate_document, validate_versions

POLICY_SUFFIXES = (".yaml", ".yml")
TEST_SUFFIXES = (".test.yaml", ".test.yml")


def is_policy_file(name: str) -> bool:
    return name.endswith(POLICY_SUFFIXES) and not name.endswith(TEST_SUFFIXES)


def is_test_file(name: str) -> bool:
    return name.endswith(TEST_SUFFIXES)


def discover(
    paths: Iterable[str | Path], wanted: Callable[[str], bool] = is_policy_file
) -> tuple[list[Path], list[Diagnostic]]:
    """Files under the given paths whose names are `wanted` (files named outright are always
    taken), in a stable order, each once; hidden folders are skipped.

    Anything that looks like a policy but is not a regular file (a directory named
    `x.yaml`, a broken link, a FIFO, a device) is an SLA001 error, never skipped without a
    word and never opened (a FIFO would block)."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not wanted(f.name) or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if f.is_file():
                    found.append(f)
                else:
                    problems.append(Diagnostic.of(str(f), 0, 0, "SLA001", _not_a_file(f)))
        elif p.is_file():
            found.append(p)
        else:
            problems.append(Diagnostic.of(str(p), 0, 0, "SLA001", _not_a_file(p)))
    unique: dict[Path, Path] = {}
    for f in found:  # overlapping paths (a directory and a file in it) name a file once
        unique.setdefault(f.resolve(), f)
    return list(unique.values()), problems


def _not_a_file(p: Path) -> Message:
    if p.is_symlink() and not p.exists():
        return Message(N_("a broken symbolic link; its target does not exist"))
    if p.is_dir():
        return Message(N_("a directory, not a policy file"))
    if p.exists():
        return Message(N_("not a regular file (a FIFO, socket or device); slapolicy reads only regular files"))
    return Message(N_("no such file or directory"))


def read_policy(path: str | Path) -> tuple[Policy | None, list[Diagnostic]]:
    """One policy file, read and validated; the policy when it can be modelled."""
    with _no_cyclic_gc():
        try:
            doc, problems = load_file(path)
        except InputError as exc:
            return None, [exc.diagnostic]
        if problems:
            return None, problems
        return validate_document(doc)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Reading builds a large graph of objects that never form cycles: the cyclic collector would
    rescan it again and again (two thirds of the time on a 30 000-rule policy)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan(paths: Iterable[str | Path], settings: Settings = NO_SETTINGS) -> ValidationResult:
    """Every policy file under `paths`, validated, with the checks across versions; the team's
    ignores and severities applied."""
    files, missing = discover(paths)
    result = ValidationResult(files=[str(f) for f in files], diagnostics=list(missing), unreadable=bool(missing))
    for f in files:
        policy, problems = read_policy(f)
        result.diagnostics.extend(problems)
        result.unreadable |= any(d.code == "SLA001" for d in problems)
        if policy is not None:
            result.policies.append(policy)
    result.diagnostics.extend(validate_versions(result.policies))
    result.diagnostics = settings.apply(result.diagnostics, result.files)
    return result


def _midnight(day: dt.date, tz: ZoneInfo) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


@dataclass(frozen=True)
class PolicySet:
    """The versions of one policy, oldest first. A ticket gets the version in force on the
    local day (policy time zone) it was created; `pinned` applies one version to every
    ticket whatever its dates (what-if replays)."""

    versions: tuple[Policy, ...]
    pinned: bool = False
    _spans: tuple[tuple[float, float, Policy], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a policy set needs at least one version")
        spans = []
        for p in reversed(self.versions):  # the newest version in force wins
            end = math.inf if p.effective_until is None else _midnight(p.effective_until + dt.timedelta(days=1), p.tz)
            spans.append((_midnight(p.effective_from, p.tz), end, p))
        object.__setattr__(self, "_spans", tuple(spans))

    @classmethod
    def of(cls, policies: Iterable[Policy], pinned: bool = False) -> PolicySet:
        return cls(tuple(sorted(policies, key=lambda p: p.version_key)), pinned)

    @property
    def id(self) -> str:
        return self.versions[0].id

    @property
    def latest(self) -> Policy:
        return self.versions[-1]

    @property
    def tz(self) -> ZoneInfo:
        """The zone offset-less ticket timestamps are read in: the newest version's."""
        return self.latest.tz

    def version_for(self, created: float) -> Policy | None:
        if self.pinned:
            return self.latest
        for start, end, policy in self._spans:
            if start <= created < end:
                return policy
        return None


def _first_error(diagnostics: list[Diagnostic]) -> Diagnostic:
    return next(d for d in diagnostics if d.severity is Severity.ERROR)


def open_policy(path: str | Path, settings: Settings = NO_SETTINGS) -> Policy:
    """One policy file without errors (warnings allowed), or InputError with the first error."""
    policy, problems = read_policy(path)
    problems = settings.apply(problems, [str(path)])
    errors = [d for d in problems if d.severity is Severity.ERROR]
    if policy is None or errors:
        first = errors[0] if errors else problems[0]
        more = f" (and {len(errors) - 1} more; run `slapolicy validate {path}`)" if len(errors) > 1 else ""
        raise InputError(Diagnostic(first.path, first.line, first.column, first.code, first.severity, first.message + more))
    return policy


def open_policy_set(path: str | Path, settings: Settings = NO_SETTINGS) -> PolicySet:
    """A policy file, or a directory holding the versions of one policy; InputError if unusable."""
    if not Path(path).is_dir():
        return PolicySet.of([open_policy(path, settings)])
    result = scan([path], settings)
    if result.errors:
        first = _first_error(result.diagnostics)
        raise InputError(Diagnostic(first.path, first.line, first.column, first.code, first.severity,
                                    f"{first.message} (run `slapolicy validate {path}`)"))
    if not result.policies:
        raise InputError(Diagnostic.of(str(path), 0, 0, "SLA001", "no policy files here"))
    ids = sorted({p.id for p in result.policies})
    if len(ids) > 1:
        raise InputError(Diagnostic.of(str(path), 0, 0, "SLA001",
                                       f"holds several policies ({', '.join(ids)}); give one policy's directory or file"))
    return PolicySet.of(result.policies)

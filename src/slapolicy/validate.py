"""load -> schema -> model -> checks, for files and directories of policies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .checks import run_checks
from .checks.versions import check_versions
from .diagnostics import Diagnostic, InputError, Severity, exit_code
from .loader import load_file
from .model import Policy, build_policy
from .schema import validate_document

POLICY_SUFFIXES = (".yaml", ".yml")
TEST_SUFFIXES = (".test.yaml", ".test.yml")


@dataclass
class ValidationResult:
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    unreadable: bool = False  # a path that could not be read at all: exit 2

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    def exit_code(self, strict: bool = False) -> int:
        return 2 if self.unreadable else exit_code(self.diagnostics, strict)


def is_policy_file(name: str) -> bool:
    return name.endswith(POLICY_SUFFIXES) and not name.endswith(TEST_SUFFIXES)


def is_test_file(name: str) -> bool:
    return name.endswith(TEST_SUFFIXES)


def discover(
    paths: Iterable[str | Path], wanted: Callable[[str], bool] = is_policy_file
) -> tuple[list[Path], list[Diagnostic]]:
    """Files under the given paths whose names are `wanted` (files named outright are always
    taken), in a stable order, each once; hidden folders are skipped."""
    found: list[Path] = []
    missing: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(
                f for f in sorted(p.rglob("*"))
                if f.is_file() and wanted(f.name)
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.is_file():
            found.append(p)
        else:
            missing.append(Diagnostic(str(p), 0, 0, "SLA001", Severity.ERROR, "no such file or directory"))
    unique: dict[Path, Path] = {}
    for f in found:  # overlapping paths (a directory and a file in it) name a file once
        unique.setdefault(f.resolve(), f)
    return list(unique.values()), missing


def check_file(path: str | Path) -> tuple[Policy | None, list[Diagnostic]]:
    """All problems of one policy file; the policy when it is usable."""
    try:
        doc, problems = load_file(path)
    except InputError as exc:
        return None, [exc.diagnostic]
    if problems:
        return None, problems
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [doc.diagnostic((), "SLA007", f"the top level must be a mapping of keys (policy:, version: …), found {kind}")]
    problems = validate_document(doc)
    if problems:
        return None, problems
    policy, problems = build_policy(doc)
    if policy is None:
        return None, problems
    return policy, sorted(run_checks(policy))


def validate_paths(paths: Iterable[str | Path]) -> ValidationResult:
    files, missing = discover(paths)
    result = ValidationResult(files=[str(f) for f in files], diagnostics=list(missing), unreadable=bool(missing))
    for f in files:
        policy, problems = check_file(f)
        result.diagnostics.extend(problems)
        result.unreadable |= any(d.code == "SLA001" for d in problems)
        if policy is not None:
            result.policies.append(policy)
    by_dir: dict[Path, list[Policy]] = {}
    for p in result.policies:
        by_dir.setdefault(Path(p.source).parent, []).append(p)
    for group in by_dir.values():
        result.diagnostics.extend(check_versions(group))
    result.diagnostics.sort()
    return result


def load_policy(path: str | Path) -> Policy:
    """A policy that has no errors (warnings allowed), or InputError with the first error."""
    policy, problems = check_file(path)
    errors = [d for d in problems if d.severity is Severity.ERROR]
    if policy is None or errors:
        first = errors[0] if errors else problems[0]
        more = f" (and {len(errors) - 1} more; run `slapolicy validate {path}`)" if len(errors) > 1 else ""
        raise InputError(Diagnostic(first.path, first.line, first.column, first.code, first.severity, first.message + more))
    return policy


def load_versions(path: str | Path) -> list[Policy]:
    """A policy file, or a directory holding versions of one policy, oldest first; InputError if unusable."""
    if not Path(path).is_dir():
        return [load_policy(path)]
    result = validate_paths([path])
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise InputError(Diagnostic(first.path, first.line, first.column, first.code, first.severity,
                                    f"{first.message} (run `slapolicy validate {path}`)"))
    if not result.policies:
        raise InputError(Diagnostic(str(path), 0, 0, "SLA001", Severity.ERROR, "no policy files here"))
    ids = sorted({p.id for p in result.policies})
    if len(ids) > 1:
        raise InputError(Diagnostic(str(path), 0, 0, "SLA001", Severity.ERROR,
                                    f"holds several policies ({', '.join(ids)}); give one policy's directory or file"))
    return sorted(result.policies, key=lambda p: p.version_key)

"""Validation of a loaded policy document: schema, model values, semantic checks; and the
checks across the versions of one policy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics.record import Diagnostic, Severity
from ..policy.build import build_policy
from ..policy.loader import Document
from ..policy.model import Policy
from ..policy.schema import schema_problems
from .checks import check_versions, run_checks


@dataclass
class ValidationResult:
    """Every problem of the files checked, in file order; the policies that could be modelled."""

    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    unreadable: bool = False  # a path that could not be read at all

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    def usable(self) -> list[Policy]:
        """The policies whose files have no error."""
        broken = {d.path for d in self.diagnostics if d.severity is Severity.ERROR}
        return [p for p in self.policies if p.source not in broken]


def validate_document(doc: Document) -> tuple[Policy | None, list[Diagnostic]]:
    """All problems of one loaded policy document; the policy when it can be modelled."""
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        return None, [doc.diagnostic((), "SLA007", f"the top level must be a mapping of keys (policy:, version: …), found {kind}")]
    problems = schema_problems(doc)
    if problems:
        return None, problems
    policy, problems = build_policy(doc)
    if policy is None:
        return None, problems
    return policy, sorted([*problems, *run_checks(policy)])


def validate_versions(policies: Iterable[Policy]) -> list[Diagnostic]:
    """SLA601-603 among the versions of each policy id, per directory."""
    by_dir: dict[Path, list[Policy]] = {}
    for p in policies:
        by_dir.setdefault(Path(p.source).parent, []).append(p)
    return [d for group in by_dir.values() for d in check_versions(group)]

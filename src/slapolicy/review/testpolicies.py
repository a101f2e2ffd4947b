"""The policy versions a test file runs on, found beside it (or under the paths given to `test`).

A test file whose policy fails to load cannot run at all: that is an input error (SLA804, exit 2),
reported once at the policy's first error, never as "policy not found". A version of the policy
under which no case ran is named (SLA805, a warning; `test --strict` fails on it), so a version
the tests never exercise is not passed over in silence.
"""

from __future__ import annotations

from pathlib import Path

from ..diagnostics.record import Diagnostic, Severity, did_you_mean, shorten
from ..policy.loader import Document
from ..policy.model import VERSION, Policy, version_key
from ..validate.repository import PolicySet
from ..validate.validation import ValidationResult


def policies_for(doc: Document, scanned: ValidationResult) -> tuple[PolicySet | None, list[Diagnostic]]:
    """The versions `doc` (a test file) runs on, or the one problem that stops it (SLA804, SLA801)."""
    pid = doc.data["policy"]
    here = Path(doc.path).resolve().parent
    broken = _fails_to_load(doc, pid, scanned, here)
    if broken is not None:
        return None, [broken]
    matching = [p for p in scanned.usable() if p.id == pid]
    chosen = [p for p in matching if Path(p.source).resolve().parent == here] or matching
    if "version" in doc.data:
        wanted = doc.raw.get(("version",), str(doc.data["version"]))
        if not VERSION.fullmatch(wanted):
            return None, [doc.diagnostic(("version",), "SLA801", f"'{wanted}' is not a version; write numbers separated by dots such as 2025.1")]
        chosen = [p for p in chosen if version_key(p.version) == version_key(wanted)]
        if not chosen:
            return None, [doc.diagnostic(("version",), "SLA801", f"policy '{pid}' has no version {wanted}")]
    if not chosen:
        known = sorted({p.id for p in scanned.usable()})
        return None, [doc.diagnostic(("policy",), "SLA801", f"no policy '{pid}' found{did_you_mean(pid, known)}")]
    return PolicySet.of(chosen), []


def _fails_to_load(doc: Document, pid: str, scanned: ValidationResult, here: Path) -> Diagnostic | None:
    """SLA804 at the first error of a version of `pid`, or of a policy file beside the test that could not
    be read as a policy at all (it may be a version of `pid`): the tests would run on fewer versions."""
    sources = {p.source for p in scanned.policies}
    named = {p.source for p in scanned.policies if p.id == pid}
    errors = [d for d in scanned.diagnostics if d.severity is Severity.ERROR
              and (d.path in named or (d.path not in sources and Path(d.path).resolve().parent == here))]
    if not errors:
        return None
    first = min(errors)
    files = sorted({d.path for d in errors})
    more = f" ({len(errors)} errors in {', '.join(files)})" if len(errors) > 1 else ""
    return Diagnostic.of(first.path, first.line, first.column, "SLA804",
                         f"policy '{pid}' fails to load, so the cases of {doc.path} cannot run: {first.code} "
                         f"{shorten(first.message, 120)}{more}; fix it first (`slapolicy validate "
                         f"{Path(first.path).parent}` lists the errors)")


def untested_versions(tested: list[PolicySet], ran: set[str], test_files: dict[str, list[str]]) -> list[Diagnostic]:
    """SLA805 at the `version:` of each version of a tested policy under which no case ran (`ran`: labels)."""
    out = []
    seen: set[str] = set()
    for versions in tested:
        for policy in versions.versions:
            if policy.label in ran or policy.label in seen:
                continue
            seen.add(policy.label)
            line, column = _at_version(policy)
            files = ", ".join(sorted(set(test_files.get(policy.id, []))))
            out.append(Diagnostic.of(policy.source, line, column, "SLA805",
                                     f"no case of {files} runs under version {policy.version} of policy '{policy.id}'"
                                     f"{_span(policy)}: add a case whose subject is created then"))
    return out


def _at_version(policy: Policy) -> tuple[int, int]:
    place = policy.document.locate(("version",))
    return place.line, place.column


def _span(policy: Policy) -> str:
    start = policy.effective_from.isoformat()
    return f" (in force {start} to {policy.effective_until})" if policy.effective_until else f" (in force from {start})"

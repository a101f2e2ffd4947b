"""`validate` output: one line per problem (`file:line:column: CODE severity: message`), JSON,
GitHub Actions annotations, SARIF, or GitLab's code-quality report."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from typing import IO

from ..diagnostics.record import Diagnostic, Severity
from ..i18n import _, ngettext
from ..validate.validation import ValidationResult
from . import sarif
from .encode import pretty


def summary(result: ValidationResult) -> str:
    """`3 files checked: 1 error, 0 warnings`, in the reader's language."""
    files, errors, warnings = len(result.files), result.errors, result.warnings
    return _("{files} checked: {errors}, {warnings}").format(
        files=ngettext("{count} file", "{count} files", files).format(count=files),
        errors=ngettext("{count} error", "{count} errors", errors).format(count=errors),
        warnings=ngettext("{count} warning", "{count} warnings", warnings).format(count=warnings))


def text(result: ValidationResult, out: IO[str]) -> None:
    out.write("".join(d.format() + "\n" for d in result.diagnostics) + summary(result) + "\n")


def json_document(result: ValidationResult, out: IO[str]) -> None:
    doc = {
        "status": "ok" if result.errors == 0 and not result.unreadable else "fail",
        "files": result.files,
        "summary": {"files": len(result.files), "errors": result.errors, "warnings": result.warnings},
        "problems": [d.to_dict() for d in result.diagnostics],
    }
    out.write(pretty(doc).decode("utf-8") + "\n")


def escape(value: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (properties also escape ':' and ',')."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def annotation(d: Diagnostic) -> str:
    level = "error" if d.severity is Severity.ERROR else "warning"
    return (f"::{level} file={escape(d.path, True)},line={d.line},col={d.column},"
            f"title={escape(d.code, True)}::{escape(d.message)}")


def github(result: ValidationResult, out: IO[str]) -> None:
    """GitHub Actions workflow commands: each problem becomes an annotation on the file."""
    out.write("".join(annotation(d) + "\n" for d in result.diagnostics) + summary(result) + "\n")


def sarif_log(result: ValidationResult, out: IO[str]) -> None:
    """SARIF 2.1.0 for code scanning: a result per problem."""
    sarif.write([sarif.of_diagnostic(d) for d in result.diagnostics], out)


_LINE = re.compile(r"\bline \d+")


def code_quality(result: ValidationResult, out: IO[str]) -> None:
    """GitLab's code-quality report (a subset of the Code Climate format): the problems in the merge
    request's widget and diff. A fingerprint is the problem's code, file and message, not its line (nor a
    line the message names), so
    a problem that an edit above it moves is the same problem, not a fixed one and a new one; the same
    problem again in a file is told apart by its place among its like."""
    issues = []
    seen: dict[tuple[str, ...], int] = {}
    for d in result.diagnostics:
        path = os.path.relpath(d.path) if os.path.isabs(d.path) else d.path
        identity = (d.code, path, _LINE.sub("line", d.message))  # "the rule at line 24" moves with the edit too
        seen[identity] = seen.get(identity, -1) + 1
        issues.append({
            "description": f"{d.code}: {d.message}",
            "check_name": d.code,
            "fingerprint": hashlib.sha256("\0".join((*identity, str(seen[identity]))).encode("utf-8")).hexdigest(),
            "severity": "critical" if d.severity is Severity.ERROR else "minor",
            "location": {"path": path, "lines": {"begin": max(d.line, 1)}},  # line 0: the file as a whole
        })
    out.write(pretty(issues).decode("utf-8") + "\n")


FORMATTERS: dict[str, Callable[[ValidationResult, IO[str]], None]] = {"text": text, "json": json_document, "github": github,
                                                                     "sarif": sarif_log, "codequality": code_quality}

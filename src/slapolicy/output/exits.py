"""The one place that maps results to exit codes (the table is in `slapolicy.output`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..diagnostics.record import Severity
from . import ExitCode, interrupted_code

if TYPE_CHECKING:  # types only: `validate` must not import the replay stack to decide its exit code
    from ..review.clauses import ClauseTable
    from ..review.testing import TestRun
    from ..validate.validation import ValidationResult


def validation(result: ValidationResult, strict: bool = False) -> ExitCode:
    """2 a path could not be read; 1 an error (or, with --strict, a warning); else 0."""
    if result.unreadable:
        return ExitCode.INPUT
    if result.errors or (strict and result.warnings):
        return ExitCode.FINDINGS
    return ExitCode.OK


def tests(run: TestRun, strict: bool = False) -> ExitCode:
    """2 a path could not be read or a policy the tests run on fails to load; 1 a case failed, a test
    file has an error or (with --strict) a warning (a policy version no case runs under); else 0."""
    if run.unreadable or run.unusable:
        return ExitCode.INPUT
    if run.count("failed") or any(d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING)
                                  for d in run.diagnostics):
        return ExitCode.FINDINGS
    return ExitCode.OK


def replay(rejected: int, signum: int | None = None) -> ExitCode:
    """130 / 143 interrupted (the partial result was printed); 1 a ticket was rejected; else 0."""
    if signum is not None:
        return interrupted_code(signum)
    return ExitCode.FINDINGS if rejected else ExitCode.OK


def clauses(table: ClauseTable, strict: bool = False) -> ExitCode:
    """2 a path could not be read; 1 a file has an error, or (--strict) a clause to enforce is not
    encoded or no passing case cites it; else 0."""
    if table.unreadable:
        return ExitCode.INPUT
    if table.errors or (strict and table.gaps):
        return ExitCode.FINDINGS
    return ExitCode.OK


def diff(equal: bool) -> ExitCode:
    """0 the versions mean the same; 1 they differ (like `diff`)."""
    return ExitCode.OK if equal else ExitCode.FINDINGS

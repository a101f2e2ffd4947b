"""`validate` output: one line per problem (`file:line:column: CODE severity: message`), JSON, or
GitHub Actions annotations."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from ..diagnostics.record import Diagnostic, Severity
from ..validate.validation import ValidationResult
from . import plural, sarif
from .encode import pretty


def summary(result: ValidationResult) -> str:
    return (f"{plural(len(result.files), 'file')} checked: {plural(result.errors, 'error')}, "
            f"{plural(result.warnings, 'warning')}")


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


FORMATTERS: dict[str, Callable[[ValidationResult, IO[str]], None]] = {"text": text, "json": json_document, "github": github,
                                                                     "sarif": sarif_log}

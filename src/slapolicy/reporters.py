"""Output formats for diagnostics. Reporters only format; they decide nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

from .diagnostics import Severity
from .validate import ValidationResult


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def text(result: ValidationResult) -> str:
    lines = [d.format() for d in result.diagnostics]
    lines.append(
        f"{_plural(len(result.files), 'file')} checked: {_plural(result.errors, 'error')}, "
        f"{_plural(result.warnings, 'warning')}"
    )
    return "\n".join(lines) + "\n"


def as_json(result: ValidationResult) -> str:
    doc = {
        "status": "ok" if result.errors == 0 and not result.unreadable else "fail",
        "files": result.files,
        "summary": {"files": len(result.files), "errors": result.errors, "warnings": result.warnings},
        "problems": [d.to_dict() for d in result.diagnostics],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(result: ValidationResult) -> str:
    """GitHub Actions workflow commands: each problem becomes an annotation on the file."""
    out = []
    for d in result.diagnostics:
        level = "error" if d.severity is Severity.ERROR else "warning"
        out.append(
            f"::{level} file={_escape(d.path, True)},line={d.line},col={d.column},"
            f"title={_escape(d.code, True)}::{_escape(d.message)}"
        )
    out.append(text(result).splitlines()[-1])
    return "\n".join(out) + "\n"


REPORTERS: dict[str, Callable[[ValidationResult], str]] = {"text": text, "json": as_json, "github": github}

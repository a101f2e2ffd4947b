"""SARIF 2.1.0, the format GitHub code scanning (and other CI dashboards) read: one run of the
`slapolicy` tool whose rules are the registered codes, one result per diagnostic or failed
test case, located at file, line and column."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from .. import __version__
from ..diagnostics import codes
from ..diagnostics.record import Diagnostic, Severity
from .encode import pretty

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"  # the working directory the command ran in: the checkout, in CI
_RULE_STAGES = ("load", "schema", "model", "check", "versions", "tests", "config")  # codes about files, not tickets


def _rule(code: codes.Code) -> dict[str, Any]:
    return {
        "id": code.code,
        "name": code.slug,
        "shortDescription": {"text": code.title},
        "help": {"text": code.plain_doc()},
        "defaultConfiguration": {"level": _level(code.severity)},
        "properties": {"tags": [code.stage]},
    }


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _artifact(path: str) -> dict[str, str]:
    """A file under the working directory (the checkout) as a relative, percent-encoded URI
    reference from %SRCROOT% (code scanning matches it to the repository); any other file as
    an absolute file: URI, which SARIF forbids to combine with a uriBaseId."""
    absolute = Path(os.path.abspath(path))
    for base, target in ((_root(), absolute), (Path(os.path.realpath(_root())), Path(os.path.realpath(absolute)))):
        if target.is_relative_to(base):
            return {"uri": quote(target.relative_to(base).as_posix(), safe="/"), "uriBaseId": SRCROOT}
    return {"uri": absolute.as_uri()}


def _root() -> Path:
    return Path(os.path.abspath(os.getcwd()))


def _folder_uri(folder: Path) -> str:
    """SARIF requires a base URI to end with a slash."""
    uri = folder.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def result(code: str, severity: Severity, message: str, path: str, line: int, column: int) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(line, 1)}  # 0 = the file as a whole: its first line
    if column > 0:
        region["startColumn"] = column
    return {
        "ruleId": code,
        "ruleIndex": RULE_INDEX[code],
        "level": _level(severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(path),
                                            "region": region}}],
    }


def of_diagnostic(d: Diagnostic) -> dict[str, Any]:
    return result(d.code, d.severity, d.message, d.path, d.line, d.column)


RULES = [c for c in codes.CODES.values() if c.stage in _RULE_STAGES]
RULE_INDEX = {c.code: n for n, c in enumerate(RULES)}


def write(results: list[dict[str, Any]], out: IO[str]) -> None:
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "slapolicy", "version": __version__, "rules": [_rule(c) for c in RULES]}},
            "originalUriBaseIds": {SRCROOT: {"uri": _folder_uri(_root())}},
            "results": results,
        }],
    }
    out.write(pretty(log).decode("utf-8") + "\n")

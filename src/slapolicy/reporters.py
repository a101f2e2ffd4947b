"""Output formats for diagnostics. Reporters only format; they decide nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

from .diagnostics import Severity
from .testing import TestRun
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


# ---- `slapolicy test` ---------------------------------------------------------------------

def _summary(run: TestRun) -> str:
    line = f"{run.count('passed')} passed, {run.count('failed')} failed"
    skipped = run.count("skipped")
    return line + (f", {skipped} skipped" if skipped else "")


def test_text(run: TestRun) -> str:
    out = [d.format() for d in run.diagnostics]
    for case in run.cases:
        if case.outcome == "skipped":
            continue
        clause = f" [{', '.join(case.clauses)}]" if case.clauses else ""
        out.append(f"{case.outcome.upper():4} {case.path}:{case.line} {case.description}{clause}")
        out.extend(f"     {failure}" for failure in case.failures)
    out.append(_summary(run))
    return "\n".join(out) + "\n"


def test_json(run: TestRun) -> str:
    doc = {
        "summary": {"passed": run.count("passed"), "failed": run.count("failed"), "skipped": run.count("skipped"),
                    "errors": len(run.diagnostics)},
        "cases": [{"path": c.path, "line": c.line, "description": c.description, "clauses": c.clauses,
                   "policy": c.policy, "outcome": c.outcome, "failures": c.failures} for c in run.cases],
        "problems": [d.to_dict() for d in run.diagnostics],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def test_github(run: TestRun) -> str:
    out = [f"::error file={_escape(d.path, True)},line={d.line},col={d.column},title={_escape(d.code, True)}::{_escape(d.message)}"
           for d in run.diagnostics]
    for case in run.cases:
        if case.outcome == "failed":
            out.append(f"::error file={_escape(case.path, True)},line={case.line},title={_escape(case.description, True)}::"
                       + _escape("\n".join(case.failures)))
    out.append(_summary(run))
    return "\n".join(out) + "\n"


def test_junit(run: TestRun) -> str:
    """JUnit XML: one testsuite per test file, one testcase per case (CI servers display it)."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="slapolicy", tests=str(len(run.cases)), failures=str(run.count("failed")),
                      errors=str(len(run.diagnostics)), skipped=str(run.count("skipped")))
    suites: dict[str, ET.Element] = {}
    for case in run.cases:
        suite = suites.get(case.path)
        if suite is None:
            suite = suites[case.path] = ET.SubElement(root, "testsuite", name=case.path)
        tc = ET.SubElement(suite, "testcase", classname=case.path, name=case.description, file=case.path, line=str(case.line))
        if case.outcome == "failed":
            ET.SubElement(tc, "failure", message=case.failures[0]).text = "\n".join(case.failures)
        elif case.outcome == "skipped":
            ET.SubElement(tc, "skipped")
    for d in run.diagnostics:
        suite = suites.get(d.path)
        if suite is None:
            suite = suites[d.path] = ET.SubElement(root, "testsuite", name=d.path)
        tc = ET.SubElement(suite, "testcase", classname=d.path, name=f"load {d.path}")
        ET.SubElement(tc, "error", message=d.format()).text = d.format()
    for name, suite in suites.items():
        cases = [c for c in run.cases if c.path == name]
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(c.outcome == "failed" for c in cases)))
        suite.set("skipped", str(sum(c.outcome == "skipped" for c in cases)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


TEST_REPORTERS: dict[str, Callable[[TestRun], str]] = {
    "text": test_text, "json": test_json, "github": test_github, "junit": test_junit,
}

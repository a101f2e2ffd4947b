"""`test` output: a line per case with expected and actual for failures, JSON, GitHub
annotations or JUnit XML; and the coverage listing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO

from ..diagnostics.record import Severity
from ..i18n import N_, _
from ..review.testing import TestRun
from . import padded, sarif
from .encode import pretty
from .validation import annotation, escape

OUTCOMES = {"passed": N_("PASSED"), "failed": N_("FAILED"), "skipped": N_("SKIPPED")}  # a case's, as the text output heads its line
MISSING = {"target_rules": N_("target rules"), "escalation_steps": N_("escalation steps"), "clauses": N_("clauses")}  # --coverage


def summary(run: TestRun) -> str:
    line = _("{passed} passed, {failed} failed").format(passed=run.count("passed"), failed=run.count("failed"))
    skipped = run.count("skipped")
    line += _(", {count} skipped").format(count=skipped) if skipped else ""
    return line + (_(" (stopped at the first failure)") if run.stopped else "")


def text(run: TestRun, out: IO[str], quiet: bool = False) -> None:
    """A line per case, with expected and actual under each failure; `quiet`: failures only."""
    lines = [d.format() for d in run.diagnostics]
    for case in run.cases:
        if case.outcome == "skipped" or (quiet and case.outcome == "passed"):
            continue
        clause = f" [{', '.join(case.clauses)}]" if case.clauses else ""
        lines.append(f"{padded(_(OUTCOMES[case.outcome]), 4)} {case.path}:{case.line} {case.description}{clause}")
        lines.extend(f"     {failure}" for failure in case.failures)
    lines.append(summary(run))
    out.write("\n".join(lines) + "\n")


def json_document(run: TestRun, out: IO[str]) -> None:
    doc = {
        "summary": {"passed": run.count("passed"), "failed": run.count("failed"), "skipped": run.count("skipped"),
                    "errors": len(run.diagnostics)},
        "cases": [{"path": c.path, "line": c.line, "description": c.description, "clauses": c.clauses,
                   "policy": c.policy, "outcome": c.outcome, "failures": c.failures} for c in run.cases],
        "problems": [d.to_dict() for d in run.diagnostics],
    }
    out.write(pretty(doc).decode("utf-8") + "\n")


def github(run: TestRun, out: IO[str]) -> None:
    lines = [annotation(d) for d in run.diagnostics]
    for case in run.cases:
        if case.outcome == "failed":
            lines.append(f"::error file={escape(case.path, True)},line={case.line},title={escape(case.description, True)}::"
                         + escape("\n".join(case.failures)))
    lines.append(summary(run))
    out.write("\n".join(lines) + "\n")


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """Text XML 1.0 can carry: control characters and lone surrogates removed."""
    return _XML_FORBIDDEN.sub("", text)


def junit(run: TestRun, out: IO[str]) -> None:
    """JUnit XML: one testsuite per test file, one testcase per case (CI servers display it)."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="slapolicy", tests=str(len(run.cases)), failures=str(run.count("failed")),
                      errors=str(len(run.diagnostics)), skipped=str(run.count("skipped")))
    suites: dict[str, ET.Element] = {}

    def suite_for(path: str) -> ET.Element:
        if path not in suites:
            suites[path] = ET.SubElement(root, "testsuite", name=_xml(path))
        return suites[path]

    for case in run.cases:
        tc = ET.SubElement(suite_for(case.path), "testcase", classname=_xml(case.path), name=_xml(case.description),
                           file=_xml(case.path), line=str(case.line))
        if case.outcome == "failed":
            ET.SubElement(tc, "failure", message=_xml(case.failures[0])).text = _xml("\n".join(case.failures))
        elif case.outcome == "skipped":
            ET.SubElement(tc, "skipped")
    for d in run.diagnostics:
        tc = ET.SubElement(suite_for(d.path), "testcase", classname=_xml(d.path), name=_xml(f"load {d.path}"))
        ET.SubElement(tc, "error", message=_xml(d.format())).text = _xml(d.format())
    for name, suite in suites.items():
        cases = [c for c in run.cases if c.path == name]
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(c.outcome == "failed" for c in cases)))
        suite.set("skipped", str(sum(c.outcome == "skipped" for c in cases)))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


def coverage(run: TestRun, out: IO[str]) -> None:
    for name, cov in sorted(run.coverage.items()):
        out.write(_("coverage of {policy}:").format(policy=name) + "\n")
        for kind, items in cov.missing().items():
            out.write("  " + _("{what} not exercised: {items}").format(what=_(MISSING[kind]), items=", ".join(items) if items else _("none"))
                      + "\n")


def sarif_log(run: TestRun, out: IO[str]) -> None:
    """SARIF 2.1.0 for code scanning: a result per problem of a test file and per failed case (SLA803)."""
    failed = [sarif.result("SLA803", Severity.ERROR, f"{case.description}: " + "; ".join(case.failures), case.path, case.line, 1)
              for case in run.cases if case.outcome == "failed"]
    sarif.write([*(sarif.of_diagnostic(d) for d in run.diagnostics), *failed], out)


FORMATTERS: dict[str, Callable[[TestRun, IO[str]], None]] = {"text": text, "json": json_document, "github": github, "junit": junit,
                                                            "sarif": sarif_log}

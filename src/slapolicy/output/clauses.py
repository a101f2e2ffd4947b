"""`clauses` output: every clause of the registers with the rules encoding it and the test
cases citing and verifying it, as text, JSON or Markdown (the manual's clause table, docs/shipped.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from ..i18n import N_, _, ngettext
from ..review.clauses import ClauseRow, ClauseTable
from ..review.testing import CaseResult
from .encode import pretty

STATUS_TEXT = {"verified": N_("cited and verified"),
               "unverified": N_("cited, NOT VERIFIED: the passing cases citing it check nothing it governs"),
               "untested": N_("encoded, NOT VERIFIED: no passing test case cites it"),
               "unencoded": N_("NOT ENCODED: no rule cites it"), "org": N_("organisational: needs no rule")}
STATUS_CELL = {"verified": N_("✓ verified"), "unverified": N_("**not verified**"), "untested": N_("**untested**"),
               "unencoded": N_("**not encoded**"), "org": N_("org")}  # the Markdown table's
CASE_OUTCOMES = {"failed": N_("failed"), "skipped": N_("skipped")}
COLUMNS = (N_("clause"), N_("kind"), N_("encoded by"), N_("passing cases citing"), N_("verifying"), N_("status"))


def summary(table: ClauseTable) -> str:
    enforceable = len([r for r in table.rows if r.status != "org"])
    line = ngettext("{count} clause to enforce: {verified} verified, {unverified} cited but not verified, {untested} untested, "
                    "{unencoded} not encoded; {org} organisational",
                    "{count} clauses to enforce: {verified} verified, {unverified} cited but not verified, {untested} untested, "
                    "{unencoded} not encoded; {org} organisational", enforceable).format(
        count=enforceable, **{s: table.count(s) for s in ("verified", "unverified", "untested", "unencoded", "org")})
    errors = len(table.errors)
    return line + (ngettext("; {count} error in the files read", "; {count} errors in the files read", errors).format(count=errors)
                   if errors else "")


def _kinds(row: ClauseRow) -> str:
    return " / ".join(row.clause.kinds)


def text(table: ClauseTable, out: IO[str]) -> None:
    lines = [d.format() for d in table.diagnostics]
    for row in table.rows:
        c = row.clause
        lines.append(f"{c.id} [{_kinds(row)}] {_(STATUS_TEXT[row.status])}")
        lines.append(f"    {c.paraphrase}")
        lines.extend("    " + _("rule: {policy}: {rule} ({source})").format(policy=r.policy, rule=r.rule, source=r.source) for r in row.rules)
        lines.extend("    " + _("case: {path}:{line} {description} ({outcome})").format(
            path=case.path, line=case.line, description=case.description, outcome=_outcome(row, case)) for case in row.cases)
    lines.append(summary(table))
    out.write("\n".join(lines) + "\n")


def _outcome(row: ClauseRow, case: CaseResult) -> str:
    if case.outcome != "passed":
        return _(CASE_OUTCOMES[case.outcome])
    return _("passed, verifies") if case in row.verifying else _("passed, cites only")


def json_document(table: ClauseTable, out: IO[str]) -> None:
    doc = {
        "summary": {"clauses": len(table.rows), **{s: table.count(s) for s in STATUS_TEXT}, "errors": len(table.errors)},
        "clauses": [{
            "id": row.clause.id, "register": row.clause.register, "kinds": list(row.clause.kinds),
            "paraphrase": row.clause.paraphrase, "text": list(row.clause.text), "status": row.status,
            "cited": row.cited, "verified": bool(row.verifying), "policies": list(row.policies),
            "rules": [{"policy": r.policy, "rule": r.rule, "source": r.source} for r in row.rules],
            "cases": [{"path": c.path, "line": c.line, "description": c.description, "outcome": c.outcome,
                       "verifies": c in row.verifying} for c in row.cases],
        } for row in table.rows],
        "problems": [d.to_dict() for d in table.diagnostics],
    }
    out.write(pretty(doc).decode("utf-8") + "\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(table: ClauseTable, out: IO[str]) -> None:
    """One row per clause: what encodes it (rule names, per policy), how many passing cases cite it and
    how many of them verify it."""
    lines = ["| " + " | ".join(_(c) for c in COLUMNS) + " |", "|---|---|---|---|---|---|"]
    for row in table.rows:
        by_policy: dict[str, list[str]] = {}
        for r in row.rules:
            names = by_policy.setdefault(r.policy, [])
            if r.rule not in names:
                names.append(r.rule)
        encoded = "; ".join(f"{policy}: {', '.join(names)}" for policy, names in by_policy.items()) or "—"
        lines.append(f"| {row.clause.id} | {_kinds(row)} | {_cell(encoded)} | {len(row.passing)} | {len(row.verifying)} "
                     f"| {_(STATUS_CELL[row.status])} |")
    out.write("\n".join(lines) + "\n")


FORMATTERS: dict[str, Callable[[ClauseTable, IO[str]], None]] = {"text": text, "json": json_document, "markdown": markdown}

"""`diff` output: the semantic changes between two policy versions as text, Markdown (a pull-request
comment) or JSON, with the measured impact on a history when there is one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import IO, Any

from ..i18n import N_, _, ngettext, translated
from ..review.policydiff import PolicyDiff
from . import padded
from .cells import md_cell, objective_headings
from .encode import pretty
from .impact import PERIOD_COLUMNS, ignored_sentence, role_cells, sections, severity_cells
from .whatif import METRIC_COLUMNS, OBJECTIVE_COLUMNS, changed_clocks, counts, md_table, metric_cells, objective_cells

SECTION_TITLES = {
    "policy": N_("Policy"), "calendars": N_("Calendars"), "subjects": N_("Subjects and duties"), "severities": N_("Severities"),
    "tiers": N_("Service tiers"), "roles": N_("Roles"), "attributes": N_("Attributes"), "events": N_("Events"), "statuses": N_("Statuses"),
    "metrics": N_("Metrics"), "targets": N_("Effective targets (first matching rule, per severity × tier)"),
    "rules": N_("Target rules"), "escalations": N_("Escalations"), "objectives": N_("Objectives"), "notices": N_("Notices"),
    "invariants": N_("Invariants"), "routing": N_("Routing"), "correlations": N_("Correlations"), "penalties": N_("Penalties"),
    "decisions": N_("Decisions between clauses"), "periods": N_("Date periods"), "lookups": N_("Lookup tables (priority matrix)"),
    "builtins": N_("Built-in behaviour cited"),
    "availability": N_("Availability"), "credits": N_("Service credits"), "credit_limits": N_("Limits on credits"),
}
CHANGE_COLUMNS = (N_("what"), N_("change"), N_("where"))  # the Markdown tables', after the kind of change
KINDS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed"), "moved": N_("moved")}  # of a change

OPEN = ("policy", "targets", "rules", "calendars", "escalations", "objectives")  # shown; the other sections folded


def document(result: PolicyDiff, impact: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document every format is written from; `impact` is the `whatif` document on a history."""
    side = [{"policy": p.id, "version": p.version, "source": p.source} for p in (result.old, result.new)]
    doc: dict[str, Any] = {"old": side[0], "new": side[1], "equal": result.equal,
                           "changes": [dataclasses.asdict(c) for c in result.changes]}
    if impact is not None:
        doc["impact"] = {k: impact[k] for k in ("period", "summary", "metrics", "by_severity", "notifications",
                                                "objectives_at_period")}
    return doc


def _sections(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for change in doc["changes"]:
        out.setdefault(change["section"], []).append(change)
    return out


def _headline(doc: dict[str, Any]) -> str:
    o, n = doc["old"], doc["new"]
    n_changes = len(doc["changes"])
    told = _("no semantic change") if doc["equal"] else ngettext("{count} change", "{count} changes", n_changes).format(count=n_changes)
    return f"{o['policy']} {o['version']} → {n['policy']} {n['version']}: {told}"


def _value(change: dict[str, Any]) -> str:
    """The value added or removed, or `before → after`."""
    old, new = (translated(change[side]) if change[side] else "—" for side in ("old", "new"))
    if change["kind"] == "added" and change["old"] in (None, "none"):
        return new
    if change["kind"] == "removed" and change["new"] in (None, "none"):
        return old
    return f"{old} → {new}"


def _where(change: dict[str, Any]) -> str:
    return " → ".join(filter(None, (change["old_at"], change["new_at"])))


def _impact_line(s: dict[str, Any], doc: dict[str, Any]) -> str:
    """The counts, the clocks changing between met and breached, and the events a version ignored."""
    named = {**doc["impact"], "base": doc["old"], "candidate": doc["new"]}
    ignored = ignored_sentence(named)
    return _("; ").join([counts(named), changed_clocks(s["clocks_changed"]), *filter(None, [ignored])])


def _impact_title(impact: dict[str, Any]) -> str:
    return _("Impact on the history (per {period})").format(period=_(impact["period"]))


def text(doc: dict[str, Any], out: IO[str]) -> None:
    lines = [_headline(doc)]
    for section, changes in _sections(doc).items():
        lines += ["", _(SECTION_TITLES[section])]
        for c in changes:
            lines.append(f"  {padded(_(KINDS.get(c['kind'], c['kind'])), 8)} {translated(c['item'])}: {_value(c)}  ({_where(c)})")
            if c["note"]:
                lines.append(f"           {translated(c['note'])}")
    if "impact" in doc:
        impact = doc["impact"]
        lines += ["", _impact_title(impact), f"  {_impact_line(impact['summary'], doc)}"]
        for m in impact["metrics"]:
            cells = metric_cells(m)
            lines.append("  " + _("{metric}: on time {base} → {candidate}{delta}, breaches {base_breaches} → {candidate_breaches}").format(
                metric=cells[0], base=cells[1] or "—", candidate=cells[2] or "—", delta=_(" ({delta})").format(delta=cells[3]) if cells[3] else "",
                base_breaches=cells[4] or "—", candidate_breaches=cells[5] or "—"))
        titles = {m["metric"]: m.get("title", "") for m in impact["metrics"]}
        for row in impact["by_severity"]:
            cells = severity_cells(row, titles)
            lines.append("  " + _("{severity} {metric}: on time {base} → {candidate}{delta}").format(
                severity=cells[0], metric=cells[1], base=cells[2], candidate=cells[3], delta=_(" ({delta})").format(delta=cells[4]) if cells[4] else ""))
        for row in impact["notifications"]["roles"]:
            cells = role_cells(row)
            lines.append("  " + _("notifications to {role}: {base} → {candidate} ({delta})").format(
                role=cells[0], base=cells[1], candidate=cells[2], delta=cells[3]))
        for row in impact["notifications"]["per_year"]:
            lines.append("  " + _("notifications in {year} to {role}: {base} → {candidate} ({delta})").format(
                year=row["year"], role=row["role"], base=row["base"], candidate=row["candidate"], delta=f"{row['delta']:+d}"))
        for row in impact["objectives_at_period"]:
            cells = objective_cells(row, impact["period"])[0]
            lines.append("  " + _("objective {objective} {period} ({target}): {base} → {candidate}").format(
                objective=cells[0], period=cells[1], target=cells[2], base=cells[3], candidate=cells[4]))
    out.write("\n".join(lines) + "\n")


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    """A pull-request comment: a headline, a table per section, and the impact tables."""
    lines = ["## " + _("Policy diff: {headline}").format(headline=md_cell(_headline(doc)))]
    heading = "| | " + " | ".join(_(c) for c in CHANGE_COLUMNS) + " |"
    for section, changes in _sections(doc).items():
        rows = [heading, "|---|---|---|---|",
                *(f"| {_(KINDS.get(c['kind'], c['kind']))} | {md_cell(translated(c['item']))} | {md_cell(_value(c))}"
                  f"{md_cell(' — ' + translated(c['note'])) if c['note'] else ''} | {md_cell(_where(c))} |" for c in changes)]
        title = f"{_(SECTION_TITLES[section])} ({len(changes)})"
        if section in OPEN:
            lines += ["", f"### {title}", "", *rows]
        else:  # folded: a pull-request comment stays readable
            lines += ["", f"<details><summary>{md_cell(title)}</summary>", "", *rows, "", "</details>"]
    if "impact" in doc:
        impact = doc["impact"]
        lines += ["", f"### {_impact_title(impact)}", "", md_cell(_impact_line(impact["summary"], doc))]
        lines += md_table(METRIC_COLUMNS, [metric_cells(m) for m in impact["metrics"]])
        for found in sections(impact):
            table = md_table(found.columns, found.rows)
            if found.columns == PERIOD_COLUMNS:  # folded: one row per role and period
                lines += ["", f"<details><summary>{md_cell(found.title)}</summary>", *table, "", "</details>"]
            else:
                lines += ["", f"#### {md_cell(found.title)}", *table]
        objectives = [objective_cells(row, impact["period"])[0] for row in impact["objectives_at_period"]]
        if objectives:
            lines += md_table(OBJECTIVE_COLUMNS, objectives, objective_headings(OBJECTIVE_COLUMNS))
    out.write("\n".join(lines) + "\n")


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {"text": text, "markdown": markdown, "json": json_document}

"""`diff` output: the semantic changes between two policy versions as text, Markdown (a pull-request
comment) or JSON, with the measured impact on a history when there is one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import IO, Any

from ..review.policydiff import PolicyDiff
from . import plural
from .cells import md_cell
from .encode import pretty
from .impact import PERIOD_COLUMNS, ignored_sentence, role_cells, sections, severity_cells
from .whatif import METRIC_COLUMNS, OBJECTIVE_COLUMNS, counts, md_table, metric_cells, objective_cells

SECTION_TITLES = {
    "policy": "Policy", "calendars": "Calendars", "subjects": "Subjects and duties", "severities": "Severities",
    "tiers": "Service tiers", "roles": "Roles", "attributes": "Attributes", "events": "Events", "statuses": "Statuses",
    "metrics": "Metrics", "targets": "Effective targets (first matching rule, per severity × tier)",
    "rules": "Target rules", "escalations": "Escalations", "objectives": "Objectives", "notices": "Notices",
    "invariants": "Invariants", "routing": "Routing", "correlations": "Correlations", "penalties": "Penalties",
    "decisions": "Decisions between clauses", "periods": "Date periods", "lookups": "Lookup tables (priority matrix)",
    "builtins": "Built-in behaviour cited",
    "availability": "Availability", "credits": "Service credits", "credit_limits": "Limits on credits",
}

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
    told = "no semantic change" if doc["equal"] else plural(len(doc["changes"]), "change")
    return f"{o['policy']} {o['version']} → {n['policy']} {n['version']}: {told}"


def _value(change: dict[str, Any]) -> str:
    """The value added or removed, or `before → after`."""
    if change["kind"] == "added" and change["old"] in (None, "none"):
        return str(change["new"])
    if change["kind"] == "removed" and change["new"] in (None, "none"):
        return str(change["old"])
    return f"{change['old'] or '—'} → {change['new'] or '—'}"


def _where(change: dict[str, Any]) -> str:
    return " → ".join(filter(None, (change["old_at"], change["new_at"])))


def _impact_line(s: dict[str, Any], doc: dict[str, Any]) -> str:
    """The counts, the clocks changing between met and breached, and the events a version ignored."""
    named = {**doc["impact"], "base": doc["old"], "candidate": doc["new"]}
    ignored = ignored_sentence(named)
    return (f"{counts(named)}; {plural(s['clocks_changed'], 'clock')} {'changes' if s['clocks_changed'] == 1 else 'change'} "
            f"between met and breached" + (f"; {ignored}" if ignored else ""))


def text(doc: dict[str, Any], out: IO[str]) -> None:
    lines = [_headline(doc)]
    for section, changes in _sections(doc).items():
        lines += ["", SECTION_TITLES[section]]
        for c in changes:
            lines.append(f"  {c['kind']:<8} {c['item']}: {_value(c)}  ({_where(c)})")
            if c["note"]:
                lines.append(f"           {c['note']}")
    if "impact" in doc:
        impact = doc["impact"]
        lines += ["", f"Impact on the history (per {impact['period']})", f"  {_impact_line(impact['summary'], doc)}"]
        for m in impact["metrics"]:
            cells = metric_cells(m)
            lines.append(f"  {cells[0]}: on time {cells[1] or '—'} → {cells[2] or '—'}{' (' + cells[3] + ')' if cells[3] else ''}, "
                         f"breaches {cells[4] or '—'} → {cells[5] or '—'}")
        titles = {m["metric"]: m.get("title", "") for m in impact["metrics"]}
        for row in impact["by_severity"]:
            cells = severity_cells(row, titles)
            lines.append(f"  {cells[0]} {cells[1]}: on time {cells[2]} → {cells[3]}{' (' + cells[4] + ')' if cells[4] else ''}")
        for row in impact["notifications"]["roles"]:
            cells = role_cells(row)
            lines.append(f"  notifications to {cells[0]}: {cells[1]} → {cells[2]} ({cells[3]})")
        for row in impact["notifications"]["per_year"]:
            lines.append(f"  notifications in {row['year']} to {row['role']}: {row['base']} → {row['candidate']} ({row['delta']:+d})")
        for row in impact["objectives_at_period"]:
            cells, _ = objective_cells(row, impact["period"])
            lines.append(f"  objective {cells[0]} {cells[1]} ({cells[2]}): {cells[3]} → {cells[4]}")
    out.write("\n".join(lines) + "\n")


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    """A pull-request comment: a headline, a table per section, and the impact tables."""
    lines = [f"## Policy diff: {md_cell(_headline(doc))}"]
    for section, changes in _sections(doc).items():
        rows = ["| | what | change | where |", "|---|---|---|---|",
                *(f"| {c['kind']} | {md_cell(c['item'])} | {md_cell(_value(c))}{md_cell(' — ' + c['note']) if c['note'] else ''} "
                  f"| {md_cell(_where(c))} |" for c in changes)]
        title = f"{SECTION_TITLES[section]} ({len(changes)})"
        if section in OPEN:
            lines += ["", f"### {title}", "", *rows]
        else:  # folded: a pull-request comment stays readable
            lines += ["", f"<details><summary>{md_cell(title)}</summary>", "", *rows, "", "</details>"]
    if "impact" in doc:
        impact = doc["impact"]
        lines += ["", f"### Impact on the history (per {impact['period']})", "", md_cell(_impact_line(impact["summary"], doc))]
        lines += md_table(METRIC_COLUMNS, [metric_cells(m) for m in impact["metrics"]])
        for found in sections(impact):
            table = md_table(found.columns, found.rows)
            if found.columns == PERIOD_COLUMNS:  # folded: one row per role and period
                lines += ["", f"<details><summary>{md_cell(found.title)}</summary>", *table, "", "</details>"]
            else:
                lines += ["", f"#### {md_cell(found.title)}", *table]
        objectives = [objective_cells(row, impact["period"])[0] for row in impact["objectives_at_period"]]
        if objectives:
            lines += md_table(OBJECTIVE_COLUMNS, objectives)
    out.write("\n".join(lines) + "\n")


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {"text": text, "markdown": markdown, "json": json_document}

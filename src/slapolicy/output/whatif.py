"""`whatif` output: the comparison document (JSON), Markdown, and terminal tables."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import IO, Any

from ..i18n import N_, _, ngettext
from ..kpi.measured import metric_unmeasured
from ..kpi.objectives import ObjectiveResult, objective_results, summarise
from ..kpi.report import Report, rate
from ..kpi.whatif import ComparisonData
from ..policy.model import Policy
from . import rich_console, subjects_of, word_table
from .cells import clocks_text, md_cell, named, objective_headings, pct, points, threshold, verdict, verdict_fields
from .encode import Encoder, pretty
from .html import card_row, tables_page
from .impact import PERIOD_COLUMNS, by_severity, ignored, ignored_sentence, notifications, sections


def _totals(report: Report) -> dict[str, dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for group in report.groups.values():
        for name, stats in group.metrics.items():
            t = totals.setdefault(name, {"clocks": 0, "met": 0, "breached": 0})
            t["clocks"] += stats.clocks
            t["met"] += stats.statuses[0]
            t["breached"] += stats.statuses[1]
    for t in totals.values():
        t["on_time_rate"] = rate(t["met"], t["met"] + t["breached"])
    return totals


def document(data: ComparisonData, base: Policy, candidate: Policy) -> dict[str, Any]:
    base_totals, cand_totals = _totals(data.base), _totals(data.candidate)
    metrics = []
    for name in [*base.metrics, *(m for m in candidate.metrics if m not in base.metrics)]:
        if name not in base_totals and name not in cand_totals:
            continue
        x, y = (_measured(totals.get(name), policy, report, name)
                for totals, policy, report in ((base_totals, base, data.base), (cand_totals, candidate, data.candidate)))
        rx, ry = (x or {}).get("on_time_rate"), (y or {}).get("on_time_rate")
        title = next((p.metrics[name].title for p in (candidate, base) if name in p.metrics and p.metrics[name].title), "")
        metrics.append({"metric": name, **({"title": title} if title else {}), "base": x, "candidate": y,
                        "delta_on_time_rate": round(ry - rx, 6) if rx is not None and ry is not None else None})
    rows_b = {(r.objective.id, r.period): r for r in objective_results(data.base, [base])}
    rows_c = {(r.objective.id, r.period): r for r in objective_results(data.candidate, [candidate])}
    objectives = []
    for key in sorted(rows_b.keys() | rows_c.keys()):
        rb, rc = rows_b.get(key), rows_c.get(key)
        objectives.append({"objective": key[0], "period": key[1], **_side("base", rb), **_side("candidate", rc)})
    encoder = Encoder()
    changed: list[dict[str, Any]] = []
    for ch in data.differences.changed:
        if ch.metric is None:
            changed.append({"id": ch.id, "line": ch.line, "base": ch.base, "candidate": ch.candidate})
        else:
            assert ch.base_tz is not None and ch.candidate_tz is not None
            changed.append({"id": ch.id, "metric": ch.metric, "cycle": ch.cycle, "base": ch.base, "candidate": ch.candidate,
                            "base_due": encoder.iso(ch.base_due, ch.base_tz),
                            "candidate_due": encoder.iso(ch.candidate_due, ch.candidate_tz)})
    d = data.differences
    kinds = sorted({key[1] for report in (data.base, data.candidate) for key in report.groups})  # of the subjects replayed
    return {
        "base": {"policy": base.id, "version": base.version, "source": base.source},
        "candidate": {"policy": candidate.id, "version": candidate.version, "source": candidate.source},
        "period": data.base.period,
        "summary": {"tickets": data.base.tickets, **({"kinds": kinds} if set(kinds) - {"ticket"} else {}), "replayed_base": data.base.simulated, "rejected_base": data.base.rejected,
                    "replayed_candidate": data.candidate.simulated, "rejected_candidate": data.candidate.rejected,
                    "changed_outcomes": d.count, "clocks_changed": d.clocks,
                    "tickets_rejected_only_in_base": d.rejected_only_base,
                    "tickets_rejected_only_in_candidate": d.rejected_only_candidate,
                    "clocks_only_in_candidate": d.only_candidate, "clocks_only_in_base": d.only_base,
                    "not_yet_created_base": data.base.later, "not_yet_created_candidate": data.candidate.later,
                    "not_governed_base": data.base.ungoverned, "not_governed_candidate": data.candidate.ungoverned,
                    "ignored_base": ignored(data.base_load), "ignored_candidate": ignored(data.candidate_load)},
        "metrics": metrics,
        "by_severity": by_severity(data, base, candidate),
        "notifications": notifications(data, base, candidate),
        "objectives": objectives,
        "objectives_at_period": _at_period(data, base, candidate),
        "changed": changed,
    }


def _measured(totals: dict[str, Any] | None, policy: Policy, report: Report, name: str) -> dict[str, Any] | None:
    """A metric's totals under one version; only its clocks, and why, where the replayed history holds no event that
    stops it (its met and breached would say nothing)."""
    why = metric_unmeasured(policy.metrics[name], report.event_types) if totals and name in policy.metrics else None
    return {"clocks": totals["clocks"], "not_measured": why} if totals and why else totals


def _side(name: str, r: ObjectiveResult | None) -> dict[str, Any]:
    """One version's value and verdict of an objective in a period (an infinite value, JSON has none, marked so)."""
    infinite = r is not None and r.value is not None and math.isinf(r.value)
    return {name: None if r is None or infinite else r.value, **({f"{name}_infinite": True} if infinite else {}),
            f"{name}_met": None if r is None else r.met,
            **({f"{name}_not_measured": r.unmeasured} if r is not None and r.unmeasured else {})}


def _at_period(data: ComparisonData, base: Policy, candidate: Policy) -> list[dict[str, Any]]:
    """Both versions' objectives at the comparison's period, side by side (one line per objective never measured)."""
    sides = [{(r.objective.id, r.period): r for r in summarise(objective_results(report, [policy]), report.period)}
             for report, policy in ((data.base, base), (data.candidate, candidate))]
    order = [*dict.fromkeys([*sides[0], *sides[1]])]
    rows = []
    for key in order:
        found = [side.get(key) for side in sides]
        objective = next(r.objective for r in found if r is not None)
        description = next((r.objective.description for r in reversed(found) if r is not None and r.objective.description), "")
        row: dict[str, Any] = {"objective": key[0], **({"description": description} if description else {}),
                               "measure": objective.measure, "own_period": objective.period, "period": key[1] or None}
        for name, r in zip(("base", "candidate"), found):
            row[name] = None if r is None else {**verdict_fields(r), "measured": r.measured, "periods": r.periods,
                                                "missed": r.missed}
        rows.append(row)
    return rows


def counts(doc: dict[str, Any]) -> str:
    """6 tickets: 3 replayed, 3 rejected (and those created after --as-of, apart: not yet created is no
    rejection); said per version when the versions disagree (also the stderr line)."""
    s, b, c = doc["summary"], doc["base"], doc["candidate"]
    sides = [(s[f"replayed_{v}"], s[f"rejected_{v}"], s[f"not_yet_created_{v}"], s.get(f"not_governed_{v}", 0))
             for v in ("base", "candidate")]

    def told(n: int, r: int, later: int, ungoverned: int) -> str:
        return (_("{replayed} replayed, {rejected} rejected").format(replayed=n, rejected=r)
                + (_(", {count} not yet created").format(count=later) if later else "")
                + (_(", {count} of a kind it does not govern").format(count=ungoverned) if ungoverned else ""))

    if sides[0] == sides[1]:
        said = told(*sides[0])
    else:
        said = _("; ").join(_("under {version} {counts}").format(version=v["version"], counts=told(*side)) for v, side in zip((b, c), sides))
    return _("{subjects}: {counts}").format(subjects=subjects_of(s["tickets"], s.get("kinds", ())), counts=said)


def _summary(doc: dict[str, Any]) -> str:
    """The counts line, then the changed outcomes by kind: clocks between met and breached, tickets rejected
    under one version only (said only when there are any), clocks only one version has."""
    s = doc["summary"]
    changed = s["clocks_changed"]
    parts = [changed_clocks(changed)]
    for key, side in (("tickets_rejected_only_in_base", "base"), ("tickets_rejected_only_in_candidate", "candidate")):
        if s[key]:
            parts.append(_("{tickets} rejected only under {version}").format(tickets=subjects_of(s[key], s.get("kinds", ())), version=doc[side]["version"]))
    parts.append(_("{clocks} only in the candidate, {count} only in the base").format(
        clocks=clocks_text(s["clocks_only_in_candidate"]), count=s["clocks_only_in_base"]))
    parts += filter(None, [ignored_sentence(doc)])
    return _("{counts}. {changes}.").format(counts=counts(doc), changes=_("; ").join(parts))


def changed_clocks(n: int) -> str:
    """10 clocks change between met and breached."""
    return ngettext("{count} clock changes between met and breached", "{count} clocks change between met and breached", n).format(count=n)


METRIC_COLUMNS = (N_("metric"), N_("base on time"), N_("candidate on time"), N_("delta"), N_("base breaches"), N_("candidate breaches"))
OBJECTIVE_COLUMNS = (N_("objective"), N_("period"), N_("target"), N_("base"), N_("candidate"))
CHANGE_COLUMNS = (N_("ticket"), N_("metric"), N_("cycle"), N_("base"), N_("candidate"), N_("base due"), N_("candidate due"))


def metric_cells(m: dict[str, Any]) -> list[str]:
    x, y = m["base"] or {}, m["candidate"] or {}
    on_time = [_("not measured") if "not_measured" in side else pct(side.get("on_time_rate")) for side in (x, y)]
    return [named(m["metric"], m.get("title")), *on_time, points(m["delta_on_time_rate"]), str(x.get("breached", "")),
            str(y.get("breached", ""))]


def objective_cells(row: dict[str, Any], period: str) -> tuple[list[str], list[bool | None]]:
    """An objective's cells (value and result under each version) and whether each version met it."""
    targets = dict.fromkeys(threshold({**row, **side}) for side in (row["base"], row["candidate"]) if side is not None)
    cells = [named(row["objective"], row.get("description")), row["period"] or "—", " → ".join(targets)]
    met: list[bool | None] = []
    for side in (row["base"], row["candidate"]):
        if side is None:
            cells.append(_("not in this version"))
            met.append(None)
            continue
        value, result = verdict(row, side, period)
        cells.append(value if side.get("not_measured") or side["met"] is None else _("{value}: {result}").format(value=value, result=result))
        met.append(side["met"])
    return cells, met


def _change_cells(ch: dict[str, Any], short: bool) -> list[str]:
    def due(iso: str | None) -> str:
        return "" if iso is None else (iso[:16].replace("T", " ") if short else iso)

    return [str(ch["id"]), ch.get("metric", ""), str(ch.get("cycle", "")), ch["base"], ch["candidate"], due(ch.get("base_due")),
            due(ch.get("candidate_due"))]


def md_table(columns: tuple[str, ...], rows: list[list[str]], headings: list[str] | None = None) -> list[str]:
    """A Markdown table, its column headings in the reader's language (`headings`: already translated)."""
    return ["", "| " + " | ".join(headings or [_(c) for c in columns]) + " |", "|" + "---|" * len(columns),
            *("| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows)]


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    b, c = doc["base"], doc["candidate"]
    title = _("What if: {policy} {base} → {candidate}").format(policy=md_cell(b["policy"]), base=md_cell(b["version"]),
                                                               candidate=md_cell(c["version"]))
    lines = [f"# {title}", "", md_cell(_summary(doc))]
    lines += md_table(METRIC_COLUMNS, [metric_cells(m) for m in doc["metrics"]])
    for section in sections(doc):
        lines += ["", f"## {section.title}", *md_table(section.columns, section.rows)]
    objectives = []
    for row in doc["objectives_at_period"]:
        cells, met = objective_cells(row, doc["period"])
        objectives.append([*cells[:3], *(f"**{v}**" if m is False else v for v, m in zip(cells[3:], met))])
    if objectives:
        lines += ["", _("## Objectives"), *md_table(OBJECTIVE_COLUMNS, objectives, objective_headings(OBJECTIVE_COLUMNS))]
    if doc["changed"]:
        lines += ["", _("## Changed outcomes"), *md_table(CHANGE_COLUMNS, [_change_cells(ch, False) for ch in doc["changed"]])]
    out.write("\n".join(lines) + "\n")


def table(doc: dict[str, Any], out: IO[str]) -> None:
    from rich.markup import escape

    console = rich_console(out)
    b, c = doc["base"], doc["candidate"]
    console.print(f"[bold]{escape(b['policy'])}[/] {escape(b['version'])} → {escape(c['version'])}")
    console.print(escape(_summary(doc)))
    console.print()
    console.print(word_table(console.width, _("metrics"), [_(c) for c in METRIC_COLUMNS], [metric_cells(m) for m in doc["metrics"]],
                             right=range(1, len(METRIC_COLUMNS))))
    for section in sections(doc):
        console.print()
        console.print(word_table(console.width, section.title.lower(), [_(c) for c in section.columns], section.rows,
                                 right=section.right))
    rows, styles = [], []
    for row in doc["objectives_at_period"]:
        cells, met = objective_cells(row, doc["period"])
        rows.append(cells)
        styles.append({3 + i: "green" if m else ("bold red" if m is False else "") for i, m in enumerate(met)})
    if rows:
        console.print()
        console.print(word_table(console.width, _(N_("objectives")), objective_headings(OBJECTIVE_COLUMNS), rows, styles))
    if doc["changed"]:
        console.print()
        console.print(word_table(console.width, _("changed outcomes"), [_(c) for c in CHANGE_COLUMNS],
                                 [_change_cells(ch, True) for ch in doc["changed"]]))


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


def html_page(doc: dict[str, Any], out: IO[str]) -> None:
    """The comparison as a page in the command's language: a card per role with its notifications under both versions,
    then the tables."""
    b, c = doc["base"], doc["candidate"]
    cards = card_row((_("notifications to {role}").format(role=named(r["role"], r.get("title"))),
                      f"{r['base']} → {r['candidate']} ({r['delta']:+d})",
                      "bad" if r["delta"] > 0 else ("good" if r["delta"] < 0 else "")) for r in doc["notifications"]["roles"])
    found = [(N_("Metrics"), METRIC_COLUMNS, [metric_cells(m) for m in doc["metrics"]], False),
             *((s.title, s.columns, s.rows, s.columns == PERIOD_COLUMNS) for s in sections(doc)),
             (N_("Objectives"), OBJECTIVE_COLUMNS, [objective_cells(row, doc["period"])[0] for row in doc["objectives_at_period"]], False),
             (N_("Changed outcomes"), CHANGE_COLUMNS, [_change_cells(ch, True) for ch in doc["changed"]], True)]
    title = _("What if: {policy} {base} → {candidate}").format(policy=b["policy"], base=b["version"], candidate=c["version"])
    out.write(tables_page(title, _summary(doc), cards, [(_(heading), [_(column) for column in columns], rows, folded)
                                                         for heading, columns, rows, folded in found]))


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {
    "json": json_document, "markdown": markdown, "table": table, "html": html_page}

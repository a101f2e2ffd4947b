"""`whatif` output: the comparison document (JSON), Markdown, and a plain-text table."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from ..model import Policy
from ..report import Report, objective_results, rate
from ..whatif import ComparisonData
from .encode import Encoder, pretty
from .report import md_cell, pct


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
        x, y = base_totals.get(name), cand_totals.get(name)
        rx, ry = (x or {}).get("on_time_rate"), (y or {}).get("on_time_rate")
        metrics.append({"metric": name, "base": x, "candidate": y,
                        "delta_on_time_rate": round(ry - rx, 6) if rx is not None and ry is not None else None})
    rows_b = {(r.objective.id, r.period): r for r in objective_results(data.base, base.objectives)}
    rows_c = {(r.objective.id, r.period): r for r in objective_results(data.candidate, candidate.objectives)}
    objectives = []
    for key in sorted(rows_b.keys() | rows_c.keys()):
        rb, rc = rows_b.get(key), rows_c.get(key)
        objectives.append({"objective": key[0], "period": key[1],
                           "base": rb.value if rb else None, "base_met": rb.met if rb else None,
                           "candidate": rc.value if rc else None, "candidate_met": rc.met if rc else None})
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
    return {
        "base": {"policy": base.id, "version": base.version, "source": base.source},
        "candidate": {"policy": candidate.id, "version": candidate.version, "source": candidate.source},
        "summary": {"tickets": data.base.tickets, "rejected_base": data.base.rejected,
                    "rejected_candidate": data.candidate.rejected, "changed_outcomes": d.count,
                    "clocks_only_in_candidate": d.only_candidate, "clocks_only_in_base": d.only_base},
        "metrics": metrics,
        "objectives": objectives,
        "changed": changed,
    }


def _render(doc: dict[str, Any], markdown: bool) -> str:
    b, c = doc["base"], doc["candidate"]
    versions = f"{md_cell(b['version'])} → {md_cell(c['version'])}"
    out = [f"# What if: {md_cell(b['policy'])} {versions}" if markdown else f"{md_cell(b['policy'])}: {versions}", ""]
    s = doc["summary"]
    out.append(f"{s['tickets']} tickets replayed; {s['changed_outcomes']} clocks change between met and breached; "
               f"{s['clocks_only_in_candidate']} clocks only in the candidate, {s['clocks_only_in_base']} only in the base.")
    out += ["", "| metric | base on time | candidate on time | delta | base breaches | candidate breaches |", "|---|---|---|---|---|---|"]
    for m in doc["metrics"]:
        x, y = m["base"] or {}, m["candidate"] or {}
        delta = "" if m["delta_on_time_rate"] is None else f"{m['delta_on_time_rate'] * 100:+.1f} pt"
        out.append(f"| {md_cell(m['metric'])} | {pct(x.get('on_time_rate'))} | {pct(y.get('on_time_rate'))} | {delta} "
                   f"| {x.get('breached', '')} | {y.get('breached', '')} |")
    if doc["changed"]:
        out += ["", "| ticket | metric | cycle | base | candidate | base due | candidate due |", "|---|---|---|---|---|---|---|"]
        for ch in doc["changed"]:
            out.append(f"| {md_cell(ch['id'])} | {md_cell(ch.get('metric', ''))} | {ch.get('cycle', '')} | {ch['base']} | {ch['candidate']} "
                       f"| {ch.get('base_due') or ''} | {ch.get('candidate_due') or ''} |")
    return "\n".join(out) + "\n"


def json_document(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(pretty(doc).decode("utf-8") + "\n")


def markdown(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(_render(doc, True))


def table(doc: dict[str, Any], out: IO[str]) -> None:
    out.write(_render(doc, False))


FORMATTERS: dict[str, Callable[[dict[str, Any], IO[str]], None]] = {"json": json_document, "markdown": markdown, "table": table}

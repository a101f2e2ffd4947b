"""Replay one history under two policy versions: KPI deltas and the tickets whose outcome changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .model import Policy
from .report import Aggregator, objective_rows


def _totals(agg: Aggregator) -> dict[str, dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for group in agg.report.groups.values():
        for name, stats in group.metrics.items():
            t = totals.setdefault(name, {"clocks": 0, "met": 0, "breached": 0})
            t["clocks"] += sum(stats.statuses.values())
            t["met"] += stats.statuses["met"]
            t["breached"] += stats.statuses["breached"]
    for t in totals.values():
        decided = t["met"] + t["breached"]
        t["on_time_rate"] = round(t["met"] / decided, 6) if decided else None
    return totals


def compare(
    base: Policy, candidate: Policy, pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]], period: str, limit: int,
) -> dict[str, Any]:
    """`pairs` are the same ticket's results under base and candidate, in input order."""
    aggs = (Aggregator([base], period, ()), Aggregator([candidate], period, ()))
    changed: list[dict[str, Any]] = []
    changed_count = 0
    appeared = disappeared = 0  # clocks only one version has (a metric it adds or drops)
    for a, b in pairs:
        aggs[0].add(a)
        aggs[1].add(b)
        if a["status"] != "ok" or b["status"] != "ok":
            if a["status"] != b["status"]:
                changed_count += 1
                if len(changed) < limit:
                    changed.append({"id": a["id"], "line": a.get("line"), "base": a["status"], "candidate": b["status"]})
            continue
        before = {(c["metric"], c["cycle"]): c for c in a["clocks"]}
        after = {(c["metric"], c["cycle"]): c for c in b["clocks"]}
        for key in sorted(before.keys() | after.keys()):
            x, y = before.get(key), after.get(key)
            if x is None or y is None:
                appeared += x is None
                disappeared += y is None
                continue
            sx, sy = x["status"], y["status"]
            if sx != sy and {sx, sy} <= {"met", "breached"}:
                changed_count += 1
                if len(changed) < limit:
                    changed.append({"id": a["id"], "metric": key[0], "cycle": key[1], "base": sx, "candidate": sy,
                                    "base_due": x["due_at"], "candidate_due": y["due_at"]})
    base_totals, cand_totals = _totals(aggs[0]), _totals(aggs[1])
    metrics = []
    for name in [*base.metrics, *(m for m in candidate.metrics if m not in base.metrics)]:
        if name not in base_totals and name not in cand_totals:
            continue
        x, y = base_totals.get(name), cand_totals.get(name)
        rx, ry = (x or {}).get("on_time_rate"), (y or {}).get("on_time_rate")
        metrics.append({"metric": name, "base": x, "candidate": y,
                        "delta_on_time_rate": round(ry - rx, 6) if rx is not None and ry is not None else None})
    objectives = []
    rows_b = {(r["objective"], r["period"]): r for r in objective_rows(aggs[0].report, base)}
    rows_c = {(r["objective"], r["period"]): r for r in objective_rows(aggs[1].report, candidate)}
    for key in sorted(rows_b.keys() | rows_c.keys()):
        rb, rc = rows_b.get(key), rows_c.get(key)
        objectives.append({"objective": key[0], "period": key[1],
                           "base": rb["value"] if rb else None, "base_met": rb["met"] if rb else None,
                           "candidate": rc["value"] if rc else None, "candidate_met": rc["met"] if rc else None})
    return {
        "base": {"policy": base.id, "version": base.version, "source": base.source},
        "candidate": {"policy": candidate.id, "version": candidate.version, "source": candidate.source},
        "summary": {"tickets": aggs[0].report.simulated + aggs[0].report.rejected,
                    "rejected_base": aggs[0].report.rejected, "rejected_candidate": aggs[1].report.rejected,
                    "changed_outcomes": changed_count, "clocks_only_in_candidate": appeared,
                    "clocks_only_in_base": disappeared},
        "metrics": metrics,
        "objectives": objectives,
        "changed": changed,
    }

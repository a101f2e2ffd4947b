"""What a manager asks of a changed target, from a `whatif` replay: on-time rates per severity and metric
under both versions, with their denominators, and the escalation notifications each role is sent under
each (per period and per year of sending), with the difference; and what each version ignored."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..i18n import N_, _, ngettext
from ..kpi.report import Report, rate
from ..kpi.whatif import ComparisonData, Load
from ..policy.model import Policy
from . import tickets_text
from .cells import named, pct, points


def by_severity(data: ComparisonData, base: Policy, candidate: Policy) -> list[dict[str, Any]]:
    """Per severity (as the ticket ended) and metric, each version's met and breached clocks and on-time rate,
    in the versions' order of severities and metrics; none when neither version grades tickets by severity."""
    sides = [_decided(data.base), _decided(data.candidate)]
    severities = [*dict.fromkeys([*base.severities, *candidate.severities])]
    if not severities:
        return []
    metrics = [*dict.fromkeys([*base.metrics, *candidate.metrics])]
    rows = []
    for severity in severities:
        for metric in metrics:
            x, y = (_decided_side(*side.get((severity, metric), (0, 0))) for side in sides)
            if x is None and y is None:  # no clock met or breached (an untimed metric, or none of this severity)
                continue
            delta = None if x is None or y is None else round(y["on_time_rate"] - x["on_time_rate"], 6)
            rows.append({"severity": severity, "metric": metric, "base": x, "candidate": y, "delta_on_time_rate": delta})
    return rows


def _decided_side(met: int, breached: int) -> dict[str, Any] | None:
    return {"met": met, "breached": breached, "on_time_rate": rate(met, met + breached)} if met + breached else None


def _decided(report: Report) -> dict[tuple[str, str], tuple[int, int]]:
    """(severity, metric) -> (met, breached) over every period of a report grouped by severity."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for key, group in report.groups.items():
        severity = key[2]
        for metric, stats in group.metrics.items():
            met, breached = found.get((severity, metric), (0, 0))
            found[(severity, metric)] = (met + stats.statuses[0], breached + stats.statuses[1])
    return found


def notifications(data: ComparisonData, base: Policy, candidate: Policy) -> dict[str, Any]:
    """Escalation notifications per role under each version: in all, per year and per period of sending."""
    loads = (data.base_load, data.candidate_load)
    roles = [*dict.fromkeys([*base.roles, *candidate.roles, *sorted({r for load in loads for _, r in load.yearly})])]
    titles = {r: next((p.roles[r].name for p in (candidate, base) if r in p.roles and p.roles[r].name), "") for r in roles}

    def rows(field: str, name: str) -> list[dict[str, Any]]:
        counted = [getattr(load, field) for load in loads]
        keys = sorted({k for c in counted for k, _ in c})
        return [{name: key, "role": role, "base": counted[0][(key, role)], "candidate": counted[1][(key, role)],
                 "delta": counted[1][(key, role)] - counted[0][(key, role)]}
                for key in keys for role in roles if counted[0][(key, role)] or counted[1][(key, role)]]

    totals = [{"role": r, **({"title": titles[r]} if titles[r] else {}), "base": _total(loads[0], r),
               "candidate": _total(loads[1], r), "delta": _total(loads[1], r) - _total(loads[0], r)}
              for r in roles if _total(loads[0], r) or _total(loads[1], r)]
    return {"roles": totals, "per_year": rows("yearly", "year"), "per_period": rows("notified", "period")}


def _total(load: Load, role: str) -> int:
    return sum(n for (_, r), n in load.yearly.items() if r == role)


def ignored(load: Load) -> dict[str, Any]:
    """The events a version ignored, of types only the other version declares: per type, and the tickets."""
    return {"tickets": load.ignoring, "events": dict(sorted(load.ignored.items(), key=lambda kv: (-kv[1], kv[0])))}


def ignored_sentence(doc: dict[str, Any]) -> str:
    """Under 2024.1, 604 events of 5 types it does not declare were ignored (300 tickets): remote_diagnosis 299, …"""
    said = []
    for side in ("base", "candidate"):
        found = doc["summary"][f"ignored_{side}"]
        if found["events"]:
            kinds = ", ".join(f"{t} {n}" for t, n in found["events"].items())
            events = sum(found["events"].values())
            said.append(ngettext("under {version}, {count} event of types only the other version declares was ignored ({tickets}): {kinds}",
                                 "under {version}, {count} events of types only the other version declares were ignored ({tickets}): {kinds}",
                                 events).format(version=doc[side]["version"], count=events, tickets=tickets_text(found["tickets"]), kinds=kinds))
    return _("; ").join(said)


SEVERITY_COLUMNS = (N_("severity"), N_("metric"), N_("base on time"), N_("candidate on time"), N_("delta"))
ROLE_COLUMNS = (N_("role"), N_("base"), N_("candidate"), N_("change"))
YEAR_COLUMNS = (N_("year"), N_("role"), N_("base"), N_("candidate"), N_("change"))
PERIOD_COLUMNS = (N_("period"), N_("role"), N_("base"), N_("candidate"), N_("change"))


def severity_cells(row: dict[str, Any], titles: dict[str, str]) -> list[str]:
    """A severity and metric's on-time rates with their denominators: 97.4% (304 of 312)."""
    def side(s: dict[str, Any] | None) -> str:
        return "—" if s is None else _("{rate} ({met} of {clocks})").format(rate=pct(s["on_time_rate"]), met=s["met"],
                                                                             clocks=s["met"] + s["breached"])

    return [row["severity"], named(row["metric"], titles.get(row["metric"])), side(row["base"]), side(row["candidate"]),
            points(row["delta_on_time_rate"])]


def role_cells(row: dict[str, Any]) -> list[str]:
    return [named(row["role"], row.get("title")), str(row["base"]), str(row["candidate"]), f"{row['delta']:+d}"]


def count_cells(row: dict[str, Any], key: str) -> list[str]:
    return [row[key], row["role"], str(row["base"]), str(row["candidate"]), f"{row['delta']:+d}"]


class Section(NamedTuple):
    """One table of the impact: its title (in the reader's language), columns (their catalog ids), rows, and the
    columns set to the right (numbers)."""

    title: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    right: range


def sections(doc: dict[str, Any]) -> list[Section]:
    """The impact's tables that have rows: on time per severity, notifications per role, per year, per period."""
    titles = {m["metric"]: m.get("title", "") for m in doc["metrics"]}
    load = doc["notifications"]
    found = [Section(_("On time per severity"), SEVERITY_COLUMNS, [severity_cells(r, titles) for r in doc["by_severity"]], range(2, 5)),
             Section(_("Notifications per role"), ROLE_COLUMNS, [role_cells(r) for r in load["roles"]], range(1, 4)),
             Section(_("Notifications per role and year"), YEAR_COLUMNS, [count_cells(r, "year") for r in load["per_year"]], range(2, 5)),
             Section(_("Notifications per role and {period}").format(period=_(doc["period"])), PERIOD_COLUMNS,
                     [count_cells(r, "period") for r in load["per_period"]] if doc["period"] != "year" else [], range(2, 5))]
    return [s for s in found if s.rows]  # per year once, when the period is the year

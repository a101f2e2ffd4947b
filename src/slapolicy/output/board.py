"""`slapolicy due` and the live board: the open subjects and their clocks as a JSON document (what a
service's GET /tickets serves and the board page draws), a terminal table and CSV rows of the
clocks falling due, soonest first.

The document (docs/simulate.md, "Which open tickets breach soon?"):
`{as_of, today: {from, to}, within_seconds, summary, tickets: [{id, kind?, policy, policy_version,
created_at, severity, tier, group, assignee, left_seconds, clocks: [{metric, title, cycle, target,
calendar, started_at, due_at, left_seconds, status, paused, rule, clauses, choice?}]}],
breaches_today: [...], escalations_today: [...], rejected: [...]}`; names in the policy's words
and in English (`{id, zh, en}`), instants in ISO-8601 with their zone's offset.
"""

from __future__ import annotations

import csv
import io
from typing import IO, Any
from zoneinfo import ZoneInfo

from ..calendar.durations import format_seconds
from ..i18n import N_, _, ngettext
from ..kpi.board import HOUR, Board, Name, OpenClock, OpenSubject, Who
from . import rich_console, subjects_of, word_table
from .cells import csv_safe
from .encode import Encoder, number

CSV_COLUMNS = ("id", "severity", "metric", "cycle", "due_at", "left_seconds", "status", "paused", "rule", "clauses", "choice",
               "group", "assignee")


def board_document(board: Board, within: float | None = None) -> dict[str, Any]:
    """The board as JSON data: every open subject with its open clocks (with `within`, only the clocks
    that run and fall due by as_of + within, and their subjects), soonest first."""
    iso = _Instants()
    as_of, (start, end) = board.as_of, board.today
    policy_zone = str(board.zone)
    listed = board.due(within)
    if within is None:
        tickets = [(s, list(s.clocks)) for s in board.ordered()]
    else:
        chosen: dict[str, tuple[OpenSubject, list[OpenClock]]] = {}
        for subject, clock in listed:
            chosen.setdefault(subject.id, (subject, []))[1].append(clock)
        tickets = list(chosen.values())
    running = [c for _, c in board.due() if not c.paused]
    return {
        "as_of": iso(as_of, policy_zone),
        "today": {"from": iso(start, policy_zone), "to": iso(end, policy_zone)},
        "within_seconds": None if within is None else number(within),
        "summary": {
            "replayed": board.replayed,
            **({"kinds": sorted(board.kinds)} if board.kinds - {"ticket"} else {}),
            "rejected": len(board.rejected),
            **({"not_yet_created": board.later} if board.later else {}),
            "open": len(board.subjects),
            "clocks": sum(len(s.clocks) for s in board.subjects),
            "overdue": sum(c.due <= as_of for c in running),
            "next_hour": sum(as_of < c.due <= as_of + HOUR for c in running),
            "rest_of_today": sum(as_of + HOUR < c.due < end for c in running),
            "paused": sum(c.paused for s in board.subjects for c in s.clocks),
            "breaches_today": len(board.breaches),
            "escalations_today": len(board.escalations),
        },
        "tickets": [_subject(s, clocks, as_of, iso) for s, clocks in tickets],
        "breaches_today": [{**_who(b.subject), "metric": b.metric, "cycle": b.cycle, "at": iso(b.at, b.zone), "rule": b.rule,
                            "clauses": list(b.clauses), "open": b.open}
                           for b in sorted(board.breaches, key=lambda b: (b.at, b.subject.id, b.metric))],
        "escalations_today": [{**_who(e.subject), "metric": e.metric, "cycle": e.cycle, "step": e.step,
                               **({"step_id": e.step_id} if e.step_id else {}), **({"repeat": e.repeat} if e.repeat else {}),
                               "at": iso(e.at, e.zone), "notify": list(e.notify), "rule": e.rule, "clauses": list(e.clauses)}
                              for e in sorted(board.escalations, key=lambda e: (e.at, e.subject.id, e.metric, e.step))],
        "rejected": [{"id": r.id, "line": r.line, "errors": [{"code": x.code, "message": x.message} for x in r.reasons]}
                     for r in board.rejected],
    }


class _Instants:
    """ISO-8601 texts of instants in named zones, through the encoder's cache."""

    def __init__(self) -> None:
        self.encoder = Encoder()
        self.zones: dict[str, ZoneInfo] = {}

    def __call__(self, t: float, zone: str) -> str:
        tz = self.zones.get(zone) or self.zones.setdefault(zone, ZoneInfo(zone))
        text = self.encoder.iso(t, tz)
        assert text is not None
        return text


def _who(w: Who) -> dict[str, Any]:
    return {"id": w.id, "severity": w.severity, "group": w.group, "assignee": w.assignee}


def _name(n: Name | None) -> dict[str, str] | None:
    return None if n is None else {"id": n.id, "zh": n.zh, "en": n.en}


def _subject(s: OpenSubject, clocks: list[OpenClock], as_of: float, iso: _Instants) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": s.id}
    if s.kind != "ticket":
        doc["kind"] = s.kind
    running = [c.due for c in clocks if not c.paused]
    doc.update({
        "policy": s.policy, "policy_version": s.version, "created_at": iso(s.created, s.zone),
        "severity": _name(s.severity), "tier": _name(s.tier), "group": s.group, "assignee": s.assignee,
        "left_seconds": number(round(min(running) - as_of, 3)) if running else None,
        "clocks": [_clock(c, as_of, iso) for c in clocks],
    })
    return doc


def _clock(c: OpenClock, as_of: float, iso: _Instants) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "metric": c.metric.id, "title": {"zh": c.metric.zh, "en": c.metric.en}, "cycle": c.cycle, "target": c.target,
        "calendar": c.calendar, "started_at": iso(c.started, c.zone), "due_at": iso(c.due, c.zone),
        "left_seconds": number(round(c.due - as_of, 3)), "status": "breached" if c.breached else "running", "paused": c.paused,
        "rule": c.rule, "clauses": list(c.clauses),
    }
    if c.choice:
        entry["choice"] = c.choice
    return entry


def _rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per listed clock, in the document's order (soonest first)."""
    rows = []
    for t in doc["tickets"]:
        for c in t["clocks"]:
            rows.append({"id": t["id"], "severity": (t["severity"] or {}).get("id", ""), "metric": c["metric"], "cycle": c["cycle"],
                         "due_at": c["due_at"], "left_seconds": c["left_seconds"],
                         "status": c["status"], "paused": c["paused"], "rule": c["rule"] or "", "clauses": " ".join(c["clauses"]),
                         "choice": c.get("choice", ""), "group": t["group"] or "", "assignee": t["assignee"] or ""})
    return sorted(rows, key=lambda r: (r["paused"], r["left_seconds"]))


def write_csv(doc: dict[str, Any], out: IO[str]) -> None:
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _rows(doc):
        writer.writerow({k: csv_safe(v) for k, v in row.items()})


TABLE_COLUMNS = (N_("left"), N_("due"), N_("ticket"), N_("sev"), N_("metric"), N_("rule"), N_("clauses"))


def write_table(doc: dict[str, Any], out: IO[str]) -> None:
    """The clocks as a terminal table, soonest first: time left (to the minute), due time, ticket, severity,
    metric, the rule (its line, when every rule is in one file: the title names it) and its clauses (or
    "(a choice)": the JSON and CSV give the choice's reason); who has the ticket when any ticket says."""
    console = rich_console(out)
    rows = _rows(doc)
    if not rows:
        console.print(_("no open clock falls due{window}").format(window=_window(doc)))
        return
    files = {r["rule"].rpartition(":")[0] for r in rows if r["rule"]}
    one_file = files.pop() if len(files) == 1 else None
    who = any(r["group"] or r["assignee"] for r in rows)
    columns = [_(c) for c in (*TABLE_COLUMNS, *((N_("with"),) if who else ()))]
    cells, styles = [], []
    for r in rows:
        rule = r["rule"].rpartition(":")[2] if one_file else r["rule"]
        cells.append([_("paused") if r["paused"] else _left(r["left_seconds"]), r["due_at"][5:16].replace("T", " "), r["id"], r["severity"],
                      r["metric"] + (f" #{r['cycle']}" if r["cycle"] > 1 else ""), rule, r["clauses"] or _("(a choice)"),
                      *((" · ".join(x for x in (r["assignee"], r["group"]) if x),) if who else ())])
        late, soon = r["left_seconds"] <= 0, r["left_seconds"] <= HOUR
        styles.append({0: "dim" if r["paused"] else "bold red" if late else "yellow" if soon else ""})
    title = (_("open clocks at {as_of}{window}, soonest first").format(as_of=doc["as_of"][:16].replace("T", " "), window=_window(doc))
             + (_("; rules by line of {file}").format(file=one_file) if one_file else ""))
    console.print(word_table(console.width, title, columns, cells, styles, right=(0,), keep=(0, 1, 2)))


def _left(seconds: float) -> str:
    """Time left to the minute: 45m, 2h05m, 3d4h, -1h20m (overdue)."""
    minutes = int(abs(seconds) // 60)
    sign = "-" if seconds < 0 and minutes else ""
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return sign + (f"{days}d{hours}h" if days else f"{hours}h{minutes:02d}m" if hours else f"{minutes}m")


def _window(doc: dict[str, Any]) -> str:
    within = doc["within_seconds"]
    return "" if within is None else _(" within {duration}").format(duration=format_seconds(within))


def summary(doc: dict[str, Any]) -> str:
    """The line `slapolicy due` ends with on stderr."""
    s = doc["summary"]
    listed = sum(len(t["clocks"]) for t in doc["tickets"])
    later = s.get("not_yet_created", 0)
    total = s["replayed"] + s["rejected"] + later
    replayed = _("{tickets}: {simulated} simulated, {rejected} rejected").format(
        tickets=subjects_of(total, s.get("kinds", ())), simulated=s["replayed"], rejected=s["rejected"])
    listing = ngettext("{open} open, {count} clock listed{window} ({overdue} overdue, {paused} paused)",
                       "{open} open, {count} clocks listed{window} ({overdue} overdue, {paused} paused)", listed).format(
        open=s["open"], count=listed, window=_window(doc), overdue=s["overdue"], paused=s["paused"])
    return replayed + (_(", {count} not yet created").format(count=later) if later else "") + _("; ") + listing


def to_text(doc: dict[str, Any], fmt: str) -> str:
    """The document in a non-table format (json, csv)."""
    from .encode import pretty

    if fmt == "json":
        return pretty(doc).decode("utf-8") + "\n"
    buffer = io.StringIO()
    write_csv(doc, buffer)
    return buffer.getvalue()


__all__ = ["CSV_COLUMNS", "board_document", "summary", "to_text", "write_csv", "write_table"]

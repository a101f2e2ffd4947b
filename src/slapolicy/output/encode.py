"""Outcomes as the documented JSON shape (README, "simulate"): ISO-8601 instants in each
calendar's zone, rules as file:line, numbers without a needless `.0`.

Only what is printed is formatted; ISO strings are cached per (instant, zone), since a
history repeats the same deadlines (ends of working days) many times.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from ..model import TargetRule
from ..outcome import ClockOutcome, EscalationFiring, Outcome, Rejection, SubjectOutcome

_CACHE_LIMIT = 50_000


def number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def rule_label(rule: TargetRule | None) -> str | None:
    return str(rule.source) if rule is not None else None


class Encoder:
    def __init__(self) -> None:
        self._iso: dict[tuple[float, dt.tzinfo], str] = {}

    def iso(self, t: float | None, tz: dt.tzinfo) -> str | None:
        if t is None:
            return None
        key = (t, tz)
        text = self._iso.get(key)
        if text is None:
            if len(self._iso) > _CACHE_LIMIT:  # bounded: memory stays flat on long histories
                self._iso.clear()
            text = self._iso[key] = dt.datetime.fromtimestamp(t, tz).isoformat()
        return text

    def outcome(self, o: Outcome) -> dict[str, Any]:
        if isinstance(o, Rejection):
            return self.rejection(o)
        policy = o.policy
        clocks = []
        calendars = policy.calendars
        for c in o.clocks:
            clocks.append(self.clock(c, calendars[c.target.calendar].tz))
        escalations = [self.escalation(e, o) for e in o.escalations]
        return {
            "id": o.id,
            "policy": policy.id,
            "policy_version": policy.version,
            "status": "ok",
            "created_at": self.iso(o.created, policy.tz),
            "attributes": dict(o.attributes),
            "resolved": o.resolved,
            "clocks": clocks,
            "escalations": escalations,
            "errors": [],
            "line": o.line,
        }

    def rejection(self, r: Rejection) -> dict[str, Any]:
        return {"id": r.id, "line": r.line, "status": "rejected", "clocks": [], "escalations": [],
                "errors": [{"code": x.code, "message": x.message} for x in r.reasons]}

    def clock(self, c: ClockOutcome, tz: dt.tzinfo) -> dict[str, Any]:
        iso = self.iso
        entry: dict[str, Any] = {
            "metric": c.metric.id,
            "cycle": c.cycle,
            "target": str(c.target.duration),
            "calendar": c.target.calendar,
            "started_at": iso(c.started, tz),
            "due_at": iso(c.due, tz),
            "stopped_at": iso(c.stopped, tz),
            "cancelled_at": iso(c.cancelled, tz),
            "paused_seconds": number(c.paused_seconds),
            "elapsed_seconds": number(c.elapsed_seconds),
            "paused": c.paused,
            "status": c.status.value,
            "breached_at": iso(c.breached_at, tz),
            "rule": rule_label(c.rule),
        }
        if c.changes:
            entry["target_changes"] = [
                {"at": iso(ch.at, tz), "target": str(ch.target.duration) if ch.target else None, "rule": rule_label(ch.rule)}
                for ch in c.changes
            ]
        return entry

    def escalation(self, e: EscalationFiring, o: SubjectOutcome) -> dict[str, Any]:
        step = e.step
        clock = next(c for c in o.clocks if c.metric.id == step.metric and c.cycle == e.cycle)
        entry: dict[str, Any] = {
            "at": self.iso(e.at, o.policy.calendars[clock.target.calendar].tz), "metric": step.metric,
            "cycle": e.cycle, "step": step.index, "notify": list(step.notify),
        }
        if step.id:
            entry["id"] = step.id
        if e.repeat:
            entry["repeat"] = e.repeat
        return entry


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8, no NaN or Infinity (msgspec refuses to write them)."""
    return msgspec.json.encode(value)


def pretty(value: Any, indent: int = 2) -> bytes:
    return msgspec.json.format(msgspec.json.encode(value), indent=indent)

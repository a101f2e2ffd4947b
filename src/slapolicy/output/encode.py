"""Outcomes as the documented JSON shape (docs/formats.md): ISO-8601 instants in each
calendar's zone, rules as file:line, numbers without a needless `.0`.

Only what is printed is formatted; instants by one `IsoWriter` per zone, which writes a
whole second without building a datetime (`slapolicy.calendar.instants`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from ..calendar.instants import IsoWriter
from ..policy.derived import Lookup
from ..policy.model import TargetRule
from ..sim.outcome import (
    Charge,
    ClockOutcome,
    CreditOwed,
    Derivation,
    EscalationFiring,
    Finding,
    Outcome,
    Rejection,
    SubjectOutcome,
    money,
)


def number(value: int | float) -> int | float:  # int named apart: compiled (setup.py), a `float` parameter makes an int a float
    return int(value) if float(value).is_integer() else value


def rule_label(rule: TargetRule | None) -> str | None:
    return str(rule.source) if rule is not None else None


class Encoder:
    def __init__(self) -> None:
        self._writers: dict[dt.tzinfo, IsoWriter] = {}
        self._labels: dict[int, tuple[TargetRule, str]] = {}  # by id; the rule is kept so its id is not reused

    def iso(self, t: float | None, tz: dt.tzinfo) -> str | None:
        if t is None:
            return None
        writer = self._writers.get(tz)
        if writer is None:
            writer = self._writers[tz] = IsoWriter(tz)
        return writer.write(t)

    def rule(self, rule: TargetRule | None) -> str | None:
        if rule is None:
            return None
        found = self._labels.get(id(rule))
        if found is None:
            found = self._labels[id(rule)] = (rule, str(rule.source))
        return found[1]

    def outcome(self, o: Outcome) -> dict[str, Any]:
        if isinstance(o, Rejection):
            return self.rejection(o)
        policy = o.policy
        calendars = policy.calendars
        clocks = [self.clock(c, calendars[c.calendar].tz) for c in o.clocks]
        escalations = [self.escalation(e, o) for e in o.escalations] if o.escalations else []
        doc: dict[str, Any] = {
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
        if o.kind != "ticket":
            doc["kind"] = o.kind
        if o.derived:
            doc["derived"] = [self.derivation(d, policy.tz) for d in o.derived]
        if o.notices:
            doc["notices"] = [{"at": self.iso(n.at, policy.tz), "id": n.notice.id, "notify": list(n.notice.notify)}
                              for n in o.notices]
        if o.findings:
            doc["findings"] = [self.finding(f, policy.tz) for f in o.findings]
        if o.charges:
            doc["charges"] = [self.charge(c, policy.tz, policy.currency) for c in o.charges]
        if o.credits:
            doc["credits"] = [self.credit(c, policy.tz, policy.currency) for c in o.credits]
        if o.coverage:
            doc["coverage"] = [{"objective": c.objective, "at": self.iso(c.at, policy.tz), "covered": c.covered}
                               for c in o.coverage]
        return doc

    def derivation(self, d: Derivation, tz: dt.tzinfo) -> dict[str, Any]:
        """How a derived attribute was settled: the value, what its table or period gives for which keys, what was given."""
        entry: dict[str, Any] = {"attribute": d.attribute, "value": d.value, "derived": d.derived, "given": d.given,
                                 "from": dict(d.inputs), "by": f"{'lookups' if isinstance(d.rule, Lookup) else 'periods'}.{d.attribute}",
                                 "rule": str(d.rule.source), "at": self.iso(d.at, tz)}
        if d.rule.clauses:
            entry["clauses"] = list(d.rule.clauses)
        return entry

    def charge(self, c: Charge, tz: dt.tzinfo, currency: str | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"penalty": c.penalty.id, "at": self.iso(c.at, tz), "amount": money(c.amount)}
        if currency:
            entry["currency"] = currency
        entry["factor"] = number(c.factor)
        entry["payer"] = c.payer
        entry["reason"] = c.reason
        if c.penalty.clauses:
            entry["clauses"] = list(c.penalty.clauses)
        return entry

    def credit(self, c: CreditOwed, tz: dt.tzinfo, currency: str | None) -> dict[str, Any]:
        """A credit the subject earns its customer, before the ledger's limits."""
        return {"credit": c.credit.id, "at": self.iso(c.at, tz), "amount": money(c.amount), **({"currency": currency} if currency else {}),
                "payee": c.payee, "reason": c.reason, **({"clauses": list(c.credit.clauses)} if c.credit.clauses else {})}

    def finding(self, f: Finding, tz: dt.tzinfo) -> dict[str, Any]:
        entry: dict[str, Any] = {"code": f.code, "message": f.message}
        if f.rule is not None:
            entry["id"] = f.rule
        if f.actor is not None:
            entry["actor"] = f.actor
        if f.at is not None:
            entry["at"] = self.iso(f.at, tz)
        if f.clauses:
            entry["clauses"] = list(f.clauses)
        if f.source is not None:
            entry["rule"] = str(f.source)
        return entry

    def rejection(self, r: Rejection) -> dict[str, Any]:
        return {"id": r.id, "line": r.line, "status": "not_yet_created" if r.not_yet_created else "rejected", "clocks": [], "escalations": [],
                "errors": [{"code": x.code, "message": x.message} for x in r.reasons]}

    def clock(self, c: ClockOutcome, tz: dt.tzinfo) -> dict[str, Any]:
        iso = self.iso
        entry: dict[str, Any] = {
            "metric": c.metric.id,
            "cycle": c.cycle,
            "target": c.target.text if c.target is not None else None,
            "calendar": c.calendar,
            "started_at": iso(c.started, tz),
            "due_at": iso(c.due, tz),
            "stopped_at": iso(c.stopped, tz),
            "cancelled_at": iso(c.cancelled, tz),
            "paused_seconds": number(c.paused_seconds),
            "elapsed_seconds": number(c.elapsed_seconds),
            "paused": c.paused,
            "status": c.status.value,
            "breached_at": iso(c.breached_at, tz),
            "rule": self.rule(c.rule),
        }
        if c.failed is not None:
            entry["failed_at"] = iso(c.failed, tz)
        if c.pauses:
            entry["pauses"] = [{"from": iso(a, tz), "to": iso(b, tz)} for a, b in c.pauses]
        if c.changes:
            entry["target_changes"] = [
                {"at": iso(ch.at, tz), "target": ch.target.text if ch.target else None, "rule": self.rule(ch.rule)}
                for ch in c.changes
            ]
        return entry

    def escalation(self, e: EscalationFiring, o: SubjectOutcome) -> dict[str, Any]:
        step = e.step
        clock = next(c for c in o.clocks if c.metric.id == step.metric and c.cycle == e.cycle)
        entry: dict[str, Any] = {
            "at": self.iso(e.at, o.policy.calendars[clock.calendar].tz), "metric": step.metric,
            "cycle": e.cycle, "step": step.index, "notify": list(step.notify),
        }
        if step.id:
            entry["id"] = step.id
        if e.repeat:
            entry["repeat"] = e.repeat
        return entry


def plain(value: Any) -> Any:
    """A message kept as data (`i18n.Message`, a str) is written as its English text: JSON stays language-neutral."""
    if isinstance(value, str):
        return str(value)
    raise NotImplementedError(f"cannot write {type(value).__name__} as JSON")


# money (Decimal) as the exact number it is: 12.5, never "12.5"
_JSON = msgspec.json.Encoder(decimal_format="number", enc_hook=plain)


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8, no NaN or Infinity (msgspec refuses to write them)."""
    return _JSON.encode(value)


def pretty(value: Any, indent: int = 2) -> bytes:
    return msgspec.json.format(_JSON.encode(value), indent=indent)

"""What the service answers and sends, as plain JSON-ready data (docs/serve.md documents each shape,
`openapi.json` holds their schemas): a subject's state as of now (simulate's JSON document of the
subject, plus what is still to come and what was fired and delivered) and the payload of each
escalation fired. The open subjects by time left are the board's document (slapolicy.kpi.board,
slapolicy.output.board), the same as `slapolicy due`'s.

A clock is open as the board says (`open_clocks`): the latest cycle of its metric, not stopped,
cancelled or failed: running, or breached and still running (overdue). Its time left is its due
time minus now (negative: overdue); a paused clock has no time left (its due time moves while it
stays paused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..kpi.board import open_clocks
from ..output.encode import Encoder, number
from ..sim.outcome import ClockOutcome, EscalationFiring, Outcome, Rejection, SubjectOutcome
from .tx import DeliveryRow


def dedupe_key(subject: str, e: EscalationFiring) -> str:
    """The one name of a firing, the same on every replay and every instance: subject, metric, cycle,
    step (its id, else its number) and repetition."""
    step = e.step
    return f"{subject}/{step.metric}/{e.cycle}/{step.id or step.index}/{e.repeat}"


def timing(outcome: Outcome, event_times: Sequence[float], now: float) -> tuple[float | None, float | None, bool]:
    """(wake, next_due, open): when the subject's outcome next changes without a new event (a step's
    instant, a running clock's due time, an event posted ahead of its time), the soonest due time of its
    open clocks that run unpaused (past ones included: overdue), and whether any clock of it is open."""
    later = [t for t in event_times if t > now]
    wake = min(later) if later else None
    if isinstance(outcome, Rejection):
        return wake, None, False
    moments = [e.at for e in outcome.upcoming]
    clocks = open_clocks(outcome, now)
    running = [c.due for c in clocks if not c.paused and c.due is not None]
    moments += [d for d in running if d >= now]
    if moments:
        wake = min(moments) if wake is None else min(wake, *moments)
    return wake, (min(running) if running else None), bool(clocks)


class Documents:
    """The documents of one service, with one encoder (its ISO strings cached)."""

    def __init__(self) -> None:
        self.encoder = Encoder()

    def iso(self, t: float | None, tz: dt.tzinfo) -> str | None:
        return self.encoder.iso(t, tz)

    def firing(self, outcome: SubjectOutcome, e: EscalationFiring, key: str, fired: float, late: bool) -> dict[str, Any]:
        """What every delivery of a firing carries (the role it goes to is added per delivery)."""
        step, tz = e.step, outcome.policy.tz
        return {
            "dedupe_key": key, "subject": outcome.id, "kind": outcome.kind, "policy": outcome.policy.id,
            "policy_version": outcome.policy.version, "metric": step.metric, "cycle": e.cycle, "step": step.index,
            "step_id": step.id, "repeat": e.repeat, "at": self.iso(e.at, tz), "fired_at": self.iso(fired, tz), "late": late,
            "notify": list(step.notify), "rule": str(step.source), "clauses": list(step.clauses), "choice": step.choice,
            "severity": outcome.attributes.get("severity"),
        }

    def ticket(self, outcome: Outcome, now: float, fired: Iterable[tuple[str, float, float, bool, Mapping[str, Any]]],
               deliveries: Iterable[DeliveryRow]) -> dict[str, Any]:
        """A subject as of now: simulate's document of it (`ticket`), its open clocks with time left and
        the rules and clauses behind them, the firings still to come, and those fired with their deliveries."""
        by_key: dict[str, list[dict[str, Any]]] = {}
        for d in deliveries:
            by_key.setdefault(d.dedupe_key, []).append(delivery(d))
        tz = outcome.policy.tz if isinstance(outcome, SubjectOutcome) else dt.UTC
        doc: dict[str, Any] = {
            "as_of": self.iso(now, tz),
            "ticket": self.encoder.outcome(outcome),
            "open": [],
            "upcoming": [],
            "fired": [{**body, "fired_at": self.iso(at_fired, tz), "late": late, "deliveries": by_key.get(key, [])}
                      for key, _, at_fired, late, body in fired],
        }
        if isinstance(outcome, SubjectOutcome):
            doc["open"] = [self.clock(outcome, c, now) for c in open_clocks(outcome, now)]
            doc["upcoming"] = [{"at": self.iso(e.at, tz), "metric": e.step.metric, "cycle": e.cycle, "step": e.step.index,
                                "step_id": e.step.id, "repeat": e.repeat, "notify": list(e.step.notify),
                                "dedupe_key": dedupe_key(outcome.id, e)} for e in outcome.upcoming]
        return doc

    def clock(self, outcome: SubjectOutcome, c: ClockOutcome, now: float) -> dict[str, Any]:
        """An open clock as a board shows it: due time, time left, the rule and what gives its figure."""
        tz = outcome.policy.calendars[c.calendar].tz
        target, rule = c.target, c.rule
        clauses = (target.clauses if target is not None else ()) or (rule.clauses if rule is not None else ())
        choice = None if clauses else ((target.choice if target is not None else None) or (rule.choice if rule is not None else None))
        return {
            "metric": c.metric.id, "cycle": c.cycle, "status": c.status.value, "paused": c.paused,
            "target": target.text if target is not None else None, "calendar": c.calendar,
            "started_at": self.iso(c.started, tz), "due_at": self.iso(c.due, tz),
            "time_left_seconds": None if c.paused or c.due is None else number(round(c.due - now, 3)),
            "rule": self.encoder.rule(rule), "clauses": list(clauses), "choice": choice,
        }


def delivery(d: DeliveryRow) -> dict[str, Any]:
    return {"id": d.id, "role": d.role, "channel": d.channel, "address": d.address, "state": d.state,
            "attempts": d.attempts, "error": d.error,
            "delivered_at": None if d.delivered is None else dt.datetime.fromtimestamp(d.delivered, dt.UTC).isoformat()}

"""Synthetic, seeded ticket histories in the JSONL ticket format: same seed, same bytes.

Shapes a service desk sees: arrivals peak in office hours and thin out at night, on
weekends and on the policy's holidays; a severity mix from few urgent to many routine;
waiting-on-customer pauses, on-site visits with progress reports, downgrades, re-opens,
follow-up calls and archiving; about 5 % of first responses late, 3 % of tickets left
open. The clauses no deadline expresses get their material too: customers, products and
problem codes drawn from small pools (so problems recur and correlations match),
complaints, assignments to the group the routing gives (3 % elsewhere, 5 % of complaints
handed on), on request hotline calls (5 % unanswered) when the policy governs them, and a
duty roster for the roles its penalties name. Only event types and attribute values the
policy declares are used, so every generated subject simulates.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from ..calendar.business import BusinessCalendar
from ..calendar.spec import CalendarError
from ..policy.conditions import evaluate
from ..policy.model import Policy

# relative arrival weight per local hour (office peaks 09-12 and 14-17)
HOURLY = (1, 1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 14, 8, 10, 14, 16, 14, 10, 6, 4, 3, 2, 2, 1)
WEEKEND_WEIGHT = 0.3
HOLIDAY_WEIGHT = 0.2


# the event types _lifecycle writes: clocks they stop are left open, or late, as _lifecycle decides
LIFECYCLE = frozenset(("created", "registered", "assigned", "responded", "plan_proposed", "status", "on_site_agreed",
                       "on_site_requested", "on_site_arrived", "on_site_update", "customer_signed", "on_site_finished",
                       "update", "resolved", "reopened", "followed_up", "closed", "archived"))


class _Ticket:
    def __init__(self, policy: Policy, rng: random.Random, created: float) -> None:
        self.policy = policy
        self.rng = rng
        self.t = self.t0 = created
        self.events: list[dict[str, Any]] = []

    def emit(self, event_type: str, after: float, **extra: Any) -> None:  # extra: status, attributes, assignee, group …
        self.t += max(1.0, after)
        if event_type in self.policy.events:
            self.events.append({"at": self.t, "type": event_type, **extra})


def _holiday_checker(policy: Policy) -> BusinessCalendar | None:
    for spec in policy.calendars.values():
        if spec.country and not spec.always:
            try:
                return BusinessCalendar(spec)
            except CalendarError:
                return None
    return None


def _arrivals(policy: Policy, rng: random.Random, n: int, start: dt.date, days: int) -> list[float]:
    tz = policy.tz
    holidays = _holiday_checker(policy)
    weights = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        w = WEEKEND_WEIGHT if day.weekday() >= 5 else 1.0
        if holidays is not None and holidays.holiday_name(day):
            w = HOLIDAY_WEIGHT
        weights.append(w)
    chosen_days = rng.choices(range(days), weights=weights, k=n)
    hours = rng.choices(range(24), weights=HOURLY, k=n)
    out = []
    for d, h in zip(chosen_days, hours):
        day = start + dt.timedelta(days=d)
        local = dt.datetime(day.year, day.month, day.day, h, rng.randrange(60), rng.randrange(60), tzinfo=tz)
        out.append(local.timestamp())
    return sorted(out)


POOLS = {"customer": 40, "product": 5, "problem_code": 12}  # small pools: the same problem recurs
STAFF = ("王芳", "李强", "张伟", "刘洋", "陈静", "赵磊", "孙丽", "周杰")


def _keyed(policy: Policy) -> frozenset[str]:
    return frozenset(k for c in policy.correlations for k in c.key)


def _attributes(policy: Policy, rng: random.Random) -> dict[str, Any]:
    severities = list(policy.severities)
    # most severe first in the policy: few urgent, many routine
    weights = [1.0 + 2.0 * i for i in range(len(severities))]
    attrs: dict[str, Any] = {"severity": rng.choices(severities, weights=weights)[0]}
    if policy.tiers:
        attrs["tier"] = rng.choice(list(policy.tiers))
    for a in policy.attributes.values():
        if a.subject != "ticket":
            continue
        if a.values is not None:  # mostly the declared default (category: repair), else any value
            usual = a.default if a.default in a.values else None
            attrs[a.id] = usual if usual is not None and rng.random() < 0.9 else rng.choice(list(a.values))
        elif a.type == "number":
            attrs[a.id] = rng.randint(60, 100)
        elif a.type == "boolean":  # mostly the declared default (recurring: false), else mostly true (satisfied)
            usual = a.default if isinstance(a.default, bool) else True
            attrs[a.id] = usual if rng.random() < 0.9 else not usual
        elif a.type == "string" and a.id in _keyed(policy):
            attrs[a.id] = f"{a.id}-{rng.randrange(POOLS.get(a.id, 20)):02d}"
        elif a.type == "string" and a.required:
            attrs[a.id] = f"{a.id}-{rng.randrange(1000):03d}"
        elif a.type == "string" and a.id == "responsible" and rng.random() < 0.5:
            attrs[a.id] = rng.choice(STAFF)
    return attrs


def _assign(tk: _Ticket, attrs: dict[str, Any]) -> None:
    """The first assignment: to the group the first matching route gives (3 % elsewhere); a complaint
    is sometimes handed on to a second person."""
    policy, rng = tk.policy, tk.rng
    if not policy.routes and not policy.invariants:
        return
    route = next((r for r in policy.routes if evaluate(r.when, attrs)), None)
    groups = sorted({g for r in policy.routes for g in r.groups}) or ["service_desk"]
    group = route.groups[0] if route is not None and rng.random() >= 0.03 else rng.choice(groups)
    first = rng.choice(STAFF)
    tk.emit("assigned", rng.uniform(1, 8) * 60, assignee=first, group=group, actor=first)
    if attrs.get("category") == "complaint" and rng.random() < 0.05:
        tk.emit("assigned", rng.uniform(10, 120) * 60, assignee=rng.choice([s for s in STAFF if s != first]), actor=first)


def _lifecycle(tk: _Ticket, attrs: dict[str, Any]) -> None:
    rng, policy = tk.rng, tk.policy
    minute, hour = 60.0, 3600.0
    tk.emit("registered", rng.uniform(1, 9) * minute)
    _assign(tk, attrs)
    late = rng.random() < 0.05
    tk.emit("responded", rng.uniform(2, 6) * hour if late else rng.uniform(1, 12) * minute)
    severities = list(policy.severities)
    if attrs["severity"] == severities[0]:
        tk.emit("plan_proposed", rng.uniform(20, 150) * minute)
    if rng.random() < 0.15 and "waiting_on_customer" in (policy.statuses or ("waiting_on_customer",)):
        tk.emit("status", rng.uniform(10, 60) * minute, status="waiting_on_customer")
        tk.emit("status", rng.uniform(1, 20) * hour, status="in_progress")
    if rng.random() < 0.2:
        agreed = "on_site_agreed" if "on_site_agreed" in policy.events else "on_site_requested"
        tk.emit(agreed, rng.uniform(10, 60) * minute)
        tk.emit("on_site_arrived", rng.uniform(1, 5) * hour)
        for _ in range(rng.randint(0, 3)):
            tk.emit("on_site_update", rng.uniform(1.2, 2.3) * hour)
        tk.emit("customer_signed", rng.uniform(0.5, 2) * hour)
        tk.emit("on_site_finished", rng.uniform(1, 5) * minute)
    if rng.random() < 0.03:  # still open: nobody has solved it yet
        return
    index = severities.index(attrs["severity"])
    if rng.random() < 0.05 and index + 1 < len(severities):
        tk.emit("update", rng.uniform(10, 90) * minute, attributes={"severity": severities[index + 1]})
    tk.emit("resolved", rng.uniform(0.3, 6) * hour)
    if rng.random() < 0.05:
        tk.emit("reopened", rng.uniform(2, 48) * hour)
        tk.emit("responded", rng.uniform(2, 25) * minute)
        tk.emit("resolved", rng.uniform(0.5, 5) * hour)
    if rng.random() < 0.9:
        tk.emit("followed_up", rng.uniform(4, 80) * hour)
    tk.emit("closed", rng.uniform(0.5, 24) * hour)
    tk.emit("archived", rng.uniform(0.2, 30) * hour)


class _Recurrences:
    """Which tickets complete a `count`/`within` correlation (the same key, created close together), so the
    obligation it starts (an improvement record …) is met for most of them, as a department would."""

    def __init__(self, policy: Policy) -> None:
        self.rules = [(c, c.within.amount * (86400 if c.within.kind == "days" else 1)) for c in policy.correlations
                      if c.count and c.within is not None and c.within.kind in ("seconds", "days") and c.subject == "ticket"]
        self.seen: dict[tuple[str, tuple[Any, ...]], list[float]] = {}

    def completed(self, attrs: dict[str, Any], created: float) -> list[str]:
        done = []
        for c, window in self.rules:  # calendar days taken as 24 h: close enough for synthetic data
            if not all(k in attrs for k in c.key) or not evaluate(c.when, attrs):
                continue
            assert c.count is not None
            times = self.seen.setdefault((c.id, tuple(attrs[k] for k in c.key)), [])
            times[:] = [t for t in times if created - t <= window]
            times.append(created)
            if len(times) >= c.count:
                done.append(c.id)
        return done


def _duties(tk: _Ticket, completed: list[str]) -> None:
    """Stop events for the clocks the common lifecycle above leaves open (an engineer's first contact, an
    improvement record after a recurrence …) — most in time, some late — and the proofs coverage objectives
    ask for (a quality check on a share a little above the objective's minimum)."""
    policy, rng = tk.policy, tk.rng
    emitted = {e["type"]: e["at"] for e in reversed(tk.events)}  # the first time of each type
    extra: list[dict[str, Any]] = []
    for metric in policy.metrics.values():
        if (metric.subject != "ticket" or metric.every is not None or not metric.stop or metric.stop[0] not in policy.events
                or not LIFECYCLE.isdisjoint(metric.stop)):
            continue
        begun = [emitted[s] for s in metric.start if s in emitted] + [tk.t0 for s in metric.start if s in completed]
        if begun and not any(s in emitted for s in metric.stop) and rng.random() < 0.95:
            late = rng.random() < 0.05
            extra.append({"at": min(begun) + (rng.uniform(1, 8) * 3600 if late else rng.uniform(3, 12) * 60),
                          "type": metric.stop[0]})
    for objective in policy.objectives:
        if objective.measure != "coverage" or not objective.proof or objective.proof[0] not in policy.events:
            continue
        population = [emitted[e] for e in objective.population if e in emitted]
        if population and rng.random() < (objective.min or 0.0) + 0.03:
            extra.append({"at": min(population) + rng.uniform(0.5, 4) * 3600, "type": objective.proof[0]})
    if extra:
        tk.events.extend(extra)
        tk.events.sort(key=lambda e: e["at"])


def generate(policy: Policy, tickets: int, seed: int, start: dt.date, days: int = 365,
             calls: bool = False) -> Iterator[dict[str, Any]]:
    """`tickets` synthetic tickets arriving over `days` days from `start`, in arrival order; with `calls`, when the
    policy governs hotline calls (a `call` subject with `answered`), a call record before each ticket too."""
    rng = random.Random(seed)
    tz = policy.tz
    width = max(6, len(str(tickets)))
    calls = calls and "call" in policy.subjects and "answered" in policy.attributes

    def iso(t: float) -> str:
        return dt.datetime.fromtimestamp(t, tz).isoformat(timespec="seconds")

    recurrences = _Recurrences(policy)
    for number, created in enumerate(_arrivals(policy, rng, tickets, start, days), 1):
        attrs = _attributes(policy, rng)
        tk = _Ticket(policy, rng, created)
        tk.events.append({"at": created, "type": "created"})
        _lifecycle(tk, attrs)
        _duties(tk, recurrences.completed(attrs, created))
        if calls:
            yield {"id": f"CALL-{number:0{width}d}", "kind": "call", "attributes": {"answered": rng.random() >= 0.05},
                   "events": [{"at": iso(created - rng.uniform(60, 600)), "type": "created"}]}
        yield {
            "id": f"G-{number:0{width}d}",
            "attributes": attrs,
            "events": [{**e, "at": iso(e["at"])} for e in tk.events],
        }


def roster(policy: Policy, start: dt.date, days: int) -> Iterator[dict[str, str]]:
    """Shifts for the roles the policy's penalties name: two people a day in each on-duty role (06:00-15:30,
    15:30-01:00 local), one holder of each fallback role for the whole span."""
    tz = policy.tz
    on_duty = sorted({a for p in policy.penalties for kind, a in p.payer if kind == "on_duty" and a})
    holders = sorted({a for p in policy.penalties for kind, a in p.payer if kind == "role" and a})

    def iso(day: dt.date, minutes: int) -> str:
        return (dt.datetime(day.year, day.month, day.day, tzinfo=tz) + dt.timedelta(minutes=minutes)).isoformat(timespec="minutes")

    for n, role in enumerate(holders):
        yield {"person": STAFF[(n + 3) % len(STAFF)], "role": role, "from": iso(start, 0), "to": iso(start, days * 1440)}
    for i in range(days):
        day = start + dt.timedelta(days=i)
        for n, role in enumerate(on_duty):
            early, late = STAFF[(2 * i + n) % len(STAFF)], STAFF[(2 * i + n + 1) % len(STAFF)]
            yield {"person": early, "role": role, "from": iso(day, 360), "to": iso(day, 930)}
            yield {"person": late, "role": role, "from": iso(day, 930), "to": iso(day, 1500)}

"""Synthetic, seeded ticket histories in the JSONL ticket format: same seed, same bytes.

A generated history reads like a department that mostly keeps its regulation, with a tail of
lapses, so that `report`, `whatif` and `diff --history` on it say something true: each step a
deadline of the policy times is placed against the due time the policy itself gives that ticket
(its first matching target rule, on that rule's calendar, holidays and make-up days included),
in time with the probabilities below; the events an invariant requires come before the event it
guards; each period's coverage proofs reach the objective's share. Arrivals peak in office hours
and thin out at night, on weekends and on holidays; severities run from few urgent to many
routine. Only event types and attribute values the policy declares are used, so every generated
subject simulates. The figures are the manual's (docs/generate.md); tests/test_generate.py holds a
generated year's `report` inside its bands.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterator
from typing import Any

from ..calendar.business import BusinessCalendar
from ..calendar.spec import CalendarError
from ..policy.conditions import evaluate
from ..policy.model import Metric, Objective, Policy
from .outages import outages

# How often the department does what its policy asks (docs/generate.md, "How well the department works").
ON_TIME = 0.97  # a step a deadline times is done in time
ON_TIME_RESPONSE = 0.99  # a first response (a clock stopped by `responded`), but for the most severe grade
ON_TIME_URGENT = 0.95  # a first response to the most severe grade
KEPT = 0.98  # an event an invariant requires is done before the event it guards; a ticket proves a coverage duty it owes
DONE = 0.99  # a duty beyond the common lifecycle (an engineer's first contact, an improvement record …) is done at all
ROUTED = 0.98  # the first assignment goes to the group the first matching route gives
HANDED_ON = 0.03  # a complaint is handed on by its first receiver
USUAL = 0.97  # a boolean keeps its declared default (else: is true)
DEFAULTED = 0.9  # an attribute with declared values and a default keeps the default
OPEN, DOWNGRADED, REOPENED, WAITING, ON_SITE = 0.01, 0.03, 0.03, 0.15, 0.2
UNANSWERED = 0.0005  # a hotline call written with --calls
SCORE = (93.0, 5.0)  # a number attribute (a satisfaction score): mean and spread, within 60-100
EARLY = (0.05, 0.8)  # an in-time step lands at this share of its allowed working time, skewed early
LATE = (1.05, 1.6)  # a late one at this share

# relative arrival weight per local hour (office peaks 09-12 and 14-17)
HOURLY = (1, 1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 14, 8, 10, 14, 16, 14, 10, 6, 4, 3, 2, 2, 1)
WEEKEND_WEIGHT = 0.3
HOLIDAY_WEIGHT = 0.2

# the event types the lifecycle writes; a clock stopped by another event is a duty, done on its own
LIFECYCLE = frozenset(("created", "registered", "assigned", "responded", "plan_proposed", "status", "on_site_agreed",
                       "on_site_requested", "on_site_arrived", "on_site_update", "customer_signed", "on_site_finished",
                       "update", "resolved", "reopened", "followed_up", "closed", "archived"))
POOLS = {"customer": 40, "product": 5, "problem_code": 12}  # small pools: the same problem recurs
STAFF = ("王芳", "李强", "张伟", "刘洋", "陈静", "赵磊", "孙丽", "周杰")
MINUTE, HOUR = 60.0, 3600.0


def _share(cal: BusinessCalendar, start: float, due: float, share: float) -> float:
    """The instant `share` of the working time from `start` to `due` has run (past `due` when share > 1)."""
    if cal.always:
        return start + share * (due - start)
    return cal.add_epoch(start, share * cal.elapsed_epoch(start, due))


class _Plan:
    """What every ticket of one policy needs, worked out once: its clocks, deadlines and invariants."""

    def __init__(self, policy: Policy, rng: random.Random) -> None:
        self.policy, self.rng = policy, rng
        self.metrics = [m for m in policy.metrics.values() if m.subject == "ticket" and m.every is None and m.before is None]
        self.duties = {m.id for m in self.metrics if m.stop and m.stop[0] in policy.events and LIFECYCLE.isdisjoint(m.stop)}
        self.guards = [i for i in policy.invariants if i.requires and i.subject == "ticket"]
        self.roles = {r: i.by[0] for i in self.guards if i.by for r in i.requires}  # a required event done by a role
        self.visit_all = any("on_site_arrived" in m.stop and "created" in m.start for m in self.metrics)
        self.most_severe = next(iter(policy.severities)) if len(policy.severities) > 1 else None
        self._calendars: dict[str, BusinessCalendar] = {}

    def calendar(self, name: str) -> BusinessCalendar:
        if name not in self._calendars:
            self._calendars[name] = BusinessCalendar(self.policy.calendars[name])
        return self._calendars[name]

    def due(self, metric: str, attrs: dict[str, Any], start: float) -> tuple[float, BusinessCalendar] | None:
        """The due time of a clock started at `start`: the first target rule for `metric` matching `attrs`."""
        for rule in self.policy.targets:
            value = rule.values.get(metric)
            if value is not None and evaluate(rule.when, attrs):
                name = self.policy.calendar_for(value.calendar, attrs)
                if name is None or value.duration is None:  # no calendar for these attributes, or due only as agreed
                    return None
                cal = self.calendar(name)
                return cal.due_epoch(start, value.duration, value.counting), cal
        return None

    def in_time(self, metric: Metric, attrs: dict[str, Any]) -> bool:
        rate = ON_TIME
        if "responded" in metric.stop:
            rate = ON_TIME_URGENT if attrs.get("severity") == self.most_severe else ON_TIME_RESPONSE
        return self.rng.random() < rate

    def placed(self, metric: Metric, attrs: dict[str, Any], start: float, timed: tuple[float, BusinessCalendar] | None,
               paused: float, now: float) -> tuple[float, bool] | None:
        """When the step that stops `metric`'s clock (started at `start`, due as `timed` says, paused `paused`
        seconds) is done, no earlier than `now`, and whether in time: at a share of its working time drawn from
        EARLY or LATE; None when no target times it, or when it is late anyway."""
        if timed is None:
            return None
        due, cal = timed
        in_time = self.in_time(metric, attrs)
        low, high = EARLY if in_time else LATE
        at = _share(cal, start, due, low + (high - low) * self.rng.random() ** 2) + paused
        if at > now:
            return at, in_time
        due += paused
        return (now + (due - now) * self.rng.uniform(0.1, 0.9), True) if in_time and due > now else None


class _Ticket:
    """One ticket's events as they are written: `t` moves with the lifecycle; a step that stops a running
    clock is placed against its due time; a duty's step is scheduled when its clock starts."""

    def __init__(self, plan: _Plan, created: float, attrs: dict[str, Any]) -> None:
        self.plan, self.rng, self.policy, self.attrs = plan, plan.rng, plan.policy, attrs
        self.t = self.t0 = created
        self.events: list[dict[str, Any]] = []
        self.seen: dict[str, dict[str, Any]] = {}  # the first event of each type, written or scheduled
        self.running: dict[str, float] = {}  # metric id -> start of its current cycle
        self.paused: dict[str, float] = {}  # metric id -> wall seconds its current cycle was paused
        self.waiting_since: float | None = None
        self._dues: dict[tuple[str, float], tuple[float, BusinessCalendar] | None] = {}  # until the attributes change
        self._write("created", created, {})

    def due(self, metric: Metric) -> tuple[float, BusinessCalendar] | None:
        key = (metric.id, self.running[metric.id])
        if key not in self._dues:
            self._dues[key] = self.plan.due(metric.id, self.attrs, key[1])
        return self._dues[key]

    def emit(self, event_type: str, natural: float, **extra: Any) -> None:
        """Write `event_type` after the events that must come first: `natural` seconds after the last event,
        unless it stops a running clock a target times."""
        if event_type not in self.policy.events:
            return
        self._keep_invariants(event_type)
        stops = [m for m in self.plan.metrics if m.id in self.running and event_type in m.stop]
        placed = [p for m in stops if (p := self.plan.placed(m, self.attrs, self.running[m.id], self.due(m),
                                                              self.paused.get(m.id, 0.0), self.t)) is not None]
        at = min(a for a, _ in placed) if placed else self.t + natural
        if all(in_time for _, in_time in placed):  # paced by the nearest deadline the next steps must meet
            ahead = self._nearest_due(stops)
            if ahead is not None and ahead < at:
                at = self.t + (ahead - self.t) * self.rng.uniform(0.05, 0.6)
        self.t = max(self.t + 1.0, at)
        self._bring_forward(event_type)
        self._write(event_type, self.t, extra)

    def _nearest_due(self, stopped_now: list[Metric]) -> float | None:
        """The earliest due time, still ahead, of the running clocks the lifecycle stops later."""
        stopped = {m.id for m in stopped_now}
        dues = [timed[0] + self.paused.get(m.id, 0.0) for m in self.plan.metrics
                if m.id in self.running and m.id not in stopped and m.id not in self.plan.duties
                and (timed := self.due(m)) is not None]
        ahead = [d for d in dues if d > self.t]
        return min(ahead) if ahead else None

    def start(self, metric: Metric, at: float) -> None:
        self.running[metric.id] = at
        self.paused.pop(metric.id, None)
        if metric.id in self.plan.duties and self.rng.random() < DONE:
            placed = self.plan.placed(metric, self.attrs, at, self.due(metric), 0.0, at)
            done = placed[0] if placed is not None else at + self.rng.uniform(3, 12) * MINUTE
            self._write(metric.stop[0], max(at + 1.0, done), {"role": self.plan.roles[metric.stop[0]]}
                        if metric.stop[0] in self.plan.roles else {})

    def _write(self, event_type: str, at: float, extra: dict[str, Any]) -> None:
        event = {"at": at, "type": event_type, **extra}
        self.events.append(event)
        self.seen.setdefault(event_type, event)
        if event_type == "update":
            self.attrs.update(extra.get("attributes", {}))
            self._dues.clear()
        if event_type == "status":
            self._status(extra["status"], at)
        for metric in self.plan.metrics:
            if metric.id in self.running and (event_type in metric.stop or event_type in metric.cancel_on
                                              or event_type in metric.fail_on):
                del self.running[metric.id]
                if metric.repeat and event_type in metric.stop:
                    self.start(metric, at)
            elif event_type in metric.restart_on or (event_type in metric.start and metric.id not in self.running):
                self.start(metric, at)

    def _status(self, status: str, at: float) -> None:
        """A pause while waiting: the clocks that pause on it get the wall time back (close enough off hours)."""
        if self.waiting_since is not None:
            for metric in self.plan.metrics:
                if metric.id in self.running and metric.pause_statuses:
                    self.paused[metric.id] = self.paused.get(metric.id, 0.0) + at - self.waiting_since
        self.waiting_since = at if any(status in m.pause_statuses for m in self.plan.metrics) else None

    def _keep_invariants(self, event_type: str) -> None:
        for invariant in self.plan.guards:
            if event_type in invariant.before and evaluate(invariant.when, self.attrs):
                for required in invariant.requires:
                    if required not in self.seen and required != event_type and self.rng.random() < KEPT:
                        extra = {"role": invariant.by[0]} if invariant.by else {}
                        self.emit(required, self.rng.uniform(5, 30) * MINUTE, **extra)

    def _bring_forward(self, event_type: str) -> None:
        """A duty scheduled after the event it must precede is done just before it."""
        for invariant in self.plan.guards:
            if event_type in invariant.before:
                for required in invariant.requires:
                    event = self.seen.get(required)
                    if event is not None and event["at"] >= self.t:
                        event["at"] = max(self.t0 + 1.0, self.t - self.rng.uniform(1, 10) * MINUTE)

    def proved(self, proof: str, at: float) -> None:
        self._write(proof, at, {})


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


def _keyed(policy: Policy) -> frozenset[str]:
    return frozenset(k for c in policy.correlations for k in c.key)


def _attributes(policy: Policy, rng: random.Random) -> dict[str, Any]:
    severities = list(policy.severities)
    # most severe first in the policy: few urgent, many routine
    weights = [1.0 + 2.0 * i for i in range(len(severities))]
    # a severity the priority matrix gives is left to it, like every attribute a lookup table gives
    attrs: dict[str, Any] = {"severity": rng.choices(severities, weights=weights)[0]} if severities and "severity" not in policy.lookups else {}
    if policy.tiers:
        attrs["tier"] = rng.choice(list(policy.tiers))
    for a in policy.attributes.values():
        if a.subject != "ticket" or a.id in policy.lookups:
            continue
        if a.values is not None:  # the declared default; else the usual values first, each half as likely as the one before
            values = list(a.values)
            usual = a.default if a.default in values and rng.random() < DEFAULTED else None
            attrs[a.id] = usual if usual is not None else rng.choices(values, weights=[0.5 ** i for i in range(len(values))])[0]
        elif a.type == "number":
            attrs[a.id] = round(min(100.0, max(60.0, rng.gauss(*SCORE))))
        elif a.type == "boolean":
            usual = a.default if isinstance(a.default, bool) else True
            attrs[a.id] = usual if rng.random() < USUAL else not usual
        elif a.type == "string" and a.id in _keyed(policy):
            attrs[a.id] = f"{a.id}-{rng.randrange(POOLS.get(a.id, 20)):02d}"
        elif a.type == "string" and a.required:
            attrs[a.id] = f"{a.id}-{rng.randrange(1000):03d}"
        elif a.type == "string" and a.id == "responsible" and rng.random() < 0.5:
            attrs[a.id] = rng.choice(STAFF)
    return attrs


def _assign(tk: _Ticket) -> None:
    """The first assignment: to the group the first matching route gives (ROUTED); a complaint is
    sometimes handed on to a second person (HANDED_ON)."""
    policy, rng = tk.policy, tk.rng
    if not policy.routes and not policy.invariants:
        return
    route = next((r for r in policy.routes if evaluate(r.when, tk.attrs)), None)
    groups = sorted({g for r in policy.routes for g in r.groups}) or ["service_desk"]
    group = route.groups[0] if route is not None and rng.random() < ROUTED else rng.choice(groups)
    first = rng.choice(STAFF)
    tk.emit("assigned", rng.uniform(1, 8) * MINUTE, assignee=first, group=group, actor=first)
    if tk.attrs.get("category") == "complaint" and rng.random() < HANDED_ON:
        tk.emit("assigned", rng.uniform(10, 120) * MINUTE, assignee=rng.choice([s for s in STAFF if s != first]), actor=first)


def _lifecycle(tk: _Ticket) -> None:
    rng, policy = tk.rng, tk.policy
    tk.emit("registered", rng.uniform(1, 9) * MINUTE)
    _assign(tk)
    tk.emit("responded", rng.uniform(1, 12) * MINUTE)
    if policy.severities and tk.attrs.get("severity") == next(iter(policy.severities)):
        tk.emit("plan_proposed", rng.uniform(20, 150) * MINUTE)
    if rng.random() < WAITING and "waiting_on_customer" in (policy.statuses or ("waiting_on_customer",)):
        tk.emit("status", rng.uniform(10, 60) * MINUTE, status="waiting_on_customer")
        tk.emit("status", rng.uniform(1, 20) * HOUR, status="in_progress")
    if tk.plan.visit_all or rng.random() < ON_SITE:
        tk.emit("on_site_agreed" if "on_site_agreed" in policy.events else "on_site_requested", rng.uniform(10, 60) * MINUTE)
        tk.emit("on_site_arrived", rng.uniform(1, 5) * HOUR)
        for _ in range(rng.randint(0, 3)):
            tk.emit("on_site_update", rng.uniform(1.2, 2.3) * HOUR)
        tk.emit("customer_signed", rng.uniform(0.5, 2) * HOUR)
        tk.emit("on_site_finished", rng.uniform(1, 5) * MINUTE)
    if rng.random() < OPEN:  # still open: nobody has solved it yet
        return
    severities = list(policy.severities)
    index = severities.index(tk.attrs["severity"]) if tk.attrs.get("severity") in severities else len(severities)
    if rng.random() < DOWNGRADED and index + 1 < len(severities):
        tk.emit("update", rng.uniform(10, 90) * MINUTE, attributes={"severity": severities[index + 1]})
    tk.emit("resolved", rng.uniform(0.3, 6) * HOUR)
    if rng.random() < REOPENED:
        tk.emit("reopened", rng.uniform(2, 48) * HOUR)
        tk.emit("responded", rng.uniform(2, 25) * MINUTE)
        tk.emit("resolved", rng.uniform(0.5, 5) * HOUR)
    tk.emit("followed_up", rng.uniform(4, 80) * HOUR)
    tk.emit("closed", rng.uniform(0.5, 24) * HOUR)
    tk.emit("archived", rng.uniform(0.2, 30) * HOUR)


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


def _period(objective: Objective, at: float, tz: dt.tzinfo) -> object:
    local = dt.datetime.fromtimestamp(at, tz)
    keys: dict[str, object] = {"day": local.date(), "week": local.isocalendar()[:2], "month": (local.year, local.month),
                               "quarter": (local.year, (local.month - 1) // 3), "year": local.year}
    return keys.get(objective.period, local.date())


class _Proofs:
    """The proofs coverage objectives count (a quality check, a survey card): in each period, a ticket of the
    population gives one while fewer than the objective's share of the period's tickets so far have (KEPT)."""

    def __init__(self, plan: _Plan) -> None:
        policy = plan.policy
        self.plan = plan
        self.objectives = [o for o in policy.objectives if o.measure == "coverage" and o.subject == "ticket"
                           and o.proof and o.proof[0] in policy.events]
        self.counts: dict[tuple[str, object], tuple[int, int]] = {}  # (objective, period) -> (population, proved)

    def give(self, tk: _Ticket) -> None:
        for o in self.objectives:
            event = next((tk.seen[e] for e in o.population if e in tk.seen), None)
            if event is None:
                continue
            key = (o.id, _period(o, event["at"], tk.policy.tz))
            population, proved = self.counts.get(key, (0, 0))
            population += 1
            if proved < math.ceil((o.min or 0.0) * population - 1e-9) and tk.rng.random() < KEPT:
                proved += 1
                tk.proved(o.proof[0], self._when(o, event["at"], tk.rng, tk.attrs))
            self.counts[key] = (population, proved)

    def _when(self, o: Objective, at: float, rng: random.Random, attrs: dict[str, Any]) -> float:
        if o.within is None or o.within.duration is None:  # a window is written, never agreed
            return at + rng.uniform(0.5, 4) * HOUR
        cal = self.plan.calendar(self.plan.policy.counted_on(o.within.calendar, attrs))
        return _share(cal, at, cal.due_epoch(at, o.within.duration, o.within.counting), rng.uniform(*EARLY))


def _ids(policy: Policy, tickets: int) -> str:
    """A format for ticket numbers the policy's `identity:` pattern accepts: G-000001, or its literal
    prefix and digits (SG-000001 for SG-[0-9]{6,10})."""
    width = max(6, len(str(tickets)))
    if policy.identity is None:
        return f"G-{{:0{width}d}}"
    prefix = re.match(r"[A-Za-z0-9_-]*", policy.identity.pattern)
    for candidate in ("G-", prefix[0] if prefix else ""):
        if re.fullmatch(policy.identity.pattern, f"{candidate}{1:0{width}d}"):
            return f"{candidate}{{:0{width}d}}"
    return f"G-{{:0{width}d}}"


def generate(policy: Policy, tickets: int, seed: int, start: dt.date, days: int = 365,
             calls: bool = False, services: int = 20) -> Iterator[dict[str, Any]]:
    """`tickets` synthetic tickets arriving over `days` days from `start`, in arrival order; with `calls`, when the
    policy governs hotline calls (a `call` subject with `answered`), a call record before each ticket too. A policy
    with availability measures gets `services` services after them, with their outages (`slapolicy.sim.outages`)."""
    rng = random.Random(seed)
    tz = policy.tz
    width = max(6, len(str(tickets)))
    number_format = _ids(policy, tickets)
    calls = calls and "call" in policy.subjects and "answered" in policy.attributes

    def iso(t: float) -> str:
        return dt.datetime.fromtimestamp(t, tz).isoformat(timespec="seconds")

    plan = _Plan(policy, rng)
    recurrences = _Recurrences(policy)
    proofs = _Proofs(plan)
    for number, created in enumerate(_arrivals(policy, rng, tickets, start, days), 1):
        tk = _Ticket(plan, created, _attributes(policy, rng))
        for correlation in recurrences.completed(tk.attrs, created):
            for metric in plan.metrics:
                if correlation in metric.start:
                    tk.start(metric, created)
        initial = dict(tk.attrs)
        _lifecycle(tk)
        proofs.give(tk)
        tk.events.sort(key=lambda e: e["at"])
        if calls:
            yield {"id": f"CALL-{number:0{width}d}", "kind": "call", "attributes": {"answered": rng.random() >= UNANSWERED},
                   "events": [{"at": iso(created - rng.uniform(60, 600)), "type": "created"}]}
        yield {
            "id": number_format.format(number),
            "attributes": initial,
            "events": [{**e, "at": iso(e["at"])} for e in tk.events],
        }
    if policy.availability:  # a stream of its own: the tickets stay what the same seed gave without it
        yield from outages(policy, random.Random(f"{seed}-outages"), services, start, days)


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

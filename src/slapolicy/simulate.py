"""Replay tickets against a policy in virtual time: every clock, deadline, breach and escalation.

The simulator is a generic clock machine. Which target rule gives each metric its
deadline, which escalation steps apply and which clocks an event starts, stops, pauses,
resumes, cancels or restarts are decisions of the rules engine (a backend of
`slapolicy.engine`, on the compiled ruleset), cached per distinct combination of the
values the policy's conditions read. The simulator only applies them in time.

Semantics (README, "Simulation"):
- a clock starts on its metric's start events, stops on its stop events, pauses on
  pause events or while the ticket's status is one of `pause_while`; paused working
  time does not count;
- a recurring (`repeat`) clock starts its next period at each stop; a period that runs
  past its deadline is breached and the next period starts at that deadline;
- a change of attributes re-selects targets, measured from the clock's original start;
- `restart_on` (e.g. reopened) starts a new cycle of a stopped clock;
- escalation steps fire at start, at a share of the target, at breach or breach + delay
  (on the clock's calendar), at most once per cycle unless they repeat, and only while
  the clock still runs;
- a clock without its stop event is `running` until `as_of`, then `breached` at its due time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .calendar import BusinessCalendar, CalendarError, zone
from .compiler import CompiledPolicy, compile_policy
from .diagnostics import did_you_mean
from .engine import Backend
from .model import EscalationStep, Metric, Policy, TargetValue
from .tickets import Event, RawTicket, Rejected, Ticket, TicketError, parse_instant, parse_ticket


@dataclass(frozen=True)
class Decision:
    targets: dict[str, TargetValue]
    target_rules: dict[str, int]
    steps: dict[str, tuple[EscalationStep, ...]]


@dataclass
class _Clock:
    metric: Metric
    cycle: int
    started: float
    target: TargetValue | None
    rule: int | None
    pauses: list[list[float]] = field(default_factory=list)  # [start, end]; end = inf while open
    stopped: float | None = None
    cancelled: float | None = None
    changes: list[tuple[float, TargetValue | None, int | None]] = field(default_factory=list)
    breached_period: float | None = None  # for repeat clocks: due of a missed period

    @property
    def running(self) -> bool:
        return self.stopped is None and self.cancelled is None

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] == float("inf")


class Simulator:
    def __init__(self, policy: Policy, backend: Backend, as_of: float) -> None:
        self.policy = policy
        self.backend = backend
        self.as_of = as_of
        self.compiled: CompiledPolicy = compile_policy(policy)
        self._calendars: dict[str, BusinessCalendar] = {}
        self._decisions: dict[tuple[Any, ...], Decision] = {}
        self._events: dict[tuple[str, str | None], dict[str, set[str]]] = {}
        self.tz = zone(policy.timezone)
        doc = policy.document
        self._rule_labels = [f"{doc.path}:{doc.locate(r.path).line}" for r in policy.targets]
        self._iso_cache: dict[tuple[float, Any], str] = {}

    # ---- engine decisions, cached ------------------------------------------------------

    def calendar(self, name: str) -> BusinessCalendar:
        if name not in self._calendars:
            self._calendars[name] = BusinessCalendar(self.policy.calendars[name])
        return self._calendars[name]

    def decide(self, attributes: dict[str, Any]) -> Decision:
        key = tuple(attributes.get(f) for f in self.compiled.fields)
        if key not in self._decisions:
            fired = self.backend.matches(self.compiled, self.compiled.ticket_fact(attributes))
            targets: dict[str, TargetValue] = {}
            rules: dict[str, int] = {}
            steps: dict[str, list[EscalationStep]] = {}
            meaning = self.compiled.meaning
            for name in sorted(fired, key=lambda n: meaning.get(n, {}).get("rule", meaning.get(n, {}).get("step", 0))):
                m = meaning.get(name)
                if m is None:
                    continue
                if m["kind"] == "target" and m["metric"] not in targets:
                    targets[m["metric"]] = self.policy.targets[m["rule"]].values[m["metric"]]
                    rules[m["metric"]] = m["rule"]
                elif m["kind"] == "escalation":
                    steps.setdefault(m["metric"], []).append(self.policy.escalations[m["metric"]][m["step"] - 1])
            self._decisions[key] = Decision(targets, rules, {k: tuple(v) for k, v in steps.items()})
        return self._decisions[key]

    def event_actions(self, event: Event) -> dict[str, set[str]]:
        key = (event.type, event.status if event.type == "status" else None)
        if key not in self._events:
            fact: dict[str, Any] = {"t": "event", "type": event.type}
            if key[1] is not None:
                fact["status"] = key[1]
            actions: dict[str, set[str]] = {}
            for name in self.backend.matches(self.compiled, fact):
                m = self.compiled.meaning.get(name)
                if m is not None and m["kind"] == "clock":
                    actions.setdefault(m["metric"], set()).add(m["action"])
            self._events[key] = actions
        return self._events[key]

    # ---- checks against the policy ---------------------------------------------------------

    def _check(self, ticket: Ticket) -> None:
        p = self.policy
        for event in ticket.events:
            if event.type not in p.events:
                raise TicketError("unknown_event_type", f"unknown event type '{event.type}'{did_you_mean(event.type, p.events)}")
            if event.type == "status":
                if event.status is None:
                    raise TicketError("bad_shape", "a status event needs a status")
                if p.statuses is not None and event.status not in p.statuses:
                    raise TicketError("unknown_status", f"unknown status '{event.status}'{did_you_mean(event.status, p.statuses)}")
        attrs = dict(ticket.attributes)
        for index, event in enumerate(ticket.events):
            if index == 0 or event.attributes:
                attrs.update(event.attributes)
                self._check_attributes(attrs)

    def _check_attributes(self, attrs: dict[str, Any]) -> None:
        p = self.policy
        severity = attrs.get("severity")
        if severity is None:
            raise TicketError("unknown_severity", "the ticket has no severity")
        if severity not in p.severities:
            raise TicketError("unknown_severity", f"unknown severity '{severity}'{did_you_mean(str(severity), tuple(p.severities))}")
        tier = attrs.get("tier")
        if tier is not None and tier not in p.tiers:
            raise TicketError("unknown_tier", f"unknown tier '{tier}'{did_you_mean(str(tier), tuple(p.tiers))}")
        for name, a in p.attributes.items():
            value = attrs.get(name)
            if value is not None and a.values is not None and value not in a.values:
                raise TicketError(
                    "uncovered_value",
                    f"attribute {name}={value!r} is none of the values the policy covers: {', '.join(map(str, a.values))}",
                )

    # ---- the clock machine -----------------------------------------------------------------

    def _due(self, clock: _Clock, target: TargetValue | None, attrs: dict[str, Any], until: float) -> float | None:
        if target is None:
            return None
        cal = self.calendar(target.calendar)
        pauses = [(a, min(b, until)) for a, b in clock.pauses if a < until]
        metric = clock.metric
        if metric.before is not None:
            anchor = attrs.get(metric.before)
            if anchor is None:
                return None
            anchor_at = parse_instant(str(anchor), cal.tz)
            return cal.due_before_epoch(anchor_at, target.duration)
        if target.duration.kind == "seconds":
            return cal.add_excluding_epoch(clock.started, target.duration.amount, pauses)
        base = cal.due_epoch(clock.started, target.duration, target.counting)
        paused = sum(cal.elapsed_epoch(a, min(b, base)) for a, b in pauses if a < base)
        return cal.add_epoch(base, paused) if paused else base

    def run(self, ticket: Ticket) -> dict[str, Any]:
        self._check(ticket)
        policy = self.policy
        attrs = dict(ticket.attributes)
        attrs.update(ticket.events[0].attributes)
        decision = self.decide(attrs)
        status: str | None = None
        current: dict[str, _Clock] = {}
        finished: list[_Clock] = []
        armed: set[str] = set()  # metrics whose next start event begins a new cycle
        clock: _Clock | None
        snapshots: list[tuple[float, dict[str, Any]]] = [(ticket.events[0].at, dict(attrs))]

        def start(metric: Metric, t: float, cycle: int) -> None:
            clock = _Clock(metric, cycle, t, decision.targets.get(metric.id), decision.target_rules.get(metric.id))
            clock.changes.append((t, clock.target, clock.rule))
            if metric.pause_statuses and status in metric.pause_statuses:
                clock.pauses.append([t, float("inf")])
            current[metric.id] = clock

        def roll_periods(until: float) -> None:
            """Missed periods of recurring clocks are breaches; the next period starts at the due time."""
            for clock in list(current.values()):
                while clock.metric.repeat and clock.running and not clock.paused:
                    due = self._due(clock, clock.target, attrs, until)
                    if due is None or due >= until:
                        break
                    clock.breached_period = due
                    clock.stopped = due
                    finished.append(clock)
                    start(clock.metric, due, clock.cycle + 1)
                    clock = current[clock.metric.id]
                    clock.breached_period = None

        for index, event in enumerate(ticket.events):
            t = event.at
            roll_periods(t)
            if event.attributes and index > 0:
                attrs.update(event.attributes)
                snapshots.append((t, dict(attrs)))
                decision = self.decide(attrs)
                for clock in current.values():
                    if clock.running:
                        new_target = decision.targets.get(clock.metric.id)
                        if new_target != clock.target:
                            clock.target = new_target
                            clock.rule = decision.target_rules.get(clock.metric.id)
                            clock.changes.append((t, new_target, clock.rule))
            for metric in policy.metrics.values():  # deadlines anchored before a date start once it is known
                if metric.before and not metric.start and metric.id not in current and attrs.get(metric.before) is not None:
                    start(metric, t, 1)
            if event.type == "status":
                status = event.status
            actions = self.event_actions(event)
            for metric_id, acts in actions.items():
                metric = policy.metrics[metric_id]
                clock = current.get(metric_id)
                if "restart_on" in acts and clock is not None:
                    if clock.running:
                        if clock.paused:
                            clock.pauses[-1][1] = t
                        clock.cancelled = t
                    if "created" in metric.start:  # its start event cannot come again: the new cycle starts now
                        finished.append(clock)
                        start(metric, t, clock.cycle + 1)
                        clock = current[metric_id]
                    else:
                        armed.add(metric_id)
                if "start" in acts and (clock is None or metric_id in armed):
                    if clock is not None:
                        finished.append(clock)
                    armed.discard(metric_id)
                    start(metric, t, clock.cycle + 1 if clock is not None else 1)
                    clock = current[metric_id]
                if clock is None or not clock.running:
                    continue
                if "stop" in acts:
                    if clock.paused:
                        clock.pauses[-1][1] = t
                    clock.stopped = t
                    if metric.repeat:
                        finished.append(clock)
                        start(metric, t, clock.cycle + 1)
                    continue
                if "cancel_on" in acts:
                    if clock.paused:
                        clock.pauses[-1][1] = t
                    clock.cancelled = t
                    continue
                if "pause_on" in acts and not clock.paused:
                    clock.pauses.append([t, float("inf")])
                elif "resume_on" in acts and clock.paused:
                    clock.pauses[-1][1] = t
            if event.type == "status":
                for metric in policy.metrics.values():
                    clock = current.get(metric.id)
                    if clock is None or not clock.running or not metric.pause_statuses:
                        continue
                    pausing = "pause_while" in actions.get(metric.id, set())
                    if pausing and not clock.paused:
                        clock.pauses.append([t, float("inf")])
                    elif not pausing and clock.paused:
                        clock.pauses[-1][1] = t
        roll_periods(self.as_of)
        clocks = finished + list(current.values())
        return self._result(ticket, clocks, snapshots)

    # ---- results -------------------------------------------------------------------------------

    def _iso(self, t: float | None, cal: BusinessCalendar | None = None) -> str | None:
        if t is None or t == float("inf"):
            return None
        tz = cal.tz if cal else self.tz
        key = (t, tz)
        text = self._iso_cache.get(key)
        if text is None:
            if len(self._iso_cache) > 50_000:  # bounded: memory stays flat on long histories
                self._iso_cache.clear()
            text = self._iso_cache[key] = dt.datetime.fromtimestamp(t, tz).isoformat()
        return text

    def _attrs_at(self, snapshots: list[tuple[float, dict[str, Any]]], t: float) -> dict[str, Any]:
        current = snapshots[0][1]
        for at, attrs in snapshots:
            if at <= t:
                current = attrs
        return current

    def _result(self, ticket: Ticket, clocks: list[_Clock], snapshots: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
        out_clocks: list[dict[str, Any]] = []
        escalations: list[dict[str, Any]] = []
        order = {m: i for i, m in enumerate(self.policy.metrics)}
        for clock in sorted(clocks, key=lambda c: (order[c.metric.id], c.cycle)):
            if all(target is None for _, target, _ in clock.changes):
                continue  # the policy sets this metric no target for this ticket: not applicable
            end = clock.stopped if clock.stopped is not None else clock.cancelled
            horizon = min(end, self.as_of) if end is not None else self.as_of
            final_attrs = self._attrs_at(snapshots, horizon)
            target = clock.target
            if target is None:  # a later change took the target away: the clock stops applying then
                last = next(t for t in reversed(clock.changes) if t[1] is not None)
                target, rule = last[1], last[2]
                removed_at = next(at for at, tv, _ in reversed(clock.changes) if tv is None)
                if clock.cancelled is None and clock.stopped is None:
                    end = clock.cancelled = removed_at
                horizon = min(end, self.as_of) if end is not None else self.as_of
            else:
                rule = clock.rule
            assert target is not None
            cal = self.calendar(target.calendar)
            due = self._due(clock, target, final_attrs, horizon)
            breached_at: float | None
            if clock.breached_period is not None:
                state, breached_at = "breached", clock.breached_period
            elif clock.stopped is not None and clock.stopped <= self.as_of:
                state = "met" if due is not None and clock.stopped <= due else "breached"
                breached_at = due if state == "breached" else None
            elif clock.cancelled is not None and clock.cancelled <= self.as_of:
                # breached before it was cancelled stays breached
                state, breached_at = ("breached", due) if due is not None and due < clock.cancelled else ("cancelled", None)
            elif due is not None and due <= self.as_of and not clock.paused:
                state, breached_at = "breached", due
            else:
                state, breached_at = "running", None
            paused = sum(cal.elapsed_epoch(a, min(b, horizon)) for a, b in clock.pauses if a < horizon)
            entry: dict[str, Any] = {
                "metric": clock.metric.id,
                "cycle": clock.cycle,
                "target": str(target.duration),
                "calendar": target.calendar,
                "started_at": self._iso(clock.started, cal),
                "due_at": self._iso(due, cal),
                "stopped_at": self._iso(
                    clock.stopped if clock.stopped is not None and clock.stopped <= self.as_of
                    and clock.breached_period is None else None, cal),
                "cancelled_at": self._iso(clock.cancelled if clock.cancelled is not None and clock.cancelled <= self.as_of else None, cal),
                "paused_seconds": _number(paused),
                # working time the clock ran (start to stop, or to as_of), pauses excluded
                "elapsed_seconds": _number(cal.elapsed_epoch(clock.started, horizon) - paused),
                "paused": clock.paused and state == "running",
                "status": state,
                "breached_at": self._iso(breached_at, cal),
                "rule": self._rule_labels[rule] if rule is not None else None,
            }
            if len([c for c in clock.changes if c[1] is not None]) > 1 or any(c[1] is None for c in clock.changes):
                entry["target_changes"] = [
                    {"at": self._iso(at, cal), "target": str(tv.duration) if tv else None,
                     "rule": self._rule_labels[r] if r is not None else None}
                    for at, tv, r in clock.changes
                ]
            out_clocks.append(entry)
            escalations.extend(self._escalations(clock, cal, snapshots, end, due))
        escalations.sort(key=lambda e: (e["_t"], e["metric"], e["step"]))
        for e in escalations:
            del e["_t"]
        resolved = False
        for event in ticket.events:
            if event.at <= self.as_of and event.type in ("resolved", "reopened"):
                resolved = event.type == "resolved"
        return {
            "id": ticket.id,
            "policy": self.policy.id,
            "policy_version": self.policy.version,
            "status": "ok",
            "created_at": self._iso(ticket.events[0].at),
            "attributes": snapshots[-1][1],
            "resolved": resolved,
            "clocks": out_clocks,
            "escalations": escalations,
            "errors": [],
        }

    def _escalations(
        self, clock: _Clock, cal: BusinessCalendar,
        snapshots: list[tuple[float, dict[str, Any]]], end: float | None, due: float | None,
    ) -> Iterator[dict[str, Any]]:
        if due is None:
            return
        limit = min(end if end is not None else float("inf"), self.as_of)
        seconds_target = cal.elapsed_epoch(clock.started, due) - sum(
            cal.elapsed_epoch(a, min(b, due)) for a, b in clock.pauses if a < due
        )
        inclusive = clock.breached_period is not None  # a missed period breached at its end
        # a target given later (a downgrade) is measured from the original start, but its
        # escalations cannot fire before it existed: they fire when it takes effect
        effective = next(at for at, tv, _ in clock.changes if tv is not None)
        pauses = [(a, b) for a, b in clock.pauses]
        possible = {s for _, attrs in snapshots for s in self.decide(attrs).steps.get(clock.metric.id, ())}
        for step in self.policy.escalations.get(clock.metric.id, ()):
            if step not in possible:
                continue  # applies under none of the ticket's attribute values
            if step.at_start:
                first = clock.started
            elif step.share is not None:
                first = cal.add_excluding_epoch(clock.started, step.share * max(0.0, seconds_target), pauses)
            else:
                first = due if step.delay is None else cal.add_epoch(due, step.delay.amount)
            times = [first]
            if step.repeat_every is not None:
                count = step.repeat_times if step.repeat_times is not None else 10_000
                t = first
                for _ in range(count):
                    t = cal.add_epoch(t, step.repeat_every.amount)
                    if t >= limit:
                        break
                    times.append(t)
            times = sorted({max(t, effective) for t in times})
            for k, t in enumerate(times):
                fires = t < limit or ((inclusive or step.at_start) and t <= limit)
                if not fires:
                    break
                attrs = self._attrs_at(snapshots, t)
                if step not in self.decide(attrs).steps.get(clock.metric.id, ()):
                    continue
                entry: dict[str, Any] = {
                    "_t": t, "at": self._iso(t, cal), "metric": clock.metric.id, "cycle": clock.cycle,
                    "step": step.index, "notify": list(step.notify),
                }
                if step.id:
                    entry["id"] = step.id
                if k:
                    entry["repeat"] = k
                yield entry


@dataclass
class RunSummary:
    simulated: int = 0
    rejected: int = 0


def choose_version(policies: list[Policy], created: float) -> Policy | None:
    """The version in force on the ticket's creation day (policy time zone); `policies` oldest first."""
    best: Policy | None = None
    for p in policies:
        day = dt.datetime.fromtimestamp(created, zone(p.timezone)).date()
        if p.effective_from <= day and (p.effective_until is None or day <= p.effective_until):
            best = p
    return best


def simulate(
    policies: list[Policy], raw: Iterable[RawTicket | Rejected], backend: Backend, as_of: float,
    summary: RunSummary | None = None, every_ticket: bool = False,
) -> Iterator[dict[str, Any]]:
    """One result per input ticket, in input order: simulated, or rejected with its errors.

    `every_ticket` applies the (single) policy to every ticket whatever its effective
    dates: what-if replays of a history under a version not in force then."""
    summary = summary if summary is not None else RunSummary()
    for result in reject_duplicates(_each(sorted(policies, key=lambda p: p.version_key), raw, backend, as_of, every_ticket)):
        if result["status"] == "ok":
            summary.simulated += 1
        else:
            summary.rejected += 1
        yield result


def reject_duplicates(results: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The first line that carries a ticket id claims it; a later ticket with that id is rejected.

    Applied to results in input order, so a parallel replay (chunks simulated apart)
    rejects exactly what a serial one does."""
    seen: dict[str, int] = {}
    for r in results:
        tid = r["id"]
        if tid is not None and tid in seen:
            if r["status"] == "ok":
                r = _rejected(tid, r["line"], [{"code": "duplicate_id",
                                                 "message": f"ticket id '{tid}' was already used at line {seen[tid]}"}])
        elif tid is not None:
            seen[tid] = r["line"]
        yield r


def _each(
    policies: list[Policy], raw: Iterable[RawTicket | Rejected], backend: Backend, as_of: float, every_ticket: bool,
) -> Iterator[dict[str, Any]]:
    simulators: dict[int, Simulator] = {}
    tz = zone(policies[-1].timezone)
    for item in raw:
        if isinstance(item, Rejected):
            yield _rejected(item.id, item.line, item.errors)
            continue
        raw_id = item.data.get("id")
        tid = str(raw_id) if raw_id is not None else None
        try:
            ticket = parse_ticket(item, tz)
            policy = policies[-1] if every_ticket else choose_version(policies, ticket.events[0].at)
            if policy is None:
                day = dt.datetime.fromtimestamp(ticket.events[0].at, tz).date()
                raise TicketError("no_policy_version", f"no version of policy '{policies[0].id}' is in force on {day}")
            sim = simulators.get(id(policy))
            if sim is None:
                sim = simulators[id(policy)] = Simulator(policy, backend, as_of)
            result = sim.run(ticket)
        except TicketError as exc:
            yield _rejected(tid, item.line, [{"code": exc.code, "message": str(exc)}])
            continue
        except CalendarError as exc:
            yield _rejected(tid, item.line, [{"code": "calendar", "message": str(exc)}])
            continue
        result["line"] = item.line
        yield result


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _rejected(tid: str | None, line: int, errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"id": tid, "line": line, "status": "rejected", "clocks": [], "escalations": [], "errors": errors}

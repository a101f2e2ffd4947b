"""Replay tickets against a policy in virtual time: every clock, deadline, breach and escalation.

The simulator is a generic clock machine. Which target rule gives each metric its
deadline, which escalation steps apply and which clocks an event starts, stops, pauses,
resumes, cancels or restarts are decisions of the rules engine (a backend of
`slapolicy.engine`, on the compiled ruleset), cached per distinct combination of the
values the policy's conditions read. The simulator only applies them in time, on epoch
seconds, and returns typed outcomes (`slapolicy.outcome`).

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
import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .business_calendar import BusinessCalendar, CalendarError
from .compiler import CompiledPolicy, compile_policy
from .diagnostics import did_you_mean, shorten
from .engine import Backend
from .instants import InstantError, parse_instant
from .model import MAX_REPEATS, EscalationStep, Metric, Policy, TargetRule, TargetValue
from .outcome import ClockOutcome, ClockStatus, EscalationFiring, Rejection, SubjectOutcome, TargetChange
from .repository import PolicySet
from .tickets import RawItem, Ticket, TicketError, reject, ticket_from_data

INF = math.inf
MAX_PERIODS = 10_000  # cycles of one recurring clock in one ticket; with MAX_EVENTS this bounds a ticket's work
# what an event does to a metric's clock, as bits (cheaper to test than names on the hot path)
RESTART, START, STOP, CANCEL, PAUSE, RESUME, PAUSE_WHILE = 1, 2, 4, 8, 16, 32, 64
ACTION_BITS = {"restart_on": RESTART, "start": START, "stop": STOP, "cancel_on": CANCEL, "pause_on": PAUSE,
               "resume_on": RESUME, "pause_while": PAUSE_WHILE}
MET, BREACHED, RUNNING, CANCELLED = ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.RUNNING, ClockStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one combination of attribute values."""

    targets: dict[str, TargetValue]
    rules: dict[str, TargetRule]
    steps: dict[str, tuple[EscalationStep, ...]]


class _Clock:
    """One cycle of one metric's clock while the ticket is replayed (mutable; becomes a ClockOutcome)."""

    __slots__ = ("metric", "cycle", "rank", "started", "target", "rule", "pauses", "stopped", "cancelled", "changes",
                 "breached_period")

    def __init__(self, metric: Metric, cycle: int, rank: int, started: float, target: TargetValue | None,
                 rule: TargetRule | None) -> None:
        self.metric = metric
        self.cycle = cycle
        self.rank = rank  # outcomes list clocks by metric (policy order), then cycle
        self.started = started
        self.target = target
        self.rule = rule
        self.pauses: list[list[float]] | None = None  # [start, end]; end = inf while open
        self.stopped: float | None = None
        self.cancelled: float | None = None
        self.changes: list[TargetChange] | None = None  # from the first re-selection on: every target it had
        self.breached_period: float | None = None  # for repeat clocks: due of a missed period

    @property
    def running(self) -> bool:
        return self.stopped is None and self.cancelled is None

    @property
    def paused(self) -> bool:
        return self.pauses is not None and self.pauses[-1][1] == INF

    def pause(self, t: float) -> None:
        if self.pauses is None:
            self.pauses = [[t, INF]]
        else:
            self.pauses.append([t, INF])

    def resume(self, t: float) -> None:
        """End an open pause at t (no-op when not paused)."""
        if self.pauses is not None and self.pauses[-1][1] == INF:
            self.pauses[-1][1] = t

    def retarget(self, t: float, target: TargetValue | None, rule: TargetRule | None) -> None:
        if self.changes is None:
            self.changes = [TargetChange(self.started, self.target, self.rule)]
        self.changes.append(TargetChange(t, target, rule))
        self.target, self.rule = target, rule


_RANK = operator.attrgetter("rank")


class _Snapshot:
    """The ticket's attributes from `at` on, and what the engine decided for them."""

    __slots__ = ("at", "attributes", "decision")

    def __init__(self, at: float, attributes: dict[str, Any], decision: Decision) -> None:
        self.at = at
        self.attributes = attributes
        self.decision = decision


class Simulator:
    """One policy version, its compiled ruleset and the engine's cached decisions."""

    def __init__(self, policy: Policy, backend: Backend, as_of: float, compiled: CompiledPolicy | None = None) -> None:
        self.policy = policy
        self.backend = backend
        self.as_of = as_of
        self.compiled = compiled if compiled is not None else compile_policy(policy)
        self._calendars: dict[str, BusinessCalendar] = {}
        self._decisions: dict[tuple[Any, ...], Decision | TicketError] = {}
        self._events: dict[tuple[str, str | None], tuple[tuple[Metric, int], ...]] = {}
        self._anchors: dict[tuple[str, str], float] = {}
        self._metrics = tuple(policy.metrics.values())
        self._order = {m: i for i, m in enumerate(policy.metrics)}
        self._anchored = tuple(m for m in self._metrics if m.before and not m.start)
        self._status_paused = tuple(m for m in self._metrics if m.pause_statuses)
        self._event_types = frozenset(policy.events)
        self._valued = tuple((a.id, a.values) for a in policy.attributes.values() if a.values is not None)
        checked = ["severity", "tier", *(name for name, _ in self._valued)]
        self._key_fields = tuple(dict.fromkeys([*self.compiled.fields, *checked]))

    # ---- engine decisions, cached ------------------------------------------------------

    def calendar(self, name: str) -> BusinessCalendar:
        cal = self._calendars.get(name)
        if cal is None:
            cal = self._calendars[name] = BusinessCalendar(self.policy.calendars[name])
        return cal

    def decide(self, attributes: dict[str, Any]) -> Decision:
        """The engine's decision for these attributes; TicketError if the policy does not cover them."""
        key = tuple([attributes.get(f) for f in self._key_fields])
        found = self._decisions.get(key)
        if found is None:
            try:
                self._check_attributes(attributes)
                found = self._ask_engine(attributes)
            except TicketError as exc:
                found = exc
            self._decisions[key] = found
        if isinstance(found, TicketError):
            raise found
        return found

    def _ask_engine(self, attributes: dict[str, Any]) -> Decision:
        fired = self.backend.matches(self.compiled, self.compiled.ticket_fact(attributes))
        meaning = self.compiled.meaning
        targets: dict[str, TargetValue] = {}
        rules: dict[str, TargetRule] = {}
        steps: dict[str, list[EscalationStep]] = {}
        for name in sorted(fired, key=lambda n: meaning.get(n, {}).get("rule", meaning.get(n, {}).get("step", 0))):
            m = meaning.get(name)
            if m is None:
                continue
            if m["kind"] == "target" and m["metric"] not in targets:
                rule = self.policy.targets[m["rule"]]
                targets[m["metric"]] = rule.values[m["metric"]]
                rules[m["metric"]] = rule
            elif m["kind"] == "escalation":
                steps.setdefault(m["metric"], []).append(self.policy.escalations[m["metric"]][m["step"] - 1])
        return Decision(targets, rules, {k: tuple(v) for k, v in steps.items()})

    def event_actions(self, event_type: str, status: str | None) -> tuple[tuple[Metric, int], ...]:
        """What the event does to each metric's clock (ACTION_BITS), in policy order."""
        key = (event_type, status if event_type == "status" else None)
        actions = self._events.get(key)
        if actions is None:
            actions = self._events[key] = self._ask_actions(event_type, key[1])
        return actions

    def _ask_actions(self, event_type: str, status: str | None) -> tuple[tuple[Metric, int], ...]:
        fact: dict[str, Any] = {"t": "event", "type": event_type}
        if status is not None:
            fact["status"] = status
        found: dict[str, int] = {}
        for name in self.backend.matches(self.compiled, fact):
            m = self.compiled.meaning.get(name)
            if m is not None and m["kind"] == "clock":
                found[m["metric"]] = found.get(m["metric"], 0) | ACTION_BITS[m["action"]]
        metrics = self.policy.metrics
        return tuple((metrics[k], found[k]) for k in metrics if k in found)

    # ---- checks against the policy ---------------------------------------------------------

    def _check_events(self, ticket: Ticket) -> None:
        p = self.policy
        for event in ticket.events:
            if event.type not in self._event_types:
                raise TicketError("unknown_event_type", f"unknown event type '{shorten(event.type)}'{did_you_mean(event.type, p.events)}")
            if event.type == "status":
                if event.status is None:
                    raise TicketError("bad_shape", "a status event needs a status")
                if p.statuses is not None and event.status not in p.statuses:
                    raise TicketError("unknown_status", f"unknown status '{shorten(event.status)}'{did_you_mean(event.status, p.statuses)}")

    def _check_attributes(self, attrs: dict[str, Any]) -> None:
        p = self.policy
        severity = attrs.get("severity")
        if severity is None:
            raise TicketError("unknown_severity", "the ticket has no severity")
        if severity not in p.severities:
            raise TicketError("unknown_severity", f"unknown severity '{shorten(severity)}'{did_you_mean(str(severity), tuple(p.severities))}")
        tier = attrs.get("tier")
        if tier is not None and tier not in p.tiers:
            raise TicketError("unknown_tier", f"unknown tier '{shorten(tier)}'{did_you_mean(str(tier), tuple(p.tiers))}")
        for name, values in self._valued:
            value = attrs.get(name)
            if value is not None and value not in values:
                raise TicketError(
                    "uncovered_value",
                    f"attribute {name}={shorten(repr(value))} is none of the values the policy covers: {', '.join(map(str, values))}",
                )

    # ---- the clock machine -----------------------------------------------------------------

    def _anchor(self, value: Any, cal: BusinessCalendar) -> float:
        key = (str(value), cal.spec.timezone)
        at = self._anchors.get(key)
        if at is None:
            try:
                at = self._anchors[key] = parse_instant(key[0], cal.tz)
            except InstantError as exc:
                raise TicketError("bad_timestamp", str(exc)) from None
        return at

    def _due(self, clock: _Clock, target: TargetValue | None, attrs: dict[str, Any], until: float) -> float | None:
        if target is None:
            return None
        cal = self.calendar(target.calendar)
        metric = clock.metric
        if metric.before is not None:
            anchor = attrs.get(metric.before)
            if anchor is None:
                return None
            return cal.due_before_epoch(self._anchor(anchor, cal), target.duration)
        duration = target.duration
        if clock.pauses is None:
            if duration.kind == "seconds":
                return clock.started + duration.amount if cal.always else cal.add_epoch(clock.started, duration.amount)
            return cal.due_epoch(clock.started, duration, target.counting)
        pauses = [(a, min(b, until)) for a, b in clock.pauses if a < until]
        if duration.kind == "seconds":
            return cal.add_excluding_epoch(clock.started, duration.amount, pauses)
        base = cal.due_epoch(clock.started, duration, target.counting)
        paused = sum(cal.elapsed_epoch(a, min(b, base)) for a, b in pauses if a < base)
        return cal.add_epoch(base, paused) if paused else base

    def run(self, ticket: Ticket) -> SubjectOutcome:  # noqa: C901 (one state machine; helpers would cost a call per event)
        """The ticket's outcome; TicketError (or CalendarError) when it cannot be replayed."""
        self._check_events(ticket)
        events = ticket.events
        attrs = dict(ticket.attributes)
        if events[0].attributes:
            attrs.update(events[0].attributes)
        decision = self.decide(attrs)
        snapshots = [_Snapshot(events[0].at, attrs, decision)]
        changed: dict[int, _Snapshot] = {}  # event index -> the attributes it sets; all checked before any clock runs
        for index in range(1, len(events)):
            if events[index].attributes:
                merged = {**snapshots[-1].attributes, **events[index].attributes}
                changed[index] = _Snapshot(events[index].at, merged, self.decide(merged))
                snapshots.append(changed[index])
        order = self._order
        status: str | None = None
        current: dict[str, _Clock] = {}
        recurring: dict[str, _Clock] = {}  # the current clocks of `repeat` metrics
        finished: list[_Clock] = []
        armed: set[str] = set()  # metrics whose next start event begins a new cycle
        clock: _Clock | None

        def start(metric: Metric, t: float, cycle: int) -> _Clock:
            clock = _Clock(metric, cycle, order[metric.id] * 1_000_000 + cycle, t, decision.targets.get(metric.id),
                           decision.rules.get(metric.id))
            if metric.pause_statuses and status in metric.pause_statuses:
                clock.pause(t)
            current[metric.id] = clock
            if metric.repeat:
                recurring[metric.id] = clock
            return clock

        def roll_periods(until: float) -> None:
            """Missed periods of recurring clocks are breaches; the next period starts at the due time."""
            for clock in list(recurring.values()):
                while clock.stopped is None and clock.cancelled is None and not clock.paused:
                    due = self._due(clock, clock.target, attrs, until)
                    if due is None or due >= until:
                        break
                    if clock.cycle >= MAX_PERIODS:
                        raise TicketError("limit", f"'{clock.metric.id}' would run more than {MAX_PERIODS} periods "
                                                   f"(every {clock.target.duration if clock.target else '?'}) before "
                                                   f"{self._day(until)}; check --as-of and the ticket's events")
                    clock.breached_period = due
                    clock.stopped = due
                    finished.append(clock)
                    clock = start(clock.metric, due, clock.cycle + 1)

        for index, event in enumerate(events):
            t = event.at
            if recurring:
                roll_periods(t)
            if changed and index in changed:
                attrs, decision = changed[index].attributes, changed[index].decision
                for clock in current.values():
                    if clock.stopped is None and clock.cancelled is None:
                        new_target = decision.targets.get(clock.metric.id)
                        if new_target != clock.target:
                            clock.retarget(t, new_target, decision.rules.get(clock.metric.id))
            for metric in self._anchored:  # deadlines anchored before a date start once it is known
                if metric.id not in current and attrs.get(metric.before or "") is not None:
                    start(metric, t, 1)
            if event.type == "status":
                status = event.status
            actions = self.event_actions(event.type, event.status)
            for metric, acts in actions:
                metric_id = metric.id
                clock = current.get(metric_id)
                if acts & RESTART and clock is not None:
                    if clock.stopped is None and clock.cancelled is None:
                        clock.resume(t)
                        clock.cancelled = t
                    if "created" in metric.start:  # its start event cannot come again: the new cycle starts now
                        finished.append(clock)
                        clock = start(metric, t, clock.cycle + 1)
                    else:
                        armed.add(metric_id)
                if acts & START and (clock is None or metric_id in armed):
                    if clock is not None:
                        finished.append(clock)
                    armed.discard(metric_id)
                    clock = start(metric, t, clock.cycle + 1 if clock is not None else 1)
                if clock is None or clock.stopped is not None or clock.cancelled is not None:
                    continue
                if acts & STOP:
                    clock.resume(t)
                    clock.stopped = t
                    if metric.repeat:
                        finished.append(clock)
                        start(metric, t, clock.cycle + 1)
                elif acts & CANCEL:
                    clock.resume(t)
                    clock.cancelled = t
                elif acts & PAUSE and not clock.paused:
                    clock.pause(t)
                elif acts & RESUME:
                    clock.resume(t)
            if event.type == "status":
                pausing = {metric.id for metric, acts in actions if acts & PAUSE_WHILE}
                for metric in self._status_paused:
                    clock = current.get(metric.id)
                    if clock is None or clock.stopped is not None or clock.cancelled is not None:
                        continue
                    if metric.id in pausing:
                        if not clock.paused:
                            clock.pause(t)
                    else:
                        clock.resume(t)
        if recurring:
            roll_periods(self.as_of)
        finished.extend(current.values())
        return self._outcome(ticket, finished, snapshots)

    def _day(self, t: float) -> str:
        return dt.datetime.fromtimestamp(t, self.policy.tz).date().isoformat()

    # ---- outcomes --------------------------------------------------------------------------

    def _snapshot_at(self, snapshots: list[_Snapshot], t: float) -> _Snapshot:
        found = snapshots[0]
        for snapshot in snapshots:
            if snapshot.at <= t:
                found = snapshot
        return found

    def _outcome(self, ticket: Ticket, clocks: list[_Clock], snapshots: list[_Snapshot]) -> SubjectOutcome:
        as_of = self.as_of
        out: list[ClockOutcome] = []
        escalations: list[EscalationFiring] = []
        escalated = self.policy.escalations
        if len(clocks) > 1:
            clocks.sort(key=_RANK)
        for clock in clocks:
            target, rule = clock.target, clock.rule
            changes = clock.changes
            if changes is None:
                if target is None:
                    continue  # the policy sets this metric no target for this ticket: not applicable
            elif all(change.target is None for change in changes):
                continue
            stopped, cancelled = clock.stopped, clock.cancelled
            end = stopped if stopped is not None else cancelled
            attrs = snapshots[-1].attributes
            if clock.metric.before:  # the anchor date as it was when the clock ended
                attrs = self._snapshot_at(snapshots, min(end, as_of) if end is not None else as_of).attributes
            if target is None:  # a later change took the target away: the clock stops applying then
                assert changes is not None
                last = next(c for c in reversed(changes) if c.target is not None)
                target, rule = last.target, last.rule
                if stopped is None and cancelled is None:
                    end = cancelled = clock.cancelled = next(c.at for c in reversed(changes) if c.target is None)
            assert target is not None
            horizon = min(end, as_of) if end is not None else as_of
            cal = self.calendar(target.calendar)
            due = self._due(clock, target, attrs, horizon)
            paused_now = clock.paused
            breached_at: float | None = None
            if clock.breached_period is not None:
                state, breached_at = BREACHED, clock.breached_period
            elif stopped is not None and stopped <= as_of:
                state = MET if due is not None and stopped <= due else BREACHED
                breached_at = due if state is BREACHED else None
            elif cancelled is not None and cancelled <= as_of:
                # breached before it was cancelled stays breached
                state, breached_at = (BREACHED, due) if due is not None and due < cancelled else (CANCELLED, None)
            elif due is not None and due <= as_of and not paused_now:
                state, breached_at = BREACHED, due
            else:
                state = RUNNING
            paused = 0.0
            if clock.pauses is not None:
                paused = sum(cal.elapsed_epoch(a, min(b, horizon)) for a, b in clock.pauses if a < horizon)
            elapsed = horizon - clock.started if cal.always else cal.elapsed_epoch(clock.started, horizon)
            out.append(ClockOutcome(
                clock.metric, clock.cycle, target, rule, clock.started, due,
                stopped if stopped is not None and stopped <= as_of and clock.breached_period is None else None,
                cancelled if cancelled is not None and cancelled <= as_of else None,
                paused, elapsed - paused, paused_now and state is RUNNING,
                state, breached_at, tuple(changes) if changes is not None else (),
            ))
            if due is not None and clock.metric.id in escalated:
                self._escalations(clock, cal, snapshots, end, due, escalations)
        if len(escalations) > 1:
            escalations.sort(key=lambda e: (e.at, e.step.metric, e.step.index))
        resolved = False
        for event in ticket.events:
            if event.at <= as_of and event.type in ("resolved", "reopened"):
                resolved = event.type == "resolved"
        return SubjectOutcome(
            ticket.id, ticket.line, self.policy, ticket.events[0].at, snapshots[-1].attributes, resolved,
            tuple(out), tuple(escalations),
        )

    def _escalations(
        self, clock: _Clock, cal: BusinessCalendar, snapshots: list[_Snapshot], end: float | None, due: float,
        out: list[EscalationFiring],
    ) -> None:
        metric = clock.metric.id
        steps: Iterable[EscalationStep]
        if len(snapshots) == 1:
            steps = snapshots[0].decision.steps.get(metric, ())
        else:
            possible = {s for snap in snapshots for s in snap.decision.steps.get(metric, ())}
            steps = [s for s in self.policy.escalations[metric] if s in possible]  # applies under some attributes
        if not steps:
            return
        limit = min(end if end is not None else INF, self.as_of)
        inclusive = clock.breached_period is not None  # a missed period breached at its end
        # a target given later (a downgrade) is measured from the original start, but its
        # escalations cannot fire before it existed: they fire when it takes effect
        changes = clock.changes
        effective = clock.started if changes is None else next(c.at for c in changes if c.target is not None)
        pauses = clock.pauses or ()
        simple = cal.always and not pauses  # clock time, nothing to skip: plain arithmetic
        seconds_target: float | None = None
        for step in steps:
            if step.at_start:
                first = clock.started
            elif step.share is not None:
                if simple:
                    first = clock.started + step.share * max(0.0, due - clock.started)
                else:
                    if seconds_target is None:
                        seconds_target = cal.elapsed_epoch(clock.started, due) - sum(
                            cal.elapsed_epoch(a, min(b, due)) for a, b in pauses if a < due
                        )
                    first = cal.add_excluding_epoch(clock.started, step.share * max(0.0, seconds_target), pauses)
            elif step.delay is None:
                first = due
            else:
                first = due + step.delay.amount if cal.always else cal.add_epoch(due, step.delay.amount)
            if step.repeat_every is None:
                times = [max(first, effective)]
            else:
                times = [first]
                count = step.repeat_times if step.repeat_times is not None else MAX_REPEATS
                t = first
                for _ in range(count):
                    t = cal.add_epoch(t, step.repeat_every.amount)
                    if t >= limit:
                        break
                    times.append(t)
                times = sorted({max(t, effective) for t in times})
            for k, t in enumerate(times):
                if not (t < limit or ((inclusive or step.at_start) and t <= limit)):
                    break
                if len(snapshots) > 1 and step not in self._snapshot_at(snapshots, t).decision.steps.get(metric, ()):
                    continue
                out.append(EscalationFiring(t, step, clock.cycle, k))


class Replayer:
    """Outcomes for the tickets of one policy set: the version in force for each, one
    simulator per version, kept for the whole run."""

    def __init__(self, policies: PolicySet, backend: Backend, as_of: float,
                 rulesets: Sequence[CompiledPolicy] | None = None) -> None:
        """`rulesets`: the versions' compiled rulesets, in version order (compiled here when not given)."""
        self.policies = policies
        self.backend = backend
        self.as_of = as_of
        self._rulesets = dict(zip(map(id, policies.versions), rulesets)) if rulesets is not None else {}
        self._simulators: dict[int, Simulator] = {}

    def simulator(self, policy: Policy) -> Simulator:
        sim = self._simulators.get(id(policy))
        if sim is None:
            sim = self._simulators[id(policy)] = Simulator(policy, self.backend, self.as_of, self._rulesets.get(id(policy)))
        return sim

    def outcome(self, ticket: Ticket) -> SubjectOutcome | Rejection:
        created = ticket.events[0].at
        try:
            policy = self.policies.version_for(created)
            if policy is None:
                day = _local_day(created, self.policies)
                raise TicketError("no_policy_version", f"no version of policy '{self.policies.id}' is in force on {day}")
            return self.simulator(policy).run(ticket)
        except TicketError as exc:
            return reject(ticket.id, ticket.line, exc.code, str(exc))
        except CalendarError as exc:
            return reject(ticket.id, ticket.line, "calendar", str(exc))

    def item(self, item: RawItem | Rejection) -> SubjectOutcome | Rejection:
        """An item read as plain data (CSV, YAML, a test case), checked, then replayed."""
        if isinstance(item, Rejection):
            return item
        try:
            ticket = ticket_from_data(item.data, item.line, self.policies.tz)
        except TicketError as exc:
            raw = item.data.get("id") if isinstance(item.data, dict) else None
            return reject(str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None,
                          item.line, exc.code, str(exc))
        return self.outcome(ticket)


def _local_day(t: float, policies: PolicySet) -> str:
    return dt.datetime.fromtimestamp(t, policies.tz).date().isoformat()


def simulate(
    policies: PolicySet, items: Iterable[RawItem | Rejection], backend: Backend, as_of: float,
) -> Iterator[SubjectOutcome | Rejection]:
    """One outcome per item, in order: the library entry point for tickets given as plain data.

    Duplicate ids are not checked here: `slapolicy.replay` does that for whole histories."""
    replayer = Replayer(policies, backend, as_of)
    for item in items:
        yield replayer.item(item)

"""Replay tickets (and contracts, calls, duties) against a policy in virtual time: every clock,
deadline, breach, escalation and notice.

The simulator is a generic clock machine. Which target rule gives each metric its
deadline, which escalation steps and notices apply and which clocks an event starts,
stops, pauses, resumes, cancels, fails or restarts are decisions of the rules engine (a
backend of `slapolicy.rules.engine`, on the compiled ruleset), cached per distinct combination
of the values the policy's conditions read. The simulator only applies them in time, on
epoch seconds, and returns typed outcomes (`slapolicy.sim.outcome`).

Semantics (README, "Semantics"):
- a subject has a kind (ticket by default); only the metrics of its kind run;
- a clock starts on its metric's start events, stops on its stop events, pauses on
  pause events or while the status is one of `pause_while`; paused working time does
  not count; `cancel_on` voids it, `fail_on` ends it unmet (a breach);
- a metric no target rule times is measured, not timed: its clocks are `untimed`;
- an `every` metric is a duty per calendar period: each period needs a stop event by its
  due time, each period missed is its own breach;
- a recurring (`repeat`) clock starts its next period at each stop; a period that runs
  past its deadline is breached and the next period starts at that deadline;
- a change of attributes re-selects targets, measured from the clock's original start;
- `restart_on` (e.g. reopened) starts a new cycle of a stopped clock;
- escalation steps are timed by the target in force at each moment: a step of a target
  that came into force later fires no earlier than that moment, a step that fired stays
  fired, each step at most once per cycle unless it repeats, and only while the clock
  runs; an open pause never shortens a target;
- a notice fires once, the first time the subject matches its condition (or at its event);
- a clock without its stop event is `running` until `as_of`, then `breached` at its due time.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..calendar.business import BusinessCalendar, CalendarError
from ..calendar.instants import InstantError, parse_instant
from ..diagnostics.record import choices, did_you_mean, shorten
from ..policy.conditions import evaluate_partial, fields, full_match
from ..policy.model import (
    ALWAYS_CALENDAR,
    MAX_REPEATS,
    Correlation,
    EscalationStep,
    Invariant,
    Metric,
    Notice,
    Objective,
    Penalty,
    Policy,
    Route,
    TargetRule,
    TargetValue,
)
from ..rules.compiler import CompiledPolicy, compile_policy
from ..rules.engine import Backend
from ..validate.repository import PolicySet
from .outcome import (
    Charge,
    ClockOutcome,
    ClockStatus,
    EscalationFiring,
    Finding,
    NoticeFiring,
    Reason,
    Rejection,
    Sample,
    SubjectOutcome,
    TargetChange,
)
from .roster import EMPTY as NO_ROSTER
from .roster import Roster
from .tickets import Event, RawItem, Ticket, TicketError, reject, rejected, rejected_item, ticket_from_data

INF = math.inf
MAX_PERIODS = 10_000  # cycles of one recurring clock in one ticket; with MAX_EVENTS this bounds a ticket's work
# what an event does to a metric's clock, as bits (cheaper to test than names on the hot path)
RESTART, START, STOP, CANCEL, PAUSE, RESUME, PAUSE_WHILE, FAIL = 1, 2, 4, 8, 16, 32, 64, 128
ACTION_BITS = {"restart_on": RESTART, "start": START, "stop": STOP, "cancel_on": CANCEL, "pause_on": PAUSE,
               "resume_on": RESUME, "pause_while": PAUSE_WHILE, "fail_on": FAIL}
MET, BREACHED, RUNNING, CANCELLED, UNTIMED = (ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.RUNNING,
                                              ClockStatus.CANCELLED, ClockStatus.UNTIMED)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one combination of attribute values."""

    targets: dict[str, TargetValue]
    rules: dict[str, TargetRule]
    steps: dict[str, tuple[EscalationStep, ...]]
    notices: tuple[Notice, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    route: Route | None = None  # the first route that matches
    correlations: tuple[Correlation, ...] = ()  # those the subject takes part in
    penalties: tuple[Penalty, ...] = ()  # those whose `when` holds
    multiplied: frozenset[tuple[str, int]] = frozenset()  # (penalty, multiplier index) whose `when` holds
    # rules that could not be decided for want of an attribute (metric, or notice/invariant/route id -> findings)
    undecided: dict[str, tuple[Finding, ...]] | None = None


class Match(NamedTuple):
    """A correlation completed by a subject: when, with which subjects (ids in creation order), on which key."""

    correlation: str
    at: float
    members: tuple[str, ...]
    key: tuple[Any, ...]


@dataclass(frozen=True)
class Correlated:
    """What the first pass over a history found, by input line: matches completed by the subject on
    that line, and correlations it could not take part in for want of a key attribute."""

    matches: Mapping[int, tuple[Match, ...]]
    undecided: Mapping[int, tuple[tuple[str, tuple[str, ...]], ...]]


NOTHING_CORRELATED = Correlated({}, {})


@dataclass(frozen=True, slots=True)
class _Actions:
    """What one event does: to each metric's clock (ACTION_BITS), and which notices it triggers."""

    clocks: tuple[tuple[Metric, int], ...]
    notices: frozenset[str]


class _Clock:
    """One cycle of one metric's clock while the ticket is replayed (mutable; becomes a ClockOutcome)."""

    __slots__ = ("metric", "cycle", "rank", "started", "target", "rule", "pauses", "stopped", "cancelled", "failed",
                 "changes", "breached_period")

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
        self.failed: float | None = None
        self.changes: list[TargetChange] | None = None  # from the first re-selection on: every target it had
        self.breached_period: float | None = None  # for repeat clocks: due of a missed period

    @property
    def running(self) -> bool:
        return self.stopped is None and self.cancelled is None and self.failed is None

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

    def pauses_before(self, horizon: float) -> tuple[tuple[float, float], ...]:
        """Its pauses that began before `horizon`, each ending there at the latest."""
        return tuple((a, min(b, horizon)) for a, b in self.pauses if a < horizon) if self.pauses else ()

    def pauses_until(self, horizon: float, cal: BusinessCalendar) -> tuple[tuple[tuple[float, float], ...], float]:
        """`pauses_before(horizon)` and their working time on `cal`."""
        spans = self.pauses_before(horizon)
        return spans, (sum(cal.elapsed_epoch(a, b) for a, b in spans) if spans else 0.0)

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

    def __init__(self, policy: Policy, backend: Backend, as_of: float, compiled: CompiledPolicy | None = None,
                 roster: Roster = NO_ROSTER) -> None:
        self.policy = policy
        self.roster = roster
        self.backend = backend
        self.as_of = as_of
        self.compiled = compiled if compiled is not None else compile_policy(policy)
        self._calendars: dict[str, BusinessCalendar] = {}
        self._decisions: dict[tuple[Any, ...], Decision | TicketError] = {}
        self._events: dict[tuple[str, str, str | None], _Actions] = {}
        self._anchors: dict[tuple[str, str], float] = {}
        self._order = {m: i for i, m in enumerate(policy.metrics)}
        self._timed = policy.timed
        self._kinds = frozenset(policy.kinds)
        by_kind: dict[str, list[Metric]] = {k: [] for k in policy.kinds}
        for m in policy.metrics.values():
            by_kind.setdefault(m.subject, []).append(m)
        self._metrics = {k: tuple(ms) for k, ms in by_kind.items()}
        self._anchored = {k: tuple(m for m in ms if m.before and not m.start) for k, ms in self._metrics.items()}
        self._scheduled = {k: tuple(m for m in ms if m.every) for k, ms in self._metrics.items()}
        self._status_paused = {k: tuple(m for m in ms if m.pause_statuses) for k, ms in self._metrics.items()}
        self._event_types = frozenset(policy.events)
        self._valued = tuple((a.id, a.values, a.subject) for a in policy.attributes.values() if a.values is not None)
        self._defaults = tuple(a for a in policy.attributes.values() if a.required or a.default is not None)
        checked = ["severity", "tier", *(name for name, _, _ in self._valued)]
        self._key_fields = tuple(dict.fromkeys([*self.compiled.fields, *checked]))
        self._date_anchors = frozenset(a.id for a in policy.attributes.values() if a.type == "date")
        self._notices = {notice.id: notice for notice in policy.notices}
        self._invariants = {invariant.id: invariant for invariant in policy.invariants}
        self._judged = bool(policy.invariants or policy.routes or policy.identity)  # history checks to run
        self._correlations = {c.id: c for c in policy.correlations}
        self._penalties = {p.id: p for p in policy.penalties}
        self._coverage = {k: tuple(o for o in policy.objectives if o.measure == "coverage" and o.subject == k) for k in policy.kinds}
        self.warned = frozenset(a.id for a in policy.attributes.values() if a.warn)

    # ---- engine decisions, cached ------------------------------------------------------

    def calendar(self, name: str) -> BusinessCalendar:
        cal = self._calendars.get(name)
        if cal is None:
            cal = self._calendars[name] = BusinessCalendar(self.policy.calendars[name])
        return cal

    def decide(self, kind: str, attributes: dict[str, Any]) -> Decision:
        """The engine's decision for these attributes; TicketError if the policy does not cover them."""
        key = (kind, *[attributes.get(f) for f in self._key_fields])
        found = self._decisions.get(key)
        if found is None:
            try:
                self._check_attributes(kind, attributes)
                found = self._ask_engine(kind, attributes)
            except TicketError as exc:
                found = exc
            self._decisions[key] = found
        if isinstance(found, TicketError):
            raise found
        return found

    def _ask_engine(self, kind: str, attributes: dict[str, Any]) -> Decision:
        fired = self.backend.matches(self.compiled, self.compiled.ticket_fact(attributes))
        meaning = self.compiled.meaning
        targets: dict[str, TargetValue] = {}
        rules: dict[str, TargetRule] = {}
        steps: dict[str, list[EscalationStep]] = {}
        notices: list[Notice] = []
        invariants: set[Invariant] = set()
        route: Route | None = None
        correlations: list[Correlation] = []
        penalties: list[Penalty] = []
        multiplied: set[tuple[str, int]] = set()
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
            elif m["kind"] == "notice" and self._notices[m["notice"]].subject == kind:
                notices.append(self._notices[m["notice"]])
            elif m["kind"] == "invariant":
                invariants.add(self._invariants[m["invariant"]])
            elif m["kind"] == "correlation" and self._correlations[m["correlation"]].subject == kind:
                correlations.append(self._correlations[m["correlation"]])
            elif m["kind"] == "penalty" and self._penalties[m["penalty"]].subject == kind:
                penalties.append(self._penalties[m["penalty"]])
            elif m["kind"] == "multiplier":
                multiplied.add((m["penalty"], m["index"]))
            elif m["kind"] == "route":
                candidate = self.policy.routes[m["route"]]
                if candidate.subject == kind and (route is None or candidate.index < route.index):
                    route = candidate
        return Decision(targets, rules, {k: tuple(v) for k, v in steps.items()},
                        tuple(n for n in self.policy.notices if n in notices),
                        tuple(v for v in self.policy.invariants if v in invariants and v.subject == kind), route,
                        tuple(c for c in self.policy.correlations if c in correlations),
                        tuple(p for p in self.policy.penalties if p in penalties), frozenset(multiplied),
                        self._undecided(kind, attributes, rules, route))

    def _undecided(self, kind: str, attributes: dict[str, Any], winners: dict[str, TargetRule],
                   route: Route | None) -> dict[str, tuple[Finding, ...]] | None:
        """Rules that could not be evaluated for want of an attribute the policy asks to be warned about."""
        warned = {a.id for a in self.policy.attributes.values() if a.warn and a.subject == kind}
        missing = warned - {k for k, v in attributes.items() if v is not None}
        if not missing:
            return None
        known = frozenset(attributes) | frozenset(self.policy.attributes) - missing | {"severity", "tier"}
        out: dict[str, list[Finding]] = {}

        def note(key: str, what: str, cond: Any, clauses: tuple[str, ...], source: Any, rule: str | None = None) -> None:
            needed = sorted(set(fields(cond)) & missing)
            if needed and evaluate_partial(cond, attributes, known) is None:
                names = ", ".join(f"'{n}'" for n in needed)
                out.setdefault(key, []).append(Finding(
                    "undecided_rule", f"{what} could not be applied: the {kind} has no {names}", None, clauses, source,
                    rule))

        for metric in self._metrics.get(kind, ()):
            winner = winners.get(metric.id)
            for rule in self.policy.targets:
                if rule is winner:
                    break
                if metric.id in rule.values:
                    note(metric.id, f"the {metric.id} target of {rule.id or 'the rule'} ({rule.source})", rule.when,
                         rule.values[metric.id].clauses or rule.clauses, rule.source)
            for step in self.policy.escalations.get(metric.id, ()):
                note(metric.id, f"escalation step {step.index} of {metric.id}{f' ({step.id})' if step.id else ''}", step.when,
                     step.clauses, step.source)
        for notice in self.policy.notices:
            if notice.subject == kind:
                note(f"notice:{notice.id}", f"notice {notice.id}", notice.when, notice.clauses, notice.source, notice.id)
        for invariant in self.policy.invariants:
            if invariant.subject == kind:
                note(f"invariant:{invariant.id}", f"invariant {invariant.id}", invariant.when, invariant.clauses,
                     invariant.source, invariant.id)
        for candidate in self.policy.routes:
            if candidate is route:
                break
            if candidate.subject == kind:
                note(f"route:{candidate.id}", f"route {candidate.id}", candidate.when, candidate.clauses, candidate.source,
                     candidate.id)
        return {k: tuple(v) for k, v in out.items()} or None

    def event_actions(self, kind: str, event_type: str, status: str | None) -> _Actions:
        """What the event does to each metric's clock of this kind (ACTION_BITS), in policy order."""
        key = (kind, event_type, status if event_type == "status" else None)
        actions = self._events.get(key)
        if actions is None:
            actions = self._events[key] = self._ask_actions(kind, event_type, key[2])
        return actions

    def _ask_actions(self, kind: str, event_type: str, status: str | None) -> _Actions:
        fact: dict[str, Any] = {"t": "event", "type": event_type}
        if status is not None:
            fact["status"] = status
        found: dict[str, int] = {}
        notices: set[str] = set()
        for name in self.backend.matches(self.compiled, fact):
            m = self.compiled.meaning.get(name)
            if m is None:
                continue
            if m["kind"] == "clock":
                found[m["metric"]] = found.get(m["metric"], 0) | ACTION_BITS[m["action"]]
            elif m["kind"] == "notice_on" and self._notices[m["notice"]].subject == kind:
                notices.add(m["notice"])
        metrics = self.policy.metrics
        return _Actions(tuple((metrics[k], found[k]) for k in metrics if k in found and metrics[k].subject == kind),
                        frozenset(notices))

    # ---- checks against the policy ---------------------------------------------------------

    def check_kind(self, ticket: Ticket) -> None:
        if ticket.kind not in self._kinds:
            raise TicketError("unknown_kind", f"unknown kind of subject '{shorten(ticket.kind)}'"
                                              f"{did_you_mean(ticket.kind, tuple(self._kinds))}; the policy governs: "
                                              f"{', '.join(sorted(self._kinds))}")

    def check_events(self, ticket: Ticket) -> None:
        self.check_kind(ticket)
        for problem in self._event_problems(ticket):
            raise problem

    def _event_problems(self, ticket: Ticket) -> Iterator[TicketError]:
        p = self.policy
        for event in ticket.events:
            if event.type not in self._event_types:
                hint = did_you_mean(event.type, p.events) or "; declare it under the policy's events: or correct the name"
                yield TicketError("unknown_event_type", f"unknown event type '{shorten(event.type)}'{hint}")
            elif event.type == "status":
                if event.status is None:
                    yield TicketError("bad_shape", 'a status event needs a status, e.g. {"type": "status", "status": "waiting"}')
                elif p.statuses is not None and event.status not in p.statuses:
                    yield TicketError("unknown_status", f"unknown status '{shorten(event.status)}'{choices(event.status, tuple(p.statuses))}")

    def _check_attributes(self, kind: str, attrs: dict[str, Any]) -> None:
        for problem in self._attribute_problems(kind, attrs):
            raise problem

    def _attribute_problems(self, kind: str, attrs: dict[str, Any]) -> Iterator[TicketError]:
        p = self.policy
        severity = attrs.get("severity")
        if severity is None and kind == "ticket":
            yield TicketError("unknown_severity", f"the ticket has no severity; give one of: {', '.join(p.severities)}")
        if severity is not None and severity not in p.severities:
            yield TicketError("unknown_severity", f"unknown severity '{shorten(severity)}'"
                                                  f"{choices(str(severity), tuple(p.severities))}")
        tier = attrs.get("tier")
        if tier is not None and tier not in p.tiers:
            yield TicketError("unknown_tier", f"unknown tier '{shorten(tier)}'{choices(str(tier), tuple(p.tiers))}")
        for name, values, _ in self._valued:
            value = attrs.get(name)
            if value is not None and value not in values:
                yield TicketError(
                    "uncovered_value",
                    f"attribute {name}={shorten(repr(value))} is none of the values the policy covers: {', '.join(map(str, values))}",
                )

    def problems(self, ticket: Ticket) -> Iterator[Reason]:
        """Every reason the policy gives to reject the subject (kind, events, attributes at any
        event): what a rejection lists once one problem has stopped the subject."""
        try:
            self.check_kind(ticket)
        except TicketError as exc:
            yield from exc.reasons
            return
        for problem in self._event_problems(ticket):
            yield from problem.reasons
        attrs = dict(ticket.attributes)
        for event in ticket.events or _NO_EVENTS:  # a partly read subject may have none: its attributes still count
            attrs.update(event.attributes)
            try:
                self.complete(ticket.kind, attrs)
            except TicketError as exc:
                yield from exc.reasons
            for problem in self._attribute_problems(ticket.kind, attrs):
                yield from problem.reasons

    def complete(self, kind: str, attrs: dict[str, Any]) -> None:
        """Defaults for attributes the subject lacks; a required one missing is a rejection."""
        for a in self._defaults:
            if a.subject != kind or attrs.get(a.id) is not None:
                continue
            if a.default is not None:
                attrs[a.id] = a.default
            elif a.required:
                raise TicketError("missing_attribute", f"the {kind} has no '{a.id}', which the policy requires; give it "
                                                          f'("attributes": {{"{a.id}": ...}}) or declare a default')

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
            return cal.due_before_epoch(self._anchor(anchor, cal), target.duration, metric.before in self._date_anchors)
        duration = target.duration
        if clock.pauses is None:
            if duration.kind == "seconds":
                return clock.started + duration.amount if cal.always else cal.add_epoch(clock.started, duration.amount)
            return cal.due_epoch(clock.started, duration, target.counting)
        pauses = clock.pauses_before(until)
        if duration.kind == "seconds":
            return cal.add_excluding_epoch(clock.started, duration.amount, pauses)
        base = cal.due_epoch(clock.started, duration, target.counting)
        paused = sum(cal.elapsed_epoch(a, min(b, base)) for a, b in pauses if a < base)
        return cal.add_epoch(base, paused) if paused else base

    def run(self, ticket: Ticket, matches: tuple[Match, ...] = (),  # noqa: C901 (one state machine; helpers would cost a call per event)
            undecided: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> SubjectOutcome:
        """The subject's outcome; TicketError (or CalendarError) when it cannot be replayed. `matches`:
        correlations the subject completed (an event of each at its time); `undecided`: correlations it
        could not take part in (both from the first pass over the history, `slapolicy.sim.correlate`)."""
        self.check_events(ticket)
        if matches:
            ticket = _with_events(ticket, [Event(m.at, m.correlation, None, {}) for m in matches])
        kind = ticket.kind
        events = ticket.events
        attrs = dict(ticket.attributes)
        if events[0].attributes:
            attrs.update(events[0].attributes)
        if self._defaults:
            self.complete(kind, attrs)
        snapshots = [_Snapshot(events[0].at, attrs, self.decide(kind, attrs))]
        changed: dict[int, _Snapshot] = {}  # event index -> the attributes it sets; all checked before any clock runs
        for index in range(1, len(events)):
            if events[index].attributes:
                merged = {**snapshots[-1].attributes, **events[index].attributes}
                changed[index] = _Snapshot(events[index].at, merged, self.decide(kind, merged))
                snapshots.append(changed[index])
        attrs, decision = snapshots[0].attributes, snapshots[0].decision
        order = self._order
        status: str | None = None
        current: dict[str, _Clock] = {}
        recurring: dict[str, _Clock] = {}  # the current clocks of `repeat` metrics
        finished: list[_Clock] = []
        armed: set[str] = set()  # metrics whose next start event begins a new cycle
        notices: list[NoticeFiring] = []
        told: set[str] = set()
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
                while clock.running and not clock.paused:
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

        def tell(notice: Notice, t: float) -> None:
            if notice.id not in told and t <= self.as_of:
                told.add(notice.id)
                notices.append(NoticeFiring(t, notice))

        for index, event in enumerate(events):
            t = event.at
            if recurring:
                roll_periods(t)
            if changed and index in changed:
                attrs, decision = changed[index].attributes, changed[index].decision
                for clock in current.values():
                    if clock.running:
                        new_target = decision.targets.get(clock.metric.id)
                        if new_target != clock.target:
                            clock.retarget(t, new_target, decision.rules.get(clock.metric.id))
            if decision.notices and (index == 0 or index in changed):
                for notice in decision.notices:
                    if not notice.on:
                        tell(notice, t)
            for metric in self._anchored.get(kind, ()):  # deadlines anchored before a date start once it is known
                if metric.id not in current and attrs.get(metric.before or "") is not None:
                    start(metric, t, 1)
            if event.type == "status":
                status = event.status
            actions = self.event_actions(kind, event.type, event.status)
            if actions.notices:
                for notice in decision.notices:
                    if notice.id in actions.notices:
                        tell(notice, t)
            for metric, acts in actions.clocks:
                if metric.every:
                    continue  # periods are laid out below
                metric_id = metric.id
                clock = current.get(metric_id)
                if acts & RESTART and clock is not None:
                    if clock.running:
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
                if clock is None or not clock.running:
                    continue
                if acts & STOP:
                    clock.resume(t)
                    clock.stopped = t
                    if metric.repeat:
                        finished.append(clock)
                        start(metric, t, clock.cycle + 1)
                elif acts & FAIL:
                    clock.resume(t)
                    clock.failed = t
                elif acts & CANCEL:
                    clock.resume(t)
                    clock.cancelled = t
                elif acts & PAUSE and not clock.paused:
                    clock.pause(t)
                elif acts & RESUME:
                    clock.resume(t)
            if event.type == "status":
                pausing = {metric.id for metric, acts in actions.clocks if acts & PAUSE_WHILE}
                for metric in self._status_paused.get(kind, ()):
                    clock = current.get(metric.id)
                    if clock is None or not clock.running:
                        continue
                    if metric.id in pausing:
                        if not clock.paused:
                            clock.pause(t)
                    else:
                        clock.resume(t)
        if recurring:
            roll_periods(self.as_of)
        finished.extend(current.values())
        return self._outcome(ticket, finished, snapshots, notices, matches, undecided)

    def _day(self, t: float) -> str:
        return dt.datetime.fromtimestamp(t, self.policy.tz).date().isoformat()

    # ---- periods of `every` metrics --------------------------------------------------------

    def _periods(self, metric: Metric, ticket: Ticket, order: int) -> Iterator[ClockOutcome]:
        """One clock per calendar period from the subject's start (its start event, else its creation) to
        its end (a cancel event) or as_of: met by a stop event inside the period, by its due time."""
        assert metric.schedule is not None
        starts = [e.at for e in ticket.events if e.type in metric.start] if metric.start else [ticket.events[0].at]
        if not starts:
            return
        begin = starts[0]
        ends = [e.at for e in ticket.events if e.type in metric.cancel_on and e.at >= begin]
        end = min(ends[0] if ends else INF, self.as_of)
        proofs = [e.at for e in ticket.events if e.type in metric.stop and e.at >= begin]
        cal = self.calendar(metric.schedule.calendar)
        tz = self.policy.tz
        period_start = _period_start(dt.datetime.fromtimestamp(begin, tz), metric.every or "month", cal)
        cycle = 0
        while True:
            lo = period_start.timestamp()
            if lo >= end:
                return
            period_end = _next_period(period_start, metric.every or "month", cal)
            hi = period_end.timestamp()
            if metric.every == "working_day" and not cal.hours_on(period_start.date()):
                period_start = period_end  # a day off on the metric's calendar owes nothing
                continue
            due = hi if metric.due.working_day is None else _nth_working_day_end(cal, lo, hi, metric.due.working_day)
            if due <= begin:  # due before the subject's duty began (created after the 5th working day)
                period_start = period_end
                continue
            cycle += 1
            if cycle > MAX_PERIODS:
                raise TicketError("limit", f"'{metric.id}' would run more than {MAX_PERIODS} periods before {self._day(end)}; "
                                           "check --as-of and the subject's events")
            proof = next((p for p in proofs if lo <= p < hi), None)
            started = max(lo, begin)
            cancelled = ends[0] if ends and ends[0] < hi and (proof is None or ends[0] < proof) else None
            breached_at: float | None = None
            if proof is not None and proof <= self.as_of:
                state = MET if proof <= due else BREACHED
                breached_at = due if state is BREACHED else None
            elif cancelled is not None and cancelled <= self.as_of and cancelled < due:
                state = CANCELLED
            elif due <= self.as_of:
                state, breached_at = BREACHED, due
            else:
                state = RUNNING
            horizon = min(x for x in (proof, cancelled, self.as_of, hi) if x is not None)
            elapsed = cal.elapsed_epoch(started, max(started, horizon))
            yield ClockOutcome(metric, cycle, metric.schedule, None, started, due,
                               proof if proof is not None and proof <= self.as_of else None,
                               cancelled if cancelled is not None and cancelled <= self.as_of else None,
                               0.0, elapsed, False, state, breached_at, (), None, metric.schedule.calendar)
            period_start = period_end

    # ---- outcomes --------------------------------------------------------------------------

    def _snapshot_at(self, snapshots: list[_Snapshot], t: float) -> _Snapshot:
        found = snapshots[0]
        for snapshot in snapshots:
            if snapshot.at <= t:
                found = snapshot
        return found

    def _outcome(self, ticket: Ticket, clocks: list[_Clock], snapshots: list[_Snapshot], notices: list[NoticeFiring],
                 matches: tuple[Match, ...], undecided: tuple[tuple[str, tuple[str, ...]], ...]) -> SubjectOutcome:
        as_of = self.as_of
        out: list[ClockOutcome] = []
        escalations: list[EscalationFiring] = []
        escalated = self.policy.escalations
        if len(clocks) > 1:
            clocks.sort(key=_RANK)
        for clock in clocks:
            target, rule = clock.target, clock.rule
            changes = clock.changes
            metric = clock.metric
            if changes is None:
                if target is None:
                    if metric.id not in self._timed:
                        out.append(self._untimed(clock))
                    continue  # else: the policy sets this metric no target for this ticket: not applicable
            elif all(change.target is None for change in changes):
                continue
            stopped, cancelled, failed = clock.stopped, clock.cancelled, clock.failed
            end = stopped if stopped is not None else cancelled if cancelled is not None else failed
            attrs = snapshots[-1].attributes
            if metric.before:  # the anchor date as it was when the clock ended
                attrs = self._snapshot_at(snapshots, min(end, as_of) if end is not None else as_of).attributes
            if target is None:  # a later change took the target away: the clock stops applying then
                assert changes is not None
                last = next(c for c in reversed(changes) if c.target is not None)
                target, rule = last.target, last.rule
                if end is None:
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
            elif failed is not None and failed <= as_of:
                # ended unmet: breached when it ended, or at its due time if that came first
                state, breached_at = BREACHED, failed if due is None else min(due, failed)
            elif cancelled is not None and cancelled <= as_of:
                # breached before it was cancelled stays breached
                state, breached_at = (BREACHED, due) if due is not None and due < cancelled else (CANCELLED, None)
            elif due is not None and due <= as_of and not paused_now:
                state, breached_at = BREACHED, due
            else:
                state = RUNNING
            pauses, paused = clock.pauses_until(horizon, cal)
            elapsed = horizon - clock.started if cal.always else cal.elapsed_epoch(clock.started, horizon)
            out.append(ClockOutcome(
                metric, clock.cycle, target, rule, clock.started, due,
                stopped if stopped is not None and stopped <= as_of and clock.breached_period is None else None,
                cancelled if cancelled is not None and cancelled <= as_of else None,
                paused, elapsed - paused, paused_now and state is RUNNING,
                state, breached_at, tuple(changes) if changes is not None else (),
                failed if failed is not None and failed <= as_of else None, target.calendar, pauses,
            ))
            if due is not None and metric.id in escalated:
                self._escalations(clock, snapshots, end, attrs, horizon, escalations, target, due)
        for metric in self._scheduled.get(ticket.kind, ()):
            out.extend(self._periods(metric, ticket, self._order[metric.id]))
        if len(escalations) > 1:
            escalations.sort(key=lambda e: (e.at, e.step.metric, e.step.index))
        resolved = False
        for event in ticket.events:
            if event.at <= as_of and event.type in ("resolved", "reopened"):
                resolved = event.type == "resolved"
        findings = self._findings(ticket, {c.metric.id for c in clocks}, snapshots) if any(s.decision.undecided for s in snapshots) else ()
        if self._judged:
            findings = (*findings, *self._judge(ticket, snapshots))
        if matches or undecided:
            findings = (*findings, *self._correlation_findings(ticket, matches, undecided))
        clock_outcomes = tuple(out)
        charges = self._charges(ticket, snapshots, clock_outcomes, findings, matches) if self.policy.penalties else ()
        coverage = self._samples(ticket) if self._coverage.get(ticket.kind) else ()
        return SubjectOutcome(
            ticket.id, ticket.line, self.policy, ticket.events[0].at, self._snapshot_at(snapshots, self.as_of).attributes, resolved,
            clock_outcomes, tuple(escalations), findings, ticket.kind, tuple(notices), charges, coverage,
        )

    # ---- correlations, penalties, coverage -------------------------------------------------

    def _correlation_findings(self, ticket: Ticket, matches: tuple[Match, ...],
                              undecided: tuple[tuple[str, tuple[str, ...]], ...]) -> Iterator[Finding]:
        for m in matches:
            c = self._correlations[m.correlation]
            if c.link is not None:
                what = f"reports again the problem of {m.members[0]} ({c.link})"
            elif c.again_after:
                what = f"reports again a problem already solved: {m.members[0]} (same {', '.join(c.key)})"
            else:
                shown = ", ".join(f"{k}={shorten(str(v))}" for k, v in zip(c.key, m.key))
                what = f"is the {_ordinal(len(m.members))} report within {c.within} with {shown}: {', '.join(m.members)}"
            yield Finding("recurrence", f"{ticket.kind} {what}", m.at, c.clauses, c.source, c.id)
        for cid, missing in undecided:
            c = self._correlations[cid]
            names = ", ".join(f"'{n}'" for n in missing)
            yield Finding("undecided_rule", f"correlation {cid} could not be applied: the {ticket.kind} has no {names}", None,
                          c.clauses, c.source, cid)

    def _charges(self, ticket: Ticket, snapshots: list[_Snapshot], clocks: tuple[ClockOutcome, ...],
                 findings: tuple[Finding, ...], matches: tuple[Match, ...]) -> tuple[Charge, ...]:
        """Each occurrence of each penalty that applies: its amount, multipliers and payer."""
        known = [s for s in snapshots if s.at <= self.as_of] or snapshots[:1]  # nothing after --as-of counts
        decision = known[-1].decision
        if not decision.penalties:
            return ()
        attrs = known[-1].attributes
        matched = {m.correlation for m in matches}
        out: list[Charge] = []
        for penalty in decision.penalties:
            occurrences: list[tuple[float, str | None, str]] = []  # (when, actor, what)
            if penalty.breach is not None:
                occurrences += [(c.breached_at, None, f"{c.metric.id} breached" + (f" (period {c.cycle})" if c.cycle > 1 else ""))
                                for c in clocks if c.metric.id == penalty.breach and c.breached_at is not None]
            elif penalty.finding is not None:  # the rule broken, not a rule that could not be applied
                occurrences += [(f.at if f.at is not None else ticket.events[0].at, f.actor, f"{f.code}: {f.message}")
                                for f in findings if f.rule == penalty.finding and f.code != "undecided_rule"]
            else:
                since = next(s.at for s in known if penalty in s.decision.penalties)
                occurrences.append((since, None, f"{ticket.kind} matches {penalty.id}"))
            factor = 1.0
            for i, multiplier in enumerate(penalty.multipliers):
                if (multiplier.matched is not None and multiplier.matched in matched) or (
                        multiplier.matched is None and (penalty.id, i) in decision.multiplied):
                    factor *= multiplier.factor
            window = self.calendar(penalty.calendar) if penalty.calendar is not None else None
            for at, actor, what in occurrences:
                if window is not None and not window.in_working_time(at):
                    continue
                payer = self._payer(penalty, ticket, attrs, at, actor)
                out.append(Charge(at, penalty, round(penalty.cents * factor), factor, payer, what))
        return tuple(out)

    def _payer(self, penalty: Penalty, ticket: Ticket, attrs: Mapping[str, Any], at: float, actor: str | None) -> str | None:
        """The first of the penalty's payer sources that names someone."""
        for source, argument in penalty.payer:
            found: str | None = None
            if source == "assignee":
                found = next((e.assignee for e in reversed(ticket.events) if e.at <= at and e.assignee is not None), None)
            elif source == "actor":
                found = actor
            elif source == "on_duty":
                found = self.roster.on_duty(at, argument)
            elif source == "attribute":
                value = attrs.get(argument or "")
                found = str(value) if value not in (None, "") else None
            elif source == "role":
                found = self.roster.on_duty(at, argument) or f"{argument} (role)"
            if found:
                return found
        return None

    def _samples(self, ticket: Ticket) -> tuple[Sample, ...]:
        """Coverage objectives: when the subject entered each one's population, and whether its proof came in time
        (a subject whose proof may still come is not counted yet)."""
        out = []
        as_of = self.as_of
        for objective in self._coverage[ticket.kind]:
            entered = next((e.at for e in ticket.events if e.type in objective.population and e.at <= as_of), None)
            if entered is None:
                continue
            due = self._coverage_due(objective, entered)  # no window: decided at --as-of
            covered = any(entered <= e.at <= min(due, as_of) for e in ticket.events if e.type in objective.proof)
            if covered or due <= as_of:
                out.append(Sample(objective.id, entered, covered))
        return tuple(out)

    def _coverage_due(self, objective: Objective, entered: float) -> float:
        within = objective.within
        if within is None:
            return self.as_of
        return self.calendar(within.calendar).due_epoch(entered, within.duration, within.counting)

    def _untimed(self, clock: _Clock) -> ClockOutcome:
        """A clock of a metric no rule times: how long it ran, nothing more."""
        calendar = clock.metric.calendar or ALWAYS_CALENDAR
        cal = self.calendar(calendar)
        end = next((x for x in (clock.stopped, clock.cancelled, clock.failed) if x is not None), None)
        horizon = min(end, self.as_of) if end is not None else self.as_of
        pauses, paused = clock.pauses_until(horizon, cal)
        state = CANCELLED if clock.cancelled is not None and clock.cancelled <= self.as_of else UNTIMED
        return ClockOutcome(
            clock.metric, clock.cycle, None, None, clock.started, None,
            clock.stopped if clock.stopped is not None and clock.stopped <= self.as_of else None,
            clock.cancelled if clock.cancelled is not None and clock.cancelled <= self.as_of else None,
            paused, cal.elapsed_epoch(clock.started, horizon) - paused, clock.paused, state, None, (),
            clock.failed if clock.failed is not None and clock.failed <= self.as_of else None, calendar, pauses,
        )

    def _findings(self, ticket: Ticket, started: set[str], snapshots: list[_Snapshot]) -> tuple[Finding, ...]:
        """Rules that could not be applied for want of an attribute, where they mattered: on a clock the
        subject started (a target or step of its metric, even when no target applied), a notice, an
        invariant whose events happened (a `before` event, or an assignment for ownership), a route
        of a subject that was assigned."""
        happened = {e.type for e in ticket.events if e.at <= self.as_of}
        assigned = any(e.assignee is not None for e in ticket.events if e.at <= self.as_of)

        def matters(key: str) -> bool:
            kind, _, name = key.partition(":")
            if not name:
                return key in started
            if kind == "route":
                return "assigned" in happened
            if kind == "invariant":
                invariant = self._invariants[name]
                return assigned if invariant.owner else not happened.isdisjoint(invariant.before)
            return True

        out: dict[tuple[str, str], Finding] = {}
        for snap in snapshots:
            for key, found in (snap.decision.undecided or {}).items():
                if matters(key):
                    for f in found:
                        out.setdefault((key, f.message), f)
        return tuple(out.values())

    # ---- rules over the history: invariants, routing, identity ------------------------------

    def _judge(self, ticket: Ticket, snapshots: list[_Snapshot]) -> Iterator[Finding]:
        """Findings for the rules over the subject's history, in policy order."""
        identity = self.policy.identity
        if identity is not None and ticket.kind == "ticket" and not full_match(identity.pattern, ticket.id):
            yield Finding("malformed_id", f"the id '{shorten(ticket.id)}' does not match the pattern {identity.pattern}",
                          ticket.events[0].at, identity.clauses, identity.source)
        as_of = self.as_of
        events = ticket.events if ticket.events[-1].at <= as_of else [e for e in ticket.events if e.at <= as_of]
        types = {e.type for e in events}
        decided = snapshots[0].decision.invariants if len(snapshots) == 1 else {
            v for snap in snapshots for v in snap.decision.invariants}
        if decided:
            assignees = any(e.assignee is not None for e in events)
            for invariant in self.policy.invariants:
                if invariant not in decided:
                    continue
                if invariant.owner:
                    found = self._ownership(invariant, events, snapshots) if assignees else None
                else:
                    found = None if types.isdisjoint(invariant.before) else self._sequence(invariant, events, snapshots)
                if found is not None:
                    yield found
        assigned = next((e for e in events if e.type == "assigned"), None) if "assigned" in types else None
        if assigned is not None:
            route = self._snapshot_at(snapshots, assigned.at).decision.route
            if route is not None and assigned.group not in route.groups:
                given = f"group '{shorten(assigned.group)}'" if assigned.group is not None else "no group"
                yield Finding("misrouted", f"first assigned to {given}; route {route.id} sends it to "
                                           f"{' or '.join(route.groups)}", assigned.at, route.clauses, route.source,
                              route.id, assigned.actor)

    def _applies(self, invariant: Invariant, snapshots: list[_Snapshot], t: float) -> bool:
        return invariant in self._snapshot_at(snapshots, t).decision.invariants

    def _sequence(self, invariant: Invariant, events: list[Event], snapshots: list[_Snapshot]) -> Finding | None:
        """The first `before` event that came while a `requires` event (by one of the roles) had not."""
        done = dict.fromkeys(invariant.requires, False)
        by = invariant.by
        for e in events:
            if e.type in done and (not by or e.role in by):
                done[e.type] = True
            elif e.type in invariant.before and self._applies(invariant, snapshots, e.at):
                missing = [f"'{name}'" for name, ok in done.items() if not ok]
                if missing:
                    who = f" by {' or '.join(by)}" if by else ""
                    return Finding("out_of_order", f"'{e.type}' came before {' and '.join(missing)}{who}", e.at,
                                   invariant.clauses, invariant.source, invariant.id, e.actor)
        return None

    def _ownership(self, invariant: Invariant, events: list[Event], snapshots: list[_Snapshot]) -> Finding | None:
        """The first hand-over of the subject from its first assignee before an `until` event."""
        owner: str | None = None
        for e in events:
            if e.type in invariant.until and owner is not None:
                return None
            if e.assignee is None:
                continue
            if owner is None:
                owner = e.assignee
            elif e.assignee != owner and self._applies(invariant, snapshots, e.at):
                until = " or ".join(f"'{u}'" for u in invariant.until)
                return Finding("ownership", f"handed from {shorten(owner)} (its first receiver) to "
                                            f"{shorten(e.assignee)} before {until}", e.at, invariant.clauses,
                               invariant.source, invariant.id, e.actor)
        return None

    def _escalations(
        self, clock: _Clock, snapshots: list[_Snapshot], end: float | None, attrs: dict[str, Any], horizon: float,
        out: list[EscalationFiring], final: TargetValue, final_due: float,
    ) -> None:
        """Escalations timed by the target in force at each moment (each a segment of the clock's life).
        `final_due` is the due time under the clock's last target, already computed by the caller."""
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
        history = clock.changes or [TargetChange(clock.started, clock.target, clock.rule)]
        last_fired: dict[EscalationStep, float] = {}
        fired: dict[EscalationStep, int] = {}
        for n, segment in enumerate(history):
            target = segment.target
            if target is None:
                continue
            seg_start = segment.at
            seg_end = history[n + 1].at if n + 1 < len(history) else INF
            if seg_start > limit:
                break
            cal = self.calendar(target.calendar)
            due = final_due if target is final else self._due(clock, target, attrs, horizon)
            if due is None:
                continue
            pauses = clock.pauses_before(limit)
            for step in steps:
                if step in last_fired and step.repeat_every is None:
                    continue  # fired under an earlier target: stays fired, once per cycle
                for t in self._instants(step, clock, cal, target, due, pauses, limit):
                    t = max(t, seg_start)  # a target's steps fire no earlier than the target came into force
                    if t >= seg_end:
                        break
                    if step in last_fired and t <= last_fired[step]:
                        continue
                    if not (t < limit or ((inclusive or step.at_start) and t <= limit)):
                        break
                    if len(snapshots) > 1 and step not in self._snapshot_at(snapshots, t).decision.steps.get(metric, ()):
                        continue
                    out.append(EscalationFiring(t, step, clock.cycle, fired.get(step, 0)))
                    fired[step] = fired.get(step, 0) + 1
                    last_fired[step] = t
                    if step.repeat_every is None:
                        break

    def _instants(self, step: EscalationStep, clock: _Clock, cal: BusinessCalendar, target: TargetValue, due: float,
                  pauses: Sequence[tuple[float, float]], limit: float) -> list[float]:
        """When a step fires under one target, as if that target had held from the clock's start."""
        if step.at_start:
            first = clock.started
        elif step.share is not None:
            # the share of the target's own working time, pauses not counted (an open pause never shortens it)
            if target.duration.kind == "seconds":
                total = float(target.duration.amount)
            else:
                total = cal.elapsed_epoch(clock.started, cal.due_epoch(clock.started, target.duration, target.counting))
            if cal.always and not pauses:
                first = clock.started + step.share * total
            else:
                first = cal.add_excluding_epoch(clock.started, step.share * total, pauses)
        elif step.delay is None:
            first = due
        else:
            first = due + step.delay.amount if cal.always else cal.add_epoch(due, step.delay.amount)
        if step.repeat_every is None:
            return [first]
        times = [first]
        count = step.repeat_times if step.repeat_times is not None else MAX_REPEATS
        t = first
        for _ in range(count):
            t = cal.add_epoch(t, step.repeat_every.amount)
            if t >= limit:
                break
            times.append(t)
        return times


def _with_events(ticket: Ticket, extra: list[Event]) -> Ticket:
    """The ticket with more events, each after those at the same time (the sort is stable)."""
    events = sorted([*ticket.events, *extra], key=operator.itemgetter(0))
    return Ticket(ticket.id, ticket.line, ticket.attributes, events, ticket.kind)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _period_start(when: dt.datetime, every: str, cal: BusinessCalendar) -> dt.datetime:
    """The start (local midnight) of the calendar period containing `when`."""
    day = when.date()
    if every == "week":
        day -= dt.timedelta(days=day.weekday())
    elif every == "month":
        day = day.replace(day=1)
    elif every == "quarter":
        day = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif every == "year":
        day = dt.date(day.year, 1, 1)
    return _midnight(day, when.tzinfo)


def _next_period(start: dt.datetime, every: str, cal: BusinessCalendar) -> dt.datetime:
    day = start.date()
    if every in ("day", "working_day"):
        day += dt.timedelta(days=1)
    elif every == "week":
        day += dt.timedelta(days=7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[every]
        index = day.month - 1 + months
        day = dt.date(day.year + index // 12, index % 12 + 1, 1)
    return _midnight(day, start.tzinfo)


def _midnight(day: dt.date, tz: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(dt.datetime(day.year, day.month, day.day, tzinfo=tz).timestamp(), tz)


def _nth_working_day_end(cal: BusinessCalendar, lo: float, hi: float, n: int) -> float:
    """The end of the Nth working day in [lo, hi), or the period's end if it has fewer (the day before
    the period is the start: it is not counted, its first working day is the 1st)."""
    return min(cal.add_working_days_epoch(lo - 1, n, "end_of_day"), hi)


_NO_EVENTS = (Event(0.0, "", None, {}),)  # what Simulator.problems reads of a subject without one readable event


class Replayer:
    """Outcomes for the tickets of one policy set: the version in force for each, one
    simulator per version, kept for the whole run."""

    def __init__(self, policies: PolicySet, backend: Backend, as_of: float,
                 rulesets: Sequence[CompiledPolicy] | None = None, roster: Roster = NO_ROSTER) -> None:
        """`rulesets`: the versions' compiled rulesets, in version order (compiled here when not given)."""
        self.policies = policies
        self.backend = backend
        self.as_of = as_of
        self.roster = roster
        self.correlated = NOTHING_CORRELATED  # set by the replay after its first pass
        self._rulesets = dict(zip(map(id, policies.versions), rulesets)) if rulesets is not None else {}
        self._simulators: dict[int, Simulator] = {}

    def simulator(self, policy: Policy) -> Simulator:
        sim = self._simulators.get(id(policy))
        if sim is None:
            sim = self._simulators[id(policy)] = Simulator(policy, self.backend, self.as_of, self._rulesets.get(id(policy)),
                                                           self.roster)
        return sim

    def outcome(self, ticket: Ticket) -> SubjectOutcome | Rejection:
        created = ticket.events[0].at
        try:
            policy = self.policies.version_for(created)
            if policy is None:
                day = _local_day(created, self.policies)
                raise TicketError("no_policy_version", f"no version of policy '{self.policies.id}' is in force on {day}; "
                                                       f"its versions cover {_coverage(self.policies)}")
            correlated = self.correlated
            return self.simulator(policy).run(ticket, correlated.matches.get(ticket.line, ()),
                                              correlated.undecided.get(ticket.line, ()))
        except TicketError as exc:
            return rejected(ticket.id, ticket.line, exc, () if policy is None else self.simulator(policy).problems(ticket))
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
            return rejected_item(str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None, item.line,
                                 exc, self.problems)
        return self.outcome(ticket)

    def problems(self, partial: Ticket) -> list[Reason]:
        """The policy's reasons to reject a subject that could be read only in part (a bad timestamp, a
        misspelt created event): checked against the version in force at its first readable time, or,
        with no readable time, the reasons every version gives."""
        first = partial.events[0].at if partial.events else math.inf
        if math.isfinite(first):
            policy = self.policies.version_for(first)
            return [] if policy is None else list(self.simulator(policy).problems(partial))
        found = [list(self.simulator(policy).problems(partial)) for policy in self.policies.versions]
        return [r for r in found[0] if all(r in other for other in found[1:])] if found else []


def _coverage(policies: PolicySet) -> str:
    """The days the versions are in force, for a ticket that falls outside them."""
    return ", ".join(f"{p.effective_from} to {p.effective_until or 'open end'} ({p.version})" for p in policies.versions)


def _local_day(t: float, policies: PolicySet) -> str:
    return dt.datetime.fromtimestamp(t, policies.tz).date().isoformat()

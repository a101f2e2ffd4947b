"""The clock machine: a subject's clocks driven through its events, and their outcomes at as_of.

- a clock starts on its metric's start events (a deadline before a date once the date is
  known), stops on its stop events, pauses on pause events or while the status is one of
  `pause_while`; `cancel_on` voids it, `fail_on` ends it unmet (a breach);
- `restart_on` ends the current cycle (cancelled if still running); the next starts at once for
  a metric that starts on `created`, else at its next start event;
- a recurring (`repeat`) clock starts its next period at each stop; a period that runs past
  its deadline is breached and the next period starts at that deadline;
- a change of attributes re-selects targets, measured from the clock's original start; a clock
  whose target a change takes away is cancelled at that change (breached if already past due),
  unless a target comes back while it still runs: then it is judged under that one;
- a metric no target rule times is measured, not timed: its clocks are `untimed`;
- a clock without its stop event is `running` until as_of, then `breached` at its due time.

Which events do what, and which targets apply, are the engine's decisions (`decisions`);
`Clocks.event` is the per-event path and does its work inline.
"""

from __future__ import annotations

from typing import Any

from ..policy.model import ALWAYS_CALENDAR, Metric, Policy, TargetValue
from .clock import BY_RANK, MAX_PERIODS, Clock, Deadlines, too_many_periods
from .decisions import (
    CANCEL,
    FAIL,
    PAUSE,
    PAUSE_WHILE,
    RESTART,
    RESUME,
    START,
    STOP,
    Decider,
    EventActions,
    EventKey,
    Snapshot,
    snapshot_at,
)
from .escalation import Escalations
from .outcome import ClockOutcome, ClockStatus, EscalationFiring
from .phases import Phases
from .tickets import Event

MET, BREACHED, RUNNING, CANCELLED, UNTIMED = (ClockStatus.MET, ClockStatus.BREACHED, ClockStatus.RUNNING,
                                              ClockStatus.CANCELLED, ClockStatus.UNTIMED)


class ClockMachine:
    """One policy version's clocks: the metrics of each kind of subject, their deadlines and escalations."""

    def __init__(self, policy: Policy, decider: Decider, deadlines: Deadlines, escalations: Escalations,
                 as_of: float) -> None:
        self.event_actions = decider.event_actions  # read per event; `ask_event` fills what it lacks
        self.ask_event = decider.ask_event
        # where an event holds the fields the metrics' event filters read (its group, role …): part of its key
        self.event_fields = tuple(Event._fields.index(f) for f in decider.compiled.event_fields)
        self.deadlines = deadlines
        self.escalations = escalations
        self.as_of = as_of
        self.tz = policy.tz
        self.order = {m: i for i, m in enumerate(policy.metrics)}
        self.timed = policy.timed
        metrics = {k: tuple(m for m in policy.metrics.values() if m.subject == k) for k in policy.kinds}
        # deadlines anchored before a date, started once the date is known
        self.anchored = {k: tuple(m for m in ms if m.before and not m.start) for k, ms in metrics.items()}
        self.status_paused = {k: tuple(m for m in ms if m.pause_statuses) for k, ms in metrics.items()}
        # deadlines owed only if an event comes late (`owed_if_late`), by kind and that event
        self.late: dict[str, dict[str, tuple[Metric, ...]]] = {
            k: {e: tuple(m for m in ms if m.owed_if_late == e) for e in {m.owed_if_late for m in ms if m.owed_if_late}}
            for k, ms in metrics.items()}
        phases = Phases(policy)
        self.phase_ends = {m.id: phases.of_repeat(m) for m in policy.metrics.values() if m.repeat}  # what ends a repeat clock


class Clocks:
    """The clocks of one subject while its events are replayed: those running (one per metric, the
    current cycle), those of `repeat` metrics, and those finished."""

    __slots__ = ("_machine", "_kind", "_anchored", "_status_paused", "_attrs", "_decision", "_status", "_current",
                 "_recurring", "_finished", "_armed", "_late")

    def __init__(self, machine: ClockMachine, kind: str, first: Snapshot) -> None:
        self._machine = machine
        self._kind = kind
        self._anchored = machine.anchored[kind]
        self._status_paused = machine.status_paused[kind]
        self._attrs = first.attributes
        self._decision = first.decision
        self._status: str | None = None
        self._current: dict[str, Clock] = {}
        self._recurring: dict[str, Clock] = {}  # the current clocks of `repeat` metrics
        self._finished: list[Clock] = []
        self._armed: set[str] = set()  # metrics whose next start event begins a new cycle
        self._late = machine.late[kind]

    def _start(self, metric: Metric, t: float, cycle: int) -> Clock:
        """A new cycle of the metric's clock at t, under the target in force (paused if the status says so)."""
        decision = self._decision
        clock = Clock(metric, cycle, self._machine.order[metric.id] * 1_000_000 + cycle, t, decision.targets.get(metric.id),
                      decision.rules.get(metric.id))
        if metric.pause_statuses and self._status in metric.pause_statuses:
            clock.pause(t)
        self._current[metric.id] = clock
        if metric.repeat:
            self._recurring[metric.id] = clock
        return clock

    def _roll(self, until: float) -> None:
        """Missed periods of recurring clocks before `until` are breaches; the next period starts at the due time."""
        due_of = self._machine.deadlines.due
        for clock in list(self._recurring.values()):
            while clock.running and not clock.paused:
                due = due_of(clock, clock.target, self._attrs, until)
                if due is None or due >= until:
                    break
                clock.breached_period = due
                clock.stopped = due
                clock = self._next_period(clock, due, until)

    def _next_period(self, clock: Clock, t: float, until: float) -> Clock:
        """The next period of a recurring clock from t, within the one limit of periods (before `until`)."""
        if clock.cycle + 1 > MAX_PERIODS:
            raise too_many_periods(clock.metric, until, self._machine.tz, str(clock.target.duration if clock.target else "?"))
        self._finished.append(clock)
        return self._start(clock.metric, t, clock.cycle + 1)

    def event(self, event: Event, change: Snapshot | None) -> EventActions:  # noqa: C901 (one state machine, inline: it runs per event)
        """Apply one event to the clocks: periods missed before it, the targets of the attributes it
        changes (`change`), then what it does to each metric's clock. Returns what the event does."""
        t = event.at
        if self._recurring:
            self._roll(t)
        current = self._current
        clock: Clock | None
        previous = self._attrs  # as they stood before this event: what it is judged by
        if change is not None:
            self._attrs, decision = change.attributes, change.decision
            self._decision = decision
            for clock in current.values():
                if clock.running:
                    new_target = decision.targets.get(clock.metric.id)
                    if new_target != clock.target:
                        clock.retarget(t, new_target, decision.rules.get(clock.metric.id))
        for metric in self._anchored:  # deadlines anchored before a date start once it is known
            if metric.id not in current and self._attrs.get(metric.before or "") is not None:
                self._start(metric, t, 1)
        event_type = event.type
        if event_type == "status":
            self._status = status = event.status
        else:
            status = None
        key: EventKey = (self._kind, event_type, status)
        if self._machine.event_fields:
            key = (*key, *(event[i] for i in self._machine.event_fields))
        actions = self._machine.event_actions.get(key)
        if actions is None:
            actions = self._machine.ask_event(key)
        for metric, acts in actions.clocks:
            if metric.every:
                continue  # periods are laid out by `slapolicy.sim.periods`
            metric_id = metric.id
            clock = current.get(metric_id)
            if acts & RESTART and clock is not None:
                if clock.running:
                    clock.resume(t)
                    clock.cancelled = t
                if "created" in metric.start:  # its start event cannot come again: the new cycle starts now
                    self._finished.append(clock)
                    clock = self._start(metric, t, clock.cycle + 1)
                else:
                    self._armed.add(metric_id)
            if acts & START and (clock is None or metric_id in self._armed):
                if clock is not None:
                    self._finished.append(clock)
                self._armed.discard(metric_id)
                clock = self._start(metric, t, clock.cycle + 1 if clock is not None else 1)
            if clock is None or not clock.running:
                continue
            if acts & STOP:
                clock.resume(t)
                clock.stopped = t
                if metric.repeat and event_type not in self._machine.phase_ends[metric_id]:
                    self._next_period(clock, t, t)
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
            if metric.before is not None and not clock.running:  # due before the date as it stood before its end event
                clock.judged_by = previous
        if self._late and event_type in self._late:
            self._owed(event_type, t, previous)
        if self._recurring:
            self._end_phase(event_type, t)
        if event_type == "status":
            pausing = {metric.id for metric, acts in actions.clocks if acts & PAUSE_WHILE}
            for metric in self._status_paused:
                clock = current.get(metric.id)
                if clock is None or not clock.running:
                    continue
                if metric.id in pausing:
                    if not clock.paused:
                        clock.pause(t)
                else:
                    clock.resume(t)
        return actions

    def _owed(self, event_type: str, t: float, attrs: dict[str, Any]) -> None:
        """Deadlines owed only if `event_type` comes late (`owed_if_late`), before the date they are anchored at as
        `attrs` have it: the event in time excuses a clock still running (never owed); late, owed from then on."""
        for metric in self._late[event_type]:
            clock = self._current.get(metric.id)
            if clock is None or not clock.running or clock.late is not None:
                continue
            anchor = self._machine.deadlines.anchor(metric, attrs, clock.target.calendar if clock.target else ALWAYS_CALENDAR)
            if anchor is not None and t <= anchor:
                clock.resume(t)
                clock.cancelled, clock.excused = t, True
            else:
                clock.late = t

    def _end_phase(self, event_type: str, t: float) -> None:
        """Recurring clocks whose phase the event ends stop accruing periods: the current one is cancelled
        (a period already past due was breached by `_roll`), and the next start event begins a new cycle."""
        ends = self._machine.phase_ends
        for metric_id, clock in list(self._recurring.items()):
            if event_type in ends[metric_id]:
                if clock.running:
                    clock.resume(t)
                    clock.cancelled = t
                del self._recurring[metric_id]
                self._armed.add(metric_id)

    def started(self) -> set[str]:
        """The metrics whose clock started, applicable or not: where a rule that could not be decided for
        want of an attribute mattered. Asked after `outcomes`, which finishes every clock."""
        return {c.metric.id for c in self._finished}

    def outcomes(self, snapshots: list[Snapshot], escalations: list[EscalationFiring],
                 upcoming: list[EscalationFiring] | None = None) -> list[ClockOutcome]:
        """Each clock's outcome at as_of, by metric (policy order) then cycle, and the escalations that
        fired on it (into `escalations`); with `upcoming`, the next firing of each step of each clock that
        still runs, unpaused, at as_of (into it). A clock that never had a target, of a metric the policy
        times for other subjects, does not apply and is left out; one of a metric it never times is `untimed`."""
        machine = self._machine
        as_of = machine.as_of
        if self._recurring:
            self._roll(as_of)
        clocks = self._finished
        clocks.extend(self._current.values())
        out: list[ClockOutcome] = []
        deadlines = machine.deadlines
        escalated = machine.escalations.steps
        if len(clocks) > 1:
            clocks.sort(key=BY_RANK)
        for clock in clocks:
            target, rule = clock.target, clock.rule
            changes = clock.changes
            metric = clock.metric
            if changes is None:
                if target is None:
                    if metric.id not in machine.timed:
                        out.append(self._untimed(clock, snapshots[-1].attributes))
                    continue  # else: the policy sets this metric no target for this ticket: not applicable
            elif all(change.target is None for change in changes):
                continue
            stopped, cancelled, failed = clock.stopped, clock.cancelled, clock.failed
            end = stopped if stopped is not None else cancelled if cancelled is not None else failed
            if target is None:  # a change took the target away and none came back while it ran: cancelled then
                assert changes is not None
                last = next(c for c in reversed(changes) if c.target is not None)
                target, rule = last.target, last.rule
                stopped = failed = None
                end = cancelled = changes[-1].at
            attrs = snapshots[-1].attributes
            if metric.before:  # the anchor date as it was when the clock ended, before its end event's own change
                attrs = clock.judged_by if clock.judged_by is not None and end is not None and end <= as_of else \
                    snapshot_at(snapshots, min(end, as_of) if end is not None else as_of).attributes
            assert target is not None
            horizon = min(end, as_of) if end is not None else as_of
            if target.agreed is not None:  # the agreement in force: one made after the deadline passed does not count
                attrs = _agreement(deadlines, clock, target, snapshots, horizon)
            cal = deadlines.calendars[target.calendar]
            due = deadlines.due(clock, target, attrs, horizon)
            paused_now = clock.paused
            breached_at: float | None = None
            pending = False  # (owed_if_late) whether it is owed is not known yet at as_of
            if due is None and target.agreed is not None:  # due only as agreed, and nothing was: measured, not judged
                state = CANCELLED if cancelled is not None and cancelled <= as_of else UNTIMED
            elif clock.excused and cancelled is not None and cancelled <= as_of:  # what it warns of came in time
                state = CANCELLED
            elif clock.breached_period is not None:
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
            elif metric.owed_if_late is not None and clock.late is None and self._before_anchor(metric, attrs, target):
                state, pending = RUNNING, True  # not owed until the event it warns of is late: not breached yet
            elif due is not None and due <= as_of and (not paused_now or due <= clock.paused_since):
                # past due while it ran: a pause that began later does not undo the breach
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
            if due is not None and metric.id in escalated and not clock.excused:  # an excused clock was never owed
                machine.escalations.fire(clock, snapshots, attrs, min(horizon, due) if pending else horizon, target, due,
                                         escalations, upcoming if end is None and not paused_now else None)
        return out

    def _before_anchor(self, metric: Metric, attrs: dict[str, Any], target: TargetValue) -> bool:
        """Whether as_of is before the date the metric is due before (the event it warns of may still come in time)."""
        anchor = self._machine.deadlines.anchor(metric, attrs, target.calendar)
        return anchor is not None and self._machine.as_of < anchor

    def _untimed(self, clock: Clock, attrs: dict[str, Any]) -> ClockOutcome:
        """A clock of a metric no rule times: how long it ran (on its calendar, for this subject), nothing more."""
        as_of = self._machine.as_of
        cal = self._machine.deadlines.calendars.counted_on(clock.metric.calendar or ALWAYS_CALENDAR, attrs)
        calendar = cal.name
        end = next((x for x in (clock.stopped, clock.cancelled, clock.failed) if x is not None), None)
        horizon = min(end, as_of) if end is not None else as_of
        pauses, paused = clock.pauses_until(horizon, cal)
        state = CANCELLED if clock.cancelled is not None and clock.cancelled <= as_of else UNTIMED
        return ClockOutcome(
            clock.metric, clock.cycle, None, None, clock.started, None,
            clock.stopped if clock.stopped is not None and clock.stopped <= as_of else None,
            clock.cancelled if clock.cancelled is not None and clock.cancelled <= as_of else None,
            paused, cal.elapsed_epoch(clock.started, horizon) - paused, clock.paused, state, None, (),
            clock.failed if clock.failed is not None and clock.failed <= as_of else None, calendar, pauses,
        )



def _agreement(deadlines: Deadlines, clock: Clock, target: TargetValue, snapshots: list[Snapshot], horizon: float) -> dict[str, Any]:
    """The attributes whose agreement times the clock: each agreed time recorded while the deadline in force had
    not passed replaces it; one recorded after it passed does not undo the breach (the clock is due as it was)."""
    name = target.agreed or ""
    attrs = snapshots[0].attributes
    due = deadlines.due(clock, target, attrs, horizon)
    for snapshot in snapshots[1:]:
        if snapshot.at > horizon:
            break
        if snapshot.attributes.get(name) == attrs.get(name):
            continue
        if due is not None and due < snapshot.at:
            break
        attrs = snapshot.attributes
        due = deadlines.due(clock, target, attrs, horizon)
    return attrs

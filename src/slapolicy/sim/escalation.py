"""When a clock's escalation steps fire: at the start, at a share of the target, at breach or at
breach + delay (on the clock's calendar), at most once per cycle unless they repeat, and only
while the clock runs.

Steps are timed by the target in force at each moment: a clock's life is cut into segments, one
per target it had; each step's instant is computed under the segment's target as if that target
had held from the clock's start (for a metric re-timed from a change, `retime_from: change`, from
the change that brought it), and fires only inside that segment (never before the target
came into force, never once it is over). A step that fired stays fired after a downgrade. Shares
are of the target's own working time; an open pause never shortens a target.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..calendar.business import BusinessCalendar
from ..calendar.durations import Duration
from ..policy.model import MAX_REPEATS, EscalationStep, Policy, TargetValue
from .clock import INF, Clock, Deadlines
from .decisions import Snapshot, snapshot_at
from .outcome import EscalationFiring, TargetChange


class Escalations:
    """One policy version's escalation steps, timed on its clocks."""

    def __init__(self, policy: Policy, deadlines: Deadlines) -> None:
        self.steps = policy.escalations  # metric -> its steps, in policy order
        self._deadlines = deadlines
        self._calendars = deadlines.calendars

    def fire(self, clock: Clock, snapshots: list[Snapshot], attrs: dict[str, Any], horizon: float,
             final: TargetValue, final_due: float, out: list[EscalationFiring],
             upcoming: list[EscalationFiring] | None = None) -> None:
        """The clock's firings up to `horizon` (its end, or as_of) into `out`. `final_due` is the due
        time under its last target `final`; `attrs` the subject's attributes for earlier targets' due times.
        `upcoming` (for a clock that runs on, unpaused, past `horizon`): the next firing of each step
        from the horizon on, under the target in force then, as the same replay at a later as_of would
        fire it if no other event came (for a period of a recurring clock, up to its due time, where it ends)."""
        metric = clock.metric.id
        steps: Iterable[EscalationStep]
        if len(snapshots) == 1:
            steps = snapshots[0].decision.steps.get(metric, ())
        else:
            possible = {s for snap in snapshots for s in snap.decision.steps.get(metric, ())}
            steps = [s for s in self.steps[metric] if s in possible]  # applies under some attributes
        if not steps:
            return
        inclusive = clock.breached_period is not None  # a missed period breached at its end
        repeating = clock.metric.repeat  # a period that runs past its due time ends there, breached
        history = clock.changes or [TargetChange(clock.started, clock.target, clock.rule)]
        retimed = clock.metric.retime_from == "change"  # each target measured from when it came into force
        last_fired: dict[EscalationStep, float] = {}
        fired: dict[EscalationStep, int] = {}
        for n, segment in enumerate(history):
            target = segment.target
            if target is None:
                continue
            seg_start = segment.at
            seg_end = history[n + 1].at if n + 1 < len(history) else INF
            if seg_start > horizon:
                break
            cal = self._calendars[target.calendar]
            origin = seg_start if retimed else clock.started
            last = n == len(history) - 1
            due = final_due if target is final and (last or not retimed) else self._deadlines.due(clock, target, attrs, horizon,
                                                                                                  origin)
            if due is None:
                continue
            pauses = clock.pauses_before(horizon)
            duration = self._deadlines.duration(target, attrs)
            for step in steps:
                if step in last_fired and step.repeat_every is None:
                    continue  # fired under an earlier target: stays fired, once per cycle
                times, following = self._instants(step, clock, origin, cal, duration, target, due, pauses, horizon)
                later = following  # the first instant past the horizon, if every listed one fires
                for t in times:
                    t = max(t, seg_start)  # a target's steps fire no earlier than the target came into force
                    if t >= seg_end:
                        later = None
                        break
                    if step in last_fired and t <= last_fired[step]:
                        continue
                    if not (t < horizon or ((inclusive or step.at_start) and t <= horizon)):
                        later = t
                        break
                    if len(snapshots) > 1 and step not in snapshot_at(snapshots, t).decision.steps.get(metric, ()):
                        continue
                    out.append(EscalationFiring(t, step, clock.cycle, fired.get(step, 0)))
                    fired[step] = fired.get(step, 0) + 1
                    last_fired[step] = t
                    if step.repeat_every is None:
                        later = None
                        break
                if upcoming is not None and later is not None and seg_end == INF and (not repeating or later <= final_due) and \
                        (len(snapshots) == 1 or step in snapshots[-1].decision.steps.get(metric, ())):
                    upcoming.append(EscalationFiring(later, step, clock.cycle, fired.get(step, 0)))

    def _instants(self, step: EscalationStep, clock: Clock, origin: float, cal: BusinessCalendar, duration: Duration | None,
                  target: TargetValue, due: float, pauses: Sequence[tuple[float, float]],
                  limit: float) -> tuple[list[float], float | None]:
        """When a step fires under one target (timed by `duration`; None: by a time agreed with the subject), as if
        that target had held from `origin` (the clock's start, or the change that brought it when re-timed): its
        instants before `limit` (the first always), and the repetition that would follow them (None: none)."""
        if step.at_start:
            first = clock.started
        elif step.share is not None:
            # the share of the target's own working time, pauses not counted (an open pause never shortens it)
            if duration is None:  # an agreed instant: the working time from the start to it, pauses not counted
                total = cal.elapsed_epoch(origin, due) - sum(cal.elapsed_epoch(max(a, origin), min(b, due))
                                                             for a, b in pauses if a < due and b > origin)
            elif duration.working_time:
                total = float(cal.length(duration))
            else:
                total = cal.elapsed_epoch(origin, cal.due_epoch(origin, duration, target.counting))
            if cal.always and not pauses:
                first = origin + step.share * total
            else:
                first = cal.add_excluding_epoch(origin, step.share * total, pauses)
        elif step.delay is None:
            first = due
        else:
            first = due + step.delay.amount if cal.always else cal.add_epoch(due, step.delay.amount)
        if step.repeat_every is None:
            return [first], None
        times = [first]
        count = step.repeat_times if step.repeat_times is not None else MAX_REPEATS  # firings in all, the first included
        t = first
        for _ in range(count - 1):
            t = cal.add_epoch(t, step.repeat_every.amount)
            if t >= limit:
                return times, t
            times.append(t)
        return times, None

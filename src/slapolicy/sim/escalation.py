"""When a clock's escalation steps fire: at the start, at a share of the target, at breach or at
breach + delay (on the clock's calendar), at most once per cycle unless they repeat, and only
while the clock runs.

Steps are timed by the target in force at each moment: a clock's life is cut into segments, one
per target it had; each step's instant is computed under the segment's target as if that target
had held from the clock's start, and fires only inside that segment (never before the target
came into force, never once it is over). A step that fired stays fired after a downgrade. Shares
are of the target's own working time; an open pause never shortens a target.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..calendar.business import BusinessCalendar
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
            due = final_due if target is final else self._deadlines.due(clock, target, attrs, horizon)
            if due is None:
                continue
            pauses = clock.pauses_before(horizon)
            for step in steps:
                if step in last_fired and step.repeat_every is None:
                    continue  # fired under an earlier target: stays fired, once per cycle
                times, following = self._instants(step, clock, cal, target, due, pauses, horizon)
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

    def _instants(self, step: EscalationStep, clock: Clock, cal: BusinessCalendar, target: TargetValue, due: float,
                  pauses: Sequence[tuple[float, float]], limit: float) -> tuple[list[float], float | None]:
        """When a step fires under one target, as if that target had held from the clock's start: its
        instants before `limit` (the first always), and the repetition that would follow them (None: none)."""
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

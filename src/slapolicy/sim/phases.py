"""The phases of a subject, nested, from the built-in events: the visit (on_site_arrived …
on_site_finished) inside the work (created or reopened … resolved) inside the life (created …
closed, or an event the policy declares `ends: life`, such as withdrawn). A phase ends at its own
end event or at the end of any phase that contains it: a ticket resolved or closed while an
engineer is on site ends the visit too.

What hangs on a phase ends with it, whichever way it ends: a repeating clock ends with the phase
its start event opens or leaves open (the visit for on_site_arrived, the life for resolved, the work
for any other), `every` duties with
the life (`slapolicy.sim.periods`), and an invariant whose `before` (or ownership `until`) is a
phase's own end event is judged at whatever event ends that phase (`slapolicy.sim.findings`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..policy.model import Metric, Policy
from .tickets import Event

VISIT, WORK, LIFE = "visit", "work", "life"
OWN_END = {VISIT: "on_site_finished", WORK: "resolved", LIFE: "closed"}  # each phase's own end event
PHASE_OF_END = {end: phase for phase, end in OWN_END.items()}

Ended = dict[int, frozenset[str]]  # event index -> the phases' own ends it stands for besides its own type


class Phases:
    """One policy version's phases: which events end each."""

    def __init__(self, policy: Policy) -> None:
        life = frozenset(policy.life_ends)
        work = life | {OWN_END[WORK]}
        self.ends = {LIFE: life, WORK: work, VISIT: work | {OWN_END[VISIT]}}

    def of_repeat(self, metric: Metric) -> frozenset[str]:
        """The events that end a repeating clock: those ending the phase its start event opens or leaves
        open: the visit for on_site_arrived; the life for events that end the work (resolved); none for
        events that end the life; the work for any other."""
        start = frozenset(metric.start)
        if "on_site_arrived" in start:
            return self.ends[VISIT]
        if start and start <= self.ends[LIFE]:
            return frozenset()
        return self.ends[LIFE] if start and start <= self.ends[WORK] else self.ends[WORK]

    def ended(self, events: Sequence[Event]) -> Ended:
        """The events that end an open phase other than by its own end event, with the own ends they stand
        for (`resolved` while on site stands for `on_site_finished` too); a sparse map, empty for most."""
        out: Ended = {}
        enders, work_ends, life_ends = self.ends[VISIT], self.ends[WORK], self.ends[LIFE]
        visit, work, life = False, False, True
        for index, event in enumerate(events):
            kind = event.type
            if kind in enders:
                names = []
                if visit:
                    visit = False
                    names.append(OWN_END[VISIT])
                if work and kind in work_ends:
                    work = False
                    names.append(OWN_END[WORK])
                if life and kind in life_ends:
                    life = False
                    names.append(OWN_END[LIFE])
                stands_for = frozenset(names) - {kind}
                if stands_for:
                    out[index] = stands_for
            elif kind == "on_site_arrived":
                visit = True
            if kind in ("created", "reopened"):
                work = True
        return out


def happened(events: Sequence[Event], ended: Ended) -> set[str]:
    """The event types of a history, and every phase's own end that came by another event."""
    types = {e.type for e in events}
    return types.union(*ended.values()) if ended else types

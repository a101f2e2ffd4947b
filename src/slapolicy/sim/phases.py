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

from ..policy.model import Metric, Policy

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

    def ended(self, kinds: list[str], types: set[str]) -> Ended:
        """The events (by their `kinds`, in order; `types`: the set of them) that end an open phase other
        than by its own end event, with the own ends they stand for (`resolved` while on site stands for
        `on_site_finished` too); a sparse map, empty for most, found without a walk when it must be."""
        return self.walk(kinds) if self._may_end_otherwise(kinds, types) else {}

    def walk(self, kinds: list[str]) -> Ended:
        """`ended`, found by walking the events one by one."""
        out: Ended = {}
        enders, work_ends, life_ends = self.ends[VISIT], self.ends[WORK], self.ends[LIFE]
        visit, work, life = False, False, True
        for index, kind in enumerate(kinds):
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

    def _may_end_otherwise(self, kinds: list[str], types: set[str]) -> bool:
        """Whether some phase can have ended other than by its own end event: a visit and anything that
        may end it, a life ended by another event than closed, or work open at the end of the life (never
        resolved, reopened, or resolved only after the life ended)."""
        if "on_site_arrived" in types and not types.isdisjoint(self.ends[WORK]):
            return True
        life = types & self.ends[LIFE]
        if not life:
            return False
        if life != {OWN_END[LIFE]} or OWN_END[WORK] not in types or "reopened" in types:
            return True
        return kinds.index(OWN_END[WORK]) > kinds.index(OWN_END[LIFE])


def happened(types: set[str], ended: Ended) -> set[str]:
    """The event types of a history, and every phase's own end that came by another event."""
    return types.union(*ended.values()) if ended else types

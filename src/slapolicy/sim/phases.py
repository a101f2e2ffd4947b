"""The phases of a subject, nested, from the built-in events: the visit (on_site_arrived …
on_site_finished) inside the work (created or reopened … resolved) inside the life (created …
closed, or an event the policy declares `ends: life`, such as withdrawn). A phase ends at its own
end event or at the end of any phase that contains it: a ticket resolved or closed while an
engineer is on site ends the visit too.

What hangs on a phase ends with it, whichever way it ends: a repeating clock ends with the phase
its start event opens (the visit for on_site_arrived, the work for any other), `every` duties with
the life (`slapolicy.sim.periods`), and an invariant whose `before` (or ownership `until`) is a
phase's own end event is judged at whatever event ends that phase (`slapolicy.sim.findings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..policy.model import Metric, Policy
from .tickets import Event

VISIT, WORK, LIFE = "visit", "work", "life"
OWN_END = {VISIT: "on_site_finished", WORK: "resolved", LIFE: "closed"}  # each phase's own end event
PHASE_OF_END = {end: phase for phase, end in OWN_END.items()}


class Phases:
    """One policy version's phases: which events end each."""

    def __init__(self, policy: Policy) -> None:
        life = frozenset(policy.life_ends)
        work = life | {OWN_END[WORK]}
        self.ends = {LIFE: life, WORK: work, VISIT: work | {OWN_END[VISIT]}}
        # event type -> the phases' own ends it may stand for (when those phases are open)
        self._may_end = {kind: frozenset(OWN_END[p] for p, ends in self.ends.items() if kind in ends) for kind in self.ends[VISIT]}
        self._alone: dict[str, frozenset[str]] = {}

    def reach(self, types: set[str]) -> set[str]:
        """The event types, and every phase's own end they may stand for: a quick test before `marks`."""
        found = [self._may_end[kind] for kind in types if kind in self._may_end]
        return types.union(*found) if found else types

    def of_repeat(self, metric: Metric) -> frozenset[str]:
        """The events that end a repeating clock: those ending the phase its start event opens."""
        return self.ends[VISIT if "on_site_arrived" in metric.start else WORK]

    def marks(self, events: Iterable[Event]) -> Iterator[tuple[Event, frozenset[str]]]:
        """Each event with the phases' own end events it stands for: its own type, and the own end of
        every open phase it ends (`resolved` while on site stands for `on_site_finished` too)."""
        visit, work, life = False, False, True
        for event in events:
            kind = event.type
            ended: set[str] = set()
            if visit and kind in self.ends[VISIT]:
                visit = False
                ended.add(OWN_END[VISIT])
            if work and kind in self.ends[WORK]:
                work = False
                ended.add(OWN_END[WORK])
            if life and kind in self.ends[LIFE]:
                life = False
                ended.add(OWN_END[LIFE])
            if kind in ("created", "reopened"):
                work = True
            elif kind == "on_site_arrived":
                visit = True
            if ended:
                yield event, frozenset((kind, *ended))
            else:
                alone = self._alone.get(kind)
                if alone is None:
                    alone = self._alone[kind] = frozenset((kind,))
                yield event, alone

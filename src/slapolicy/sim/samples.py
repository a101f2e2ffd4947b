"""Samples of coverage objectives: when a subject entered each one's population, and whether its
proof came in time (a subject whose proof may still come is not counted yet)."""

from __future__ import annotations

from ..policy.model import Objective, Policy
from .clock import Calendars
from .outcome import Sample
from .tickets import Ticket


class Coverage:
    """One policy version's coverage objectives, sampled on subjects."""

    def __init__(self, policy: Policy, calendars: Calendars, as_of: float) -> None:
        self._objectives = {k: tuple(o for o in policy.objectives if o.measure == "coverage" and o.subject == k)
                            for k in policy.kinds}
        self.kinds = frozenset(k for k, objectives in self._objectives.items() if objectives)  # those with any
        self._calendars = calendars
        self._as_of = as_of

    def samples(self, ticket: Ticket) -> tuple[Sample, ...]:
        """A sample per objective whose population the subject entered, once it is decided."""
        out = []
        as_of = self._as_of
        for objective in self._objectives[ticket.kind]:
            entered = next((e.at for e in ticket.events if e.type in objective.population and e.at <= as_of), None)
            if entered is None:
                continue
            due = self._due(objective, entered, ticket)  # no window: decided at --as-of
            covered = any(entered <= e.at <= min(due, as_of) for e in ticket.events if e.type in objective.proof)
            if covered or due <= as_of:
                out.append(Sample(objective.id, entered, covered))
        return tuple(out)

    def _due(self, objective: Objective, entered: float, ticket: Ticket) -> float:
        within = objective.within
        if within is None:
            return self._as_of
        assert within.duration is not None  # a window is written, never agreed (the model refuses one)
        return self._calendars.counted_on(within.calendar, ticket.attributes).due_epoch(entered, within.duration, within.counting)

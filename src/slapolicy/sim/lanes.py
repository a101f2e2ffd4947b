"""What each process (this one, or a worker) does with a block of a history: each line decoded and
replayed under every lane (a policy set), or turned into correlation records for the first pass;
the plan it works from, and what it folds the outcomes into."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..i18n import N_, Message
from ..rules.compiler import CompiledPolicy, compile_policy
from ..rules.engine import get_backend
from ..validate.repository import PolicySet
from .correlate import Record, records
from .imports import Profile
from .lines import Block
from .matches import Correlated
from .outcome import Outcome, Rejection, SubjectOutcome
from .roster import EMPTY as NO_ROSTER
from .roster import Roster
from .simulator import Replayer
from .tickets import RawItem, Ticket, decode_line, reject


class Adds(Protocol):
    def add(self, outcomes: tuple[Outcome, ...]) -> None: ...


class Partial(Adds, Protocol):
    """What a block's outcomes are folded into, in a worker."""

    def export(self) -> Any:
        """What a worker sends back: plain data, without references to the policy model."""


class Sink(Adds, Protocol):
    """The total: takes outcomes one by one, or a worker's exported partial, in input order."""

    def merge(self, exported: Any) -> None: ...


@dataclass(frozen=True)
class Plan:
    """What to replay: each input ticket under every lane (one policy set each), into partials.

    The rulesets are compiled here, once; worker processes receive the plan whole when
    they start."""

    lanes: tuple[PolicySet, ...]
    as_of: float
    engine: str | None
    new_partial: Callable[[], Partial]  # a module-level callable: workers call it too
    encoding: str | None = None  # of the input (None: the import profile's, else utf-8)
    roster: Roster = NO_ROSTER  # who is on duty when (penalties paid by the person on duty)
    profile: Profile | None = None  # the input is a helpdesk export read through this import profile
    sheet: str | None = None  # of a workbook input (None: its first sheet)
    rulesets: tuple[tuple[CompiledPolicy, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rulesets", tuple(tuple(compile_policy(p) for p in ps.versions) for ps in self.lanes))

    @property
    def correlates(self) -> bool:
        """Some version has correlations: the history needs a first pass."""
        return any(p.correlations for ps in self.lanes for p in ps.versions)


class Lanes:
    """Per process: one Replayer per lane, built once."""

    def __init__(self, plan: Plan) -> None:
        backend = get_backend(plan.engine)
        # a comparison (lanes > 1): an event type another lane declares is ignored by a version that does not
        # and a kind of subject only another lane governs is counted apart (`not_governed`), not rejected
        versions = [p for ps in plan.lanes for p in ps.versions] if len(plan.lanes) > 1 else []
        compared = frozenset(t for p in versions for t in p.events)
        kinds = frozenset(k for p in versions for k in p.kinds)
        self.replayers = tuple(Replayer(ps, backend, plan.as_of, rs, plan.roster, compared=compared, compared_kinds=kinds)
                               for ps, rs in zip(plan.lanes, plan.rulesets))
        self.lane_zones = tuple(ps.tz for ps in plan.lanes)  # looked up once, not per line (each is a lookup through the policy)
        self.zones = tuple(dict.fromkeys(self.lane_zones))

    def correlate(self, correlated: tuple[Correlated, ...] | None) -> None:
        """What the first pass found for the lines about to be replayed (None: there was none)."""
        if correlated is not None:
            for replayer, found in zip(self.replayers, correlated):
                replayer.correlated = found

    def line(self, line: bytes, number: int, first: int | None) -> tuple[Outcome, ...]:
        if len(self.replayers) == 1:
            replayer = self.replayers[0]
            ticket = decode_line(line, number, self.zones[0], replayer.problems)
            out: tuple[Outcome, ...] = (replayer.outcome(ticket) if isinstance(ticket, Ticket) else ticket,)
        else:
            decoded = {tz: decode_line(line, number, tz) for tz in self.zones}
            out = tuple(r.outcome(t) if isinstance(t := decoded[tz], Ticket) else _checked(decode_line(line, number, tz, r.problems))
                        for r, tz in zip(self.replayers, self.lane_zones))
        return out if first is None else _mark_duplicate(out, number, first)

    def item(self, item: RawItem | Rejection, first: int | None) -> tuple[Outcome, ...]:
        line = item.line
        return _mark_duplicate(tuple(r.item(item) for r in self.replayers), line, first)

    def replay(self, block: Block, duplicates: dict[int, int], partial: Adds,
               correlated: tuple[Correlated, ...] | None = None) -> None:
        """The block's outcomes into `partial`; `duplicates`: its lines whose id an earlier line claimed."""
        self.correlate(correlated)
        first_line, bad = block.first_line, block.bad
        for offset, line in enumerate(block.data.split(b"\n")):
            number = first_line + offset
            if bad and number in bad:
                partial.add((reject(None, number, "unparseable", bad[number]),) * len(self.replayers))
            elif line.strip():
                partial.add(self.line(line, number, duplicates.get(number)))

    def records(self, block: Block, claimed: dict[int, int]) -> list[list[Record]]:
        """Per lane, the correlation records of the block's subjects (duplicates and broken lines take no part)."""
        out: list[list[Record]] = [[] for _ in self.replayers]
        for offset, line in enumerate(block.data.split(b"\n")):
            number = block.first_line + offset
            if number in claimed or number in block.bad or not line.strip():
                continue
            decoded = {tz: decode_line(line, number, tz) for tz in self.zones}
            for found, replayer, tz in zip(out, self.replayers, self.lane_zones):
                ticket = decoded[tz]
                if isinstance(ticket, Ticket):
                    found.extend(records(replayer, ticket))
        return out


def _checked(outcome: Ticket | Rejection) -> Rejection:
    """A refused line read again for one lane, with that lane's policy checks (the rejecting path only)."""
    assert isinstance(outcome, Rejection)
    return outcome


ALREADY_USED = N_("ticket id '{id}' was already used at line {first}")


def _mark_duplicate(outcomes: tuple[Outcome, ...], line: int, first: int | None) -> tuple[Outcome, ...]:
    """A ticket that would be replayed is rejected when its id was claimed by an earlier line."""
    if first is None:
        return outcomes
    return tuple(
        reject(o.id, line, "duplicate_id", Message(ALREADY_USED, id=o.id, first=first))
        if isinstance(o, SubjectOutcome) else o
        for o in outcomes
    )

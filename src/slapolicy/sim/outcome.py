"""What replaying a subject against a policy yields: one typed, immutable outcome per input
item, read by every output (simulate's formats, report, whatif, test).

Instants are epoch seconds; rules, steps and metrics are references into the policy
model (with their clauses and file:line), never copies or labels. Turning them into
ISO strings, JSON, CSV or tables is the output layer's job, and only for what is
printed.

A subject is a ticket, or another kind the policy governs (a contract, a call, a duty);
`findings` are the rules it broke that are not deadlines.

Records made per clock and per escalation are NamedTuples: as immutable and typed as a
frozen dataclass, and about four times cheaper to build, which counts on the replay hot
path (millions of clocks).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from ..policy.derived import Lookup, Period
from ..policy.model import EscalationStep, Metric, Notice, Penalty, Policy, Source, TargetRule, TargetValue
from ..policy.owed import Credit


class ClockStatus(enum.StrEnum):
    MET = "met"
    BREACHED = "breached"
    RUNNING = "running"
    CANCELLED = "cancelled"
    UNTIMED = "untimed"  # a metric with no target: measured (time to stop), never met or breached


class TargetChange(NamedTuple):
    """From `at` on, the clock's target is `target` (None: the policy sets none any more)."""

    at: float
    target: TargetValue | None
    rule: TargetRule | None


class ClockOutcome(NamedTuple):
    """One cycle (or, for a recurring clock, one period) of one metric's clock."""

    metric: Metric
    cycle: int
    target: TargetValue | None  # None for an untimed clock
    rule: TargetRule | None
    started: float
    due: float | None
    stopped: float | None  # None while running at as_of, or when a missed period ended by breach
    cancelled: float | None
    paused_seconds: float
    elapsed_seconds: float  # working time from start to stop (or as_of), pauses excluded
    paused: bool  # still paused at as_of
    status: ClockStatus
    breached_at: float | None
    changes: tuple[TargetChange, ...]  # empty unless attributes re-selected the target
    failed: float | None = None  # ended unmet by a `fail_on` event (a ticket closed before it was resolved)
    calendar: str = "24x7"  # the calendar its working time is measured on
    pauses: tuple[tuple[float, float], ...] = ()  # (start, end) of each pause up to the horizon (stop or as_of); none for a period


class EscalationFiring(NamedTuple):
    at: float
    step: EscalationStep
    cycle: int
    repeat: int  # 0 for the first firing, k for the k-th repetition


class NoticeFiring(NamedTuple):
    at: float
    notice: Notice


class Charge(NamedTuple):
    """One occurrence of a penalty: when, how much (in the policy's currency, exact to the hundredth,
    multipliers applied), the multiplier, who pays (None: no payer source named anyone), and what it was."""

    at: float
    penalty: Penalty
    amount: Decimal
    factor: float
    payer: str | None
    reason: str


def money(amount: Decimal) -> int | Decimal:
    """An amount as people write it, exact: 50, 12.5 (a whole amount as an int; JSON writes both as numbers)."""
    whole = amount.to_integral_value()
    return int(whole) if amount == whole else amount.normalize()


class CreditOwed(NamedTuple):
    """One credit a subject earns its customer: when (the breach), how much (exact, before any credit limit,
    which the ledger applies over all of a customer's credits), to whom (None: the subject names no payee), why."""

    at: float
    credit: Credit
    amount: Decimal
    payee: str | None
    reason: str


class Derivation(NamedTuple):
    """From `at` on, `attribute` is `value` (None: the subject has none): what `rule` (a lookup table, a date
    period) gives for `inputs` (the keys' values it read, or the creation day), or what the subject gave."""

    at: float
    attribute: str
    value: Any
    derived: Any  # what the rule gives (None: no cell for the inputs, or a key missing)
    given: Any  # what the subject gave itself (None: nothing)
    inputs: tuple[tuple[str, Any], ...]
    rule: Lookup | Period

    @property
    def differs(self) -> bool:
        """The subject gave a value the rule does not give."""
        return self.given is not None and self.derived is not None and self.given != self.derived


class Sample(NamedTuple):
    """A subject in a coverage objective's population: when it entered, and whether its proof came in time."""

    objective: str
    at: float
    covered: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule of the regulation the subject broke that is not a deadline (an event out of order, a
    hand-over of an owned complaint, a misrouting), or a rule that could not be applied."""

    code: str
    message: str
    at: float | None = None
    clauses: tuple[str, ...] = ()
    source: Source | None = None
    rule: str | None = None  # the id of the invariant, route or notice
    actor: str | None = None  # who did the event that broke it


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an input item was rejected: a registered code (`slapolicy explain CODE`) and a message."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class SubjectOutcome:
    """A subject replayed against the policy version in force for it."""

    id: str
    line: int
    policy: Policy
    created: float
    attributes: Mapping[str, Any]  # as they were at the end of the history
    resolved: bool  # resolved (and not reopened since) at as_of
    clocks: tuple[ClockOutcome, ...]
    escalations: tuple[EscalationFiring, ...]
    findings: tuple[Finding, ...] = ()
    kind: str = "ticket"
    notices: tuple[NoticeFiring, ...] = ()
    charges: tuple[Charge, ...] = ()
    coverage: tuple[Sample, ...] = ()
    event_types: frozenset[str] = frozenset()  # of its events up to as_of: what a report can tell the history holds
    derived: tuple[Derivation, ...] = ()  # the attributes the policy derived (lookups, periods), and each change of one
    assignee: str | None = None  # whom its latest event up to as_of that names an assignee gave it to
    group: str | None = None  # likewise, the group
    credits: tuple[CreditOwed, ...] = ()  # per breach, before the limits the ledger applies
    ended: float | None = None  # a service's: when its life ended (closed, or an event that ends it), at or before as_of
    # the firings still to come if no other event happens: the next of each step of each clock that runs (not paused)
    # at as_of; listed only when asked for (`Simulator(upcoming=True)`: a live service's scheduler)
    upcoming: tuple[EscalationFiring, ...] = ()
    ignored: tuple[str, ...] = ()  # in a comparison, the types of its events only another version declares, one per event


NOT_YET_CREATED = "not_yet_created"  # the reason of a subject created after --as-of: listed, not replayed
NOT_GOVERNED = "not_governed"  # in a comparison, a subject of a kind only another compared version governs


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input item that could not be replayed, with every reason found; or one created after
    --as-of (`not_yet_created`) or, in a comparison, of a kind only another version governs (`not_governed`):
    those are counted apart, not errors of the input."""

    id: str | None
    line: int
    reasons: tuple[Reason, ...]
    kind: str = "ticket"

    @property
    def not_yet_created(self) -> bool:
        return self.reasons[0].code == NOT_YET_CREATED

    @property
    def not_governed(self) -> bool:
        return self.reasons[0].code == NOT_GOVERNED


Outcome = SubjectOutcome | Rejection

"""The policy as typed, frozen objects (`build` makes them from a schema-valid document).

Every object keeps the JSON path it came from, so any later step can point the user at
file:line:column through the Document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..calendar.durations import Duration
from ..calendar.instants import zone
from ..calendar.spec import CalendarSpec, Counting
from .conditions import Condition
from .derived import Lookup, Period
from .loader import Document, JsonPath
from .loader import Source as Source  # where a rule was written: kept importable from the model
from .owed import Availability, Credit, CreditLimit

BUILTIN_EVENTS = (
    "created", "registered", "responded", "plan_proposed", "resolved", "reopened", "closed", "archived",
    "followed_up", "on_site_requested", "on_site_arrived", "on_site_update", "on_site_finished", "status", "update",
    "assigned",
)
BUILTIN_ATTRIBUTES = ("severity", "tier")
CLOCK_ACTIONS = ("start", "stop", "pause_on", "resume_on", "cancel_on", "restart_on", "fail_on")  # events that act on a clock
ALWAYS_CALENDAR = "24x7"


@dataclass(frozen=True)
class Named:
    id: str
    name: str
    description: str
    path: JsonPath
    clauses: tuple[str, ...] = ()
    name_en: str = ""  # English, for `render --lang en`; empty: the original serves
    description_en: str = ""


@dataclass(frozen=True)
class Attribute:
    id: str
    type: str
    values: tuple[Any, ...] | None
    path: JsonPath
    required: bool = False  # its clause requires it recorded: a subject without it carries a finding
    default: Any = None  # the value a ticket without it gets
    warn: bool = True  # a rule that cannot be evaluated without it leaves a finding on the outcome
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    ignored_because: str | None = None  # with warn False: why a subject may lack it (`unknown: {ignore: why}`)
    range: tuple[float, float] | None = None  # a number attribute's scale, both ends included


@dataclass(frozen=True)
class Due:
    """When each period of an `every` metric falls due: its end, or the end of its Nth working day."""

    working_day: int | None = None


@dataclass(frozen=True)
class Metric:
    id: str
    start: tuple[str, ...]
    stop: tuple[str, ...]
    pause_on: tuple[str, ...]
    resume_on: tuple[str, ...]
    pause_statuses: tuple[str, ...]
    cancel_on: tuple[str, ...]
    restart_on: tuple[str, ...]
    repeat: bool
    before: str | None
    required: bool
    path: JsonPath
    title: str = ""
    clauses: tuple[str, ...] = ()
    choice: str | None = None
    fail_on: tuple[str, ...] = ()
    subject: str = "ticket"
    every: str | None = None  # a calendar period: day, working_day, week, month, quarter, year
    due: Due = Due()
    calendar: str | None = None  # where working time is measured when no target gives a calendar
    schedule: TargetValue | None = None  # for `every` metrics: the period as a target, for outputs
    title_en: str = ""  # English, for `render --lang en`
    choices: Mapping[str, str] = field(default_factory=dict)  # why it pauses, is cancelled, repeats: the company's
    # action (start, stop, …) -> event type -> a condition on the event's own fields: `{assigned: {group: support}}`
    filters: Mapping[str, Mapping[str, Condition]] = field(default_factory=dict)
    retime_from: str = "start"  # a change of target: the new one measured from the clock's start, or from the `change`
    owed_if_late: str | None = None  # (before an anchor) owed only if this event comes after the anchor, or not by it

    def events(self) -> dict[str, tuple[str, ...]]:
        return {k: getattr(self, k) for k in CLOCK_ACTIONS}


@dataclass(frozen=True)
class TargetValue:
    metric: str
    duration: Duration | None  # as written; None: due only as agreed (`agreed` without a written fallback)
    calendar: str
    counting: Counting
    path: JsonPath
    clauses: tuple[str, ...] = ()  # its own provenance, when it differs from its rule's
    choice: str | None = None
    chosen_by: str | None = None  # the calendar choice that picked `calendar` for a subject (set by the replay)
    agreed: str | None = None  # the attribute holding the time or duration agreed with the subject, which replaces `duration`

    @property
    def text(self) -> str:
        """As the policy writes it: `4h`, `agreed: promised_at, else 1 calendar day`, `agreed: promised_at`."""
        if self.agreed is None:
            return str(self.duration)
        return f"agreed: {self.agreed}" + (f", else {self.duration}" if self.duration is not None else "")


@dataclass(frozen=True)
class CalendarChoice:
    """A calendar chosen by the subject: the value of `attribute` (the customer's location) names one of
    `calendars`, each with its own zone, hours and holidays; `fallback` serves a subject without a value
    it maps (None: a rule counted on it cannot be applied to such a subject, which is a finding)."""

    name: str
    attribute: str
    calendars: Mapping[Any, str]
    fallback: str | None
    path: JsonPath
    clauses: tuple[str, ...] = ()

    def pick(self, attributes: Mapping[str, Any]) -> str | None:
        value = attributes.get(self.attribute)
        found = self.calendars.get(value) if isinstance(value, (str, int, float, bool)) else None
        return found if found is not None else self.fallback

    @property
    def candidates(self) -> tuple[str, ...]:
        """Every calendar it may pick, each once, the fallback last."""
        return tuple(dict.fromkeys((*self.calendars.values(), *((self.fallback,) if self.fallback else ()))))


@dataclass(frozen=True)
class TargetRule:
    index: int
    id: str | None
    when: Condition
    values: Mapping[str, TargetValue]
    path: JsonPath
    source: Source
    clauses: tuple[str, ...] = ()
    description: str = ""
    choice: str | None = None


@dataclass(frozen=True)
class EscalationStep:
    metric: str
    index: int  # 1-based, as people count steps
    id: str | None
    at_start: bool  # fires when the clock starts ("at once")
    share: float | None  # 0 < share < 1 for "75%"; None for the other kinds
    delay: Duration | None  # after breach; None for "breach" and share steps
    notify: tuple[str, ...]
    when: Condition
    repeat_every: Duration | None
    repeat_times: int | None
    path: JsonPath
    source: Source
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:  # cheap: steps are looked up in sets on the replay hot path
        return hash((self.metric, self.index))

    @property
    def order_key(self) -> tuple[int, float]:
        if self.at_start:
            return (-1, 0.0)
        if self.share is not None:
            return (0, self.share)
        return (1, float(self.delay.seconds) if self.delay and self.delay.kind == "seconds" else 0.0)


@dataclass(frozen=True)
class Objective:
    id: str
    measure: str
    metric: str | None
    attribute: str | None
    where: Condition
    of: Condition
    min: float | None
    max: float | None
    period: str
    path: JsonPath
    source: Source
    clauses: tuple[str, ...] = ()
    choice: str | None = None
    calendar: str | None = None  # count only subjects that start inside its working time
    subject: str = "ticket"
    q: float | None = None  # percentile
    finding: str | None = None  # finding_rate: the invariant, route or correlation whose findings are counted
    population: tuple[str, ...] = ("created",)  # coverage: the event that puts a subject into its period's population
    proof: tuple[str, ...] = ()  # coverage: the event that proves the duty was done
    within: TargetValue | None = None  # coverage: how long after the population event the proof may come
    description: str = ""  # the policy's own words for it, shown beside the id
    count: str | None = None  # on_time_rate: each subject once, by its first cycle of the metric (None, `subject`), or every `cycle`
    availability: str | None = None  # availability: the measure whose services it judges, each in each period


@dataclass(frozen=True)
class Notice:
    """Roles told at once when a subject comes to match `when` (or at an `on` event): an escalation on no clock."""

    id: str
    when: Condition
    on: tuple[str, ...]
    notify: tuple[str, ...]
    path: JsonPath
    source: Source
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Invariant:
    """A rule over a subject's history that no deadline expresses.

    Either an order (`requires` events, optionally by a role, before any `before` event) or
    ownership (`owner`: the first assignee keeps the subject until an `until` event)."""

    id: str
    when: Condition
    requires: tuple[str, ...]
    before: tuple[str, ...]
    by: tuple[str, ...]
    owner: bool
    until: tuple[str, ...]
    path: JsonPath
    source: Source
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Route:
    """Which group must receive a subject: checked against its first `assigned` event. The first
    route whose `when` matches applies."""

    id: str
    index: int
    when: Condition
    groups: tuple[str, ...]
    path: JsonPath
    source: Source
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Identity:
    """What a ticket's id must look like (RE2, the whole id)."""

    pattern: str
    path: JsonPath
    source: Source
    clauses: tuple[str, ...] = ()
    choice: str | None = None


@dataclass(frozen=True)
class Correlation:
    """A rule over many subjects: `count` with the same `key` created within `within`, or one created
    after an earlier one with the same key was resolved (`again_after`), or one naming an earlier
    one (`link`)."""

    id: str
    when: Condition
    key: tuple[str, ...]
    count: int | None
    within: Duration | None
    again_after: str | None
    link: str | None
    path: JsonPath
    source: Source
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Multiplier:
    factor: float
    matched: str | None  # the subject completed a match of this correlation
    when: Condition
    path: JsonPath
    clauses: tuple[str, ...] = ()
    choice: str | None = None


PayerSource = tuple[str, str | None]  # ("assignee" | "actor" | "on_duty" | "attribute" | "role", its argument)


@dataclass(frozen=True)
class Penalty:
    """An amount per occurrence (a breach of `breach`, a finding of `finding`, or each subject matching
    `when`), who pays it (the first payer source that names someone) and what multiplies it."""

    id: str
    when: Condition
    breach: str | None
    finding: str | None
    calendar: str | None
    amount: Decimal  # in the policy's currency, exact to the hundredth
    payer: tuple[PayerSource, ...]
    multipliers: tuple[Multiplier, ...]
    path: JsonPath
    source: Source
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Builtin:
    """A clause slapolicy's own behaviour satisfies, cited where it applies: `unique_ids` (a later
    subject with a used id is rejected), `attribute_change` (a change of attributes re-selects the
    targets of running clocks, from their start)."""

    behaviour: str
    path: JsonPath
    source: Source
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """Two (or more) clauses disagree; the policy applies one of them, for a reason."""

    clauses: tuple[str, ...]
    applies: tuple[str, ...]
    why: str
    path: JsonPath


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    title: str
    effective_from: dt.date
    effective_until: dt.date | None
    timezone: str
    calendars: Mapping[str, CalendarSpec]
    calendar_paths: Mapping[str, JsonPath]
    calendar_extends: Mapping[str, str]
    severities: Mapping[str, Named]
    tiers: Mapping[str, Named]
    roles: Mapping[str, Named]
    attributes: Mapping[str, Attribute]
    statuses: tuple[str, ...] | None
    events: tuple[str, ...]
    metrics: Mapping[str, Metric]
    targets: tuple[TargetRule, ...]
    escalations: Mapping[str, tuple[EscalationStep, ...]]
    objectives: tuple[Objective, ...]
    source: str
    document: Document = field(compare=False, repr=False)
    subjects: Mapping[str, Named] = field(default_factory=dict)  # kinds besides "ticket"
    notices: tuple[Notice, ...] = ()
    registers: tuple[str, ...] = ()  # paths of the clause registers it implements, relative to the policy file
    decisions: tuple[Decision, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    routes: tuple[Route, ...] = ()
    identity: Identity | None = None
    calendar_clauses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    correlations: tuple[Correlation, ...] = ()
    penalties: tuple[Penalty, ...] = ()
    currency: str | None = None
    title_en: str = ""  # English, for `render --lang en`
    life_ends: tuple[str, ...] = ("closed",)  # the events that end a subject's life: closed and those declared `ends: life`
    periods: Mapping[str, Period] = field(default_factory=dict)  # attributes named after the period of the creation day
    lookups: Mapping[str, Lookup] = field(default_factory=dict)  # by the attribute each table gives its value
    builtins: Mapping[str, Builtin] = field(default_factory=dict)  # by behaviour
    availability: tuple[Availability, ...] = ()  # measured per service and calendar period from outages
    credits: tuple[Credit, ...] = ()  # owed to customers (penalties are paid by staff)
    credit_limits: tuple[CreditLimit, ...] = ()
    calendar_choices: Mapping[str, CalendarChoice] = field(default_factory=dict)  # calendars chosen by the subject

    def values_of(self, name: str) -> tuple[Any, ...] | None:
        """The values an attribute can take as the policy declares them (severity, tier, a period, an
        attribute that lists its values); None where it lists none or is not declared."""
        if name == "severity":
            return tuple(self.severities)
        if name == "tier":
            return tuple(self.tiers)
        if name in self.periods:
            return self.periods[name].values
        attribute = self.attributes.get(name)
        return attribute.values if attribute is not None else None

    def calendar_for(self, name: str, attributes: Mapping[str, Any]) -> str | None:
        """The calendar a subject with these attributes is counted on where `name` is written: the calendar
        itself, or the one a calendar choice picks for it (None: the choice maps nothing for it, no fallback)."""
        choice = self.calendar_choices.get(name)
        return name if choice is None else choice.pick(attributes)

    def counted_on(self, name: str, attributes: Mapping[str, Any]) -> str:
        """`calendar_for` where a calendar is needed whatever the subject (a metric's, an objective's, a window's,
        a penalty's): a choice named there has a fallback, or `validate` refuses the policy (SLA409)."""
        picked = self.calendar_for(name, attributes)
        assert picked is not None, f"calendar choice {name} has no fallback"
        return picked

    def candidates(self, name: str) -> tuple[str, ...]:
        """The calendars `name` may stand for: itself, or every calendar a choice of that name may pick."""
        choice = self.calendar_choices.get(name)
        return (name,) if choice is None else choice.candidates

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("ticket", *(k for k in self.subjects if k != "ticket"))

    @property
    def timed(self) -> frozenset[str]:
        """The metrics some target rule times; the others are measured, not timed."""
        return frozenset(m for rule in self.targets for m in rule.values)

    @property
    def version_key(self) -> tuple[int, ...]:
        return version_key(self.version)

    @property
    def tz(self) -> ZoneInfo:
        """Resolved once (zones are cached); checked when the model was built."""
        return zone(self.timezone)

    @property
    def label(self) -> str:
        return f"{self.id} {self.version}"


VERSION = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9}){0,5}")
MAX_REPEATS = 1000  # firings of one repeating escalation step in one clock cycle


def clauses_of(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The clause ids a rule cites: `clause: R-000-04` or a list."""
    value = item.get("clause")
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


CENT = Decimal("0.01")


def hundredths(amount: Decimal) -> Decimal:
    """Money as it is paid: to the hundredth, half to even (as banks round), exact."""
    return amount.quantize(CENT, ROUND_HALF_EVEN)

"""Replay tickets (and contracts, calls, duties) against a policy in virtual time: every clock,
deadline, breach, escalation, notice, finding, charge, credit and sample.

`Simulator` walks one subject's events and assembles its outcome from units with one concern
each: the input checks (`checks`), the rules engine's cached decisions (`decisions`), the clock
machine (`machine`, on `clock`), escalation timing (`escalation`), the periods of `every` metrics
(`periods`), findings (`findings`), penalties (`charges`), credits per breach and outages no
availability measure can count (`owed`) and coverage samples (`samples`).
`Replayer` picks the policy version in force for each subject and keeps a simulator per version.

Semantics (docs/semantics.md), beyond those of the units:
- a subject has a kind (ticket by default); only the metrics of its kind run;
- a change of attributes is decided (and checked) before any clock runs;
- a notice fires once, the first time the subject matches its condition (or at its event).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import operator
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from ..calendar.spec import CalendarError
from ..i18n import N_, Message
from ..policy.model import Notice, Policy
from ..rules.compiler import CompiledPolicy, compile_policy
from ..rules.engine import Backend
from ..validate.repository import PolicySet
from .charges import Penalties
from .checks import Checks
from .clock import Calendars, Deadlines, local_day
from .decisions import Decider, Snapshot
from .derive import changes, differences
from .escalation import Escalations
from .findings import Findings
from .machine import ClockMachine, Clocks
from .matches import NOTHING_CORRELATED, Match
from .outcome import (
    NOT_GOVERNED,
    NOT_YET_CREATED,
    CreditOwed,
    Derivation,
    EscalationFiring,
    Finding,
    NoticeFiring,
    Reason,
    Rejection,
    SubjectOutcome,
)
from .owed import Owed
from .periods import Periods
from .roster import EMPTY as NO_ROSTER
from .roster import Roster
from .samples import Coverage
from .tickets import Event, RawItem, Ticket, TicketError, reject, rejected, rejected_item, ticket_from_data


class Simulator:
    """One policy version: its checks, the engine's cached decisions, and the units an outcome is made of."""

    def __init__(self, policy: Policy, backend: Backend, as_of: float, compiled: CompiledPolicy | None = None,
                 roster: Roster = NO_ROSTER, upcoming: bool = False) -> None:
        """`upcoming`: outcomes list the escalations still to come (`SubjectOutcome.upcoming`)."""
        self.policy = policy
        self.upcoming = upcoming
        self._calendars = calendars = Calendars(policy)
        self._deadlines = deadlines = Deadlines(policy, calendars)
        self._escalations = Escalations(policy, deadlines)
        self._roster = roster
        self.checks = Checks(policy)
        self.decider = Decider(policy, compiled if compiled is not None else compile_policy(policy), backend, self.checks)
        self.findings = Findings(policy, {k: tuple(a for a in typed if a not in self.decider.typed[k])
                                          for k, typed in self.checks.typed.items()})
        self.retime(as_of)

    def retime(self, as_of: float) -> None:
        """Replay as of another instant from now on, keeping what is costly to build (the calendars, the
        engine's cached decisions): a live service replays each subject as of its own now."""
        self.as_of = as_of
        policy, calendars = self.policy, self._calendars
        self.machine = ClockMachine(policy, self.decider, self._deadlines, self._escalations, as_of)
        self.periods = Periods(policy, calendars, as_of)
        self.penalties = Penalties(policy, calendars, self._roster, as_of)
        self.owed = Owed(policy, calendars, as_of)
        self.coverage = Coverage(policy, calendars, as_of)

    def run(self, ticket: Ticket, matches: tuple[Match, ...] = (),
            undecided: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> SubjectOutcome:
        """The subject's outcome; TicketError (or CalendarError) when it cannot be replayed. `matches`:
        correlations the subject completed (an event of each at its time); `undecided`: correlations it
        could not take part in (both from the first pass over the history, `slapolicy.sim.correlate`)."""
        self.checks.events(ticket)
        if matches:
            ticket = _with_events(ticket, [Event(m.at, m.correlation, None, {}) for m in matches])
        kind = ticket.kind
        events = ticket.events
        decide = self.decider.decide
        attrs = dict(ticket.attributes)
        if events[0].attributes:
            attrs.update(events[0].attributes)
        if self.checks.defaults:
            self.checks.complete(kind, attrs)
        created = events[0].at
        derive = self.checks.deriver.derive if self.checks.deriver.active else None
        derived: list[tuple[Derivation, ...]] = []  # per snapshot, how each derived attribute was settled
        given = attrs
        if derive is not None:
            attrs, settled = derive(kind, given, created, created)
            derived.append(settled)
        snapshots = [Snapshot(created, attrs, decide(kind, attrs))]
        changed: dict[int, Snapshot] = {}  # event index -> the attributes it sets; all checked before any clock runs
        for index in range(1, len(events)):
            if events[index].attributes:
                if derive is None:
                    merged = {**snapshots[-1].attributes, **events[index].attributes}
                else:  # derived from what the subject gave, not from what was derived before
                    given = {**given, **events[index].attributes}
                    merged, settled = derive(kind, given, created, events[index].at)
                    derived.append(settled)
                changed[index] = Snapshot(events[index].at, merged, decide(kind, merged))
                snapshots.append(changed[index])
        if events[-1].at > self.as_of:  # checked whole, replayed as it stood at as_of: later events not applied
            ticket = Ticket(ticket.id, ticket.line, ticket.attributes, [e for e in events if e.at <= self.as_of], kind)
            events = ticket.events
            derived = derived[:sum(s.at <= self.as_of for s in snapshots)]
            snapshots = [s for s in snapshots if s.at <= self.as_of]
        decision = snapshots[0].decision
        clocks = Clocks(self.machine, kind, snapshots[0])
        notices: list[NoticeFiring] = []
        as_of = self.as_of
        for index, event in enumerate(events):
            change = None
            if changed and index in changed:
                change = changed[index]
                decision = change.decision
            actions = clocks.event(event, change)
            if decision.notices and (index == 0 or change is not None):
                for notice in decision.notices:
                    if not notice.on:
                        _tell(notices, notice, event.at, as_of)
            if actions.notices:
                for notice in decision.notices:
                    if notice.id in actions.notices:
                        _tell(notices, notice, event.at, as_of)
        return self._outcome(ticket, clocks, snapshots, notices, matches, undecided, changes(derived) if derived else ())

    def _outcome(self, ticket: Ticket, clocks: Clocks, snapshots: list[Snapshot], notices: list[NoticeFiring],
                 matches: tuple[Match, ...], undecided: tuple[tuple[str, tuple[str, ...]], ...],
                 derived: tuple[Derivation, ...]) -> SubjectOutcome:
        escalations: list[EscalationFiring] = []
        upcoming: list[EscalationFiring] | None = [] if self.upcoming else None
        out = clocks.outcomes(snapshots, escalations, upcoming)
        if ticket.kind in self.periods.kinds:
            out.extend(self.periods.clocks(ticket))
        if len(escalations) > 1:
            escalations.sort(key=lambda e: (e.at, e.step.metric, e.step.index))
        resolved = False
        types = set()
        assignee = group = None
        for event in ticket.events:  # those up to as_of (`run`)
            types.add(event.type)
            if event.type in ("resolved", "reopened"):
                resolved = event.type == "resolved"
            if event.assignee is not None:
                assignee = event.assignee
            if event.group is not None:
                group = event.group
        first = snapshots[0].decision
        if len(snapshots) == 1:  # most subjects: no change of attributes
            unlisted, undecided_rules = bool(first.unlisted), first.undecided is not None
        else:
            unlisted = any(s.decision.unlisted for s in snapshots)
            undecided_rules = any(s.decision.undecided for s in snapshots)
        findings: tuple[Finding, ...] = ()
        if unlisted or ticket.kind in self.findings.recorded:
            findings = tuple(self.findings.records(ticket.kind, snapshots))
        if undecided_rules or self.findings.judged:
            history = self.findings.history(ticket)
            if undecided_rules:
                findings = (*findings, *self.findings.undecided(ticket, clocks.started(), snapshots, history))
            if self.findings.judged:
                findings = (*findings, *self.findings.judge(ticket, snapshots, history))
        if self.findings.anchored[ticket.kind]:
            findings = (*findings, *self.findings.unanchored(ticket.kind, snapshots, clocks.started()))
        if self.findings.agreed_only:
            findings = (*findings, *self.findings.unagreed(ticket.kind, out))
        if matches or undecided:
            findings = (*findings, *self.findings.correlations(ticket, matches, undecided))
        if derived:
            findings = (*findings, *differences(derived))
        if ticket.kind in self.owed.outage_kinds:
            findings = (*findings, *self.owed.uncounted(ticket.kind, snapshots[-1].attributes, ticket.events[0].at))
        clock_outcomes = tuple(out)
        credits: tuple[CreditOwed, ...] = ()
        if self.owed.breaches:
            credits, uncomputed = self.owed.credits(ticket, snapshots, clock_outcomes)
            findings = (*findings, *uncomputed)
        charges = self.penalties.charges(ticket, snapshots, clock_outcomes, findings, matches) if self.policy.penalties else ()
        coverage = self.coverage.samples(ticket) if ticket.kind in self.coverage.kinds else ()
        return SubjectOutcome(
            ticket.id, ticket.line, self.policy, ticket.events[0].at, snapshots[-1].attributes, resolved,
            clock_outcomes, tuple(escalations), findings, ticket.kind, tuple(notices), charges, coverage, frozenset(types),
            derived, assignee, group, credits, self.owed.ended(ticket),
            upcoming=tuple(sorted(upcoming, key=lambda e: (e.at, e.step.metric, e.step.index))) if upcoming else (),
        )


def _tell(notices: list[NoticeFiring], notice: Notice, t: float, as_of: float) -> None:
    """A notice fires once, the first time (up to as_of): a few per subject at most, so told ones are found in the list."""
    if t <= as_of and all(told.notice.id != notice.id for told in notices):
        notices.append(NoticeFiring(t, notice))


def _with_events(ticket: Ticket, extra: list[Event]) -> Ticket:
    """The ticket with more events, each after those at the same time (the sort is stable)."""
    events = sorted([*ticket.events, *extra], key=operator.itemgetter(0))
    return Ticket(ticket.id, ticket.line, ticket.attributes, events, ticket.kind)


class Replayer:
    """Outcomes for the tickets of one policy set: the version in force for each, one
    simulator per version, kept for the whole run."""

    def __init__(self, policies: PolicySet, backend: Backend, as_of: float,
                 rulesets: Sequence[CompiledPolicy] | None = None, roster: Roster = NO_ROSTER, upcoming: bool = False,
                 compared: frozenset[str] = frozenset(), compared_kinds: frozenset[str] = frozenset()) -> None:
        """`rulesets`: the versions' compiled rulesets, in version order (compiled here when not given);
        `upcoming`: outcomes list the escalations still to come; `compared`: in a comparison, the event types any
        of the versions compared declares (`_foreign`); `compared_kinds`: the kinds of subject any of them governs."""
        self.policies = policies
        self.compared = compared
        self.compared_kinds = compared_kinds
        self.backend = backend
        self.as_of = as_of
        self.roster = roster
        self.upcoming = upcoming
        self.correlated = NOTHING_CORRELATED  # set by the replay after its first pass
        self._rulesets = dict(zip(map(id, policies.versions), rulesets)) if rulesets is not None else {}
        self._simulators: dict[int, Simulator] = {}
        self._unknowns: dict[int, tuple[frozenset[str], frozenset[str]]] = {}

    def simulator(self, policy: Policy) -> Simulator:
        sim = self._simulators.get(id(policy))
        if sim is None:
            sim = self._simulators[id(policy)] = Simulator(policy, self.backend, self.as_of, self._rulesets.get(id(policy)),
                                                           self.roster, self.upcoming)
        return sim

    def retime(self, as_of: float) -> None:
        """Replay as of another instant from now on, every version's simulator kept (`Simulator.retime`)."""
        self.as_of = as_of
        for sim in self._simulators.values():
            sim.retime(as_of)

    def outcome(self, ticket: Ticket) -> SubjectOutcome | Rejection:
        created = ticket.events[0].at
        policy = self.policies.version_for(created)
        ignored: tuple[str, ...] = ()
        if self.compared and policy is not None:
            events, kinds = self._unknown(policy)
            if ticket.kind in kinds:
                return Rejection(ticket.id, ticket.line, (Reason(NOT_GOVERNED, Message(
                    N_("version {version} governs no '{kind}'; another version compared does: not replayed under it"),
                    version=policy.version, kind=ticket.kind)),), ticket.kind)
            ticket, ignored = _foreign(ticket, events)
        if created > self.as_of:
            return self._not_yet_created(ticket)
        try:
            if policy is None:
                day = local_day(created, self.policies.tz)
                raise TicketError("no_policy_version", Message(N_("no version of policy '{policy}' is in force on {day}; its versions "
                                                                  "cover {coverage}"), policy=self.policies.id, day=day,
                                                               coverage=_coverage(self.policies)))
            correlated = self.correlated
            outcome = self.simulator(policy).run(ticket, correlated.matches.get(ticket.line, ()),
                                                 correlated.undecided.get(ticket.line, ()))
            return dataclasses.replace(outcome, ignored=ignored) if ignored else outcome
        except TicketError as exc:
            return rejected(ticket.id, ticket.line, exc, () if policy is None else self.simulator(policy).checks.problems(ticket))
        except CalendarError as exc:
            return reject(ticket.id, ticket.line, "calendar", str(exc))

    def _unknown(self, policy: Policy) -> tuple[frozenset[str], frozenset[str]]:
        """The event types and the kinds of subject of the comparison that `policy` does not declare (once per version)."""
        found = self._unknowns.get(id(policy))
        if found is None:
            found = self._unknowns[id(policy)] = (self.compared.difference(policy.events),
                                                  self.compared_kinds.difference(policy.kinds))
        return found

    def _not_yet_created(self, ticket: Ticket) -> Rejection:
        """A subject created after as_of is not replayed (it did not exist then), but listed: with the
        reasons its version gives to reject it, if any; else as not yet created alone."""
        created = ticket.events[0].at
        policy = self.policies.version_for(created)
        problems = tuple(self.simulator(policy).checks.problems(ticket)) if policy is not None else ()
        if problems:
            return Rejection(ticket.id, ticket.line, tuple(dict.fromkeys(problems)), ticket.kind)
        when = dt.datetime.fromtimestamp(created, self.policies.tz).isoformat()
        return Rejection(ticket.id, ticket.line, (Reason(NOT_YET_CREATED, Message(
            N_("created {when}, after --as-of {as_of}: not replayed"), when=when,
            as_of=dt.datetime.fromtimestamp(self.as_of, self.policies.tz).isoformat())),), ticket.kind)

    def item(self, item: RawItem | Rejection) -> SubjectOutcome | Rejection:
        """An item read as plain data (CSV, YAML, a test case), checked, then replayed."""
        if isinstance(item, Rejection):
            return item
        try:
            ticket = ticket_from_data(item.data, item.line, self.policies.tz)
        except TicketError as exc:
            raw = item.data.get("id") if isinstance(item.data, dict) else None
            return rejected_item(str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None, item.line,
                                 exc, self.problems)
        return self.outcome(ticket)

    def problems(self, partial: Ticket) -> list[Reason]:
        """The policy's reasons to reject a subject that could be read only in part (a bad timestamp, a
        misspelt created event): checked against the version in force at its first readable time, or,
        with no readable time, the reasons every version gives."""
        first = partial.events[0].at if partial.events else math.inf
        if math.isfinite(first):
            policy = self.policies.version_for(first)
            return [] if policy is None else list(self.simulator(policy).checks.problems(partial))
        found = [list(self.simulator(policy).checks.problems(partial)) for policy in self.policies.versions]
        return [r for r in found[0] if all(r in other for other in found[1:])] if found else []


def _foreign(ticket: Ticket, unknown: AbstractSet[str]) -> tuple[Ticket, tuple[str, ...]]:
    """The ticket without its events of `unknown` types (declared by another version of a comparison, not by
    this one: it has nothing to say about them), and their types, one per event; an event of such a type
    that changes the subject's attributes stays, and rejects the ticket (dropping it would drop the change)."""
    if not unknown or not any(e.type in unknown for e in ticket.events):
        return ticket, ()
    kept = [e for e in ticket.events if e.type not in unknown or e.attributes]
    ignored = tuple(e.type for e in ticket.events if e.type in unknown and not e.attributes)
    return Ticket(ticket.id, ticket.line, ticket.attributes, kept, ticket.kind), ignored


def _coverage(policies: PolicySet) -> str:
    """The days the versions are in force, for a ticket that falls outside them."""
    return ", ".join(f"{p.effective_from} to {p.effective_until or 'open end'} ({p.version})" for p in policies.versions)


"""Findings on a subject's history: the rules over it (invariants of order and ownership, routing,
the form of its id), what the record-keeping clauses ask of its attributes (a required one missing,
a value off its list or scale), the correlations it completed or could not take part in, and the
rules that could not be applied for want of an attribute (or a date a deadline is due before),
where they mattered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from ..diagnostics.record import ordinal, shorten
from ..i18n import N_, Message
from ..policy.conditions import full_match
from ..policy.model import Attribute, Invariant, Policy, Source
from .checks import mistyped
from .decisions import Snapshot, snapshot_at
from .matches import Match
from .outcome import ClockOutcome, ClockStatus, Finding
from .phases import PHASE_OF_END, Ended, Phases, happened
from .tickets import Event, Ticket


class History(NamedTuple):
    """What the rules over a subject's history read of it: the events that end a phase other than by
    its own end event (`Phases.ended`), and the event types that happened with those ends."""

    ended: Ended
    happened: set[str]


class Findings:
    """One policy version's rules over a subject's history."""

    def __init__(self, policy: Policy, typed: dict[str, tuple[Attribute, ...]]) -> None:
        """`typed`: the number and boolean attributes whose values no decision checks (objectives and
        penalties read them, no rule does), by kind."""
        self.policy = policy
        self.judged = bool(policy.invariants or policy.routes or policy.identity)  # history rules to check
        self._invariants = {invariant.id: invariant for invariant in policy.invariants}
        self._correlations = {c.id: c for c in policy.correlations}
        self._phases = Phases(policy)
        # deadlines before a date attribute, by kind: a target in force without the date is a finding
        self.anchored = {k: tuple(m for m in policy.metrics.values() if m.before and m.subject == k) for k in policy.kinds}
        # targets due only as agreed: one without an agreed time is a finding
        self.agreed_only = any(v.duration is None for rule in policy.targets for v in rule.values.values())
        attributes = policy.attributes.values()
        self._required = {k: tuple(a for a in attributes if a.required and a.subject == k) for k in policy.kinds}
        self._scaled = {k: tuple(a for a in attributes if a.range is not None and a.subject == k) for k in policy.kinds}
        self._typed = typed
        self._sources: dict[str, Source] = {}
        # kinds whose every subject `records` reads (a value outside a list, or of another type than an
        # attribute a rule reads, is in the decision: `unlisted`)
        self.recorded = frozenset(k for k in policy.kinds if self._required[k] or self._scaled[k] or typed.get(k))

    def records(self, kind: str, snapshots: list[Snapshot]) -> list[Finding]:
        """The findings of the record-keeping clauses on the subject's attributes: each required one
        missing at the end (dated at its creation), each value outside an attribute's list or scale
        (at the first time the subject had it)."""
        found: list[Finding] = []
        last = snapshots[-1].attributes
        for a in self._required[kind]:
            if last.get(a.id) is None:
                found.append(Finding("missing_attribute", Message(N_("the {kind} has no '{attribute}', which the policy requires "
                                                                     "recorded"), kind=kind, attribute=a.id),
                                     snapshots[0].at, a.clauses, self._source(a), a.id))
        seen: set[tuple[str, Any]] = set()
        for snap in snapshots:
            off = [*snap.decision.unlisted, *_off_scale(self._scaled[kind], snap.attributes),
                   *mistyped(self._typed.get(kind, ()), snap.attributes)]
            for a, value, why in off:
                if (a.id, value) not in seen:
                    seen.add((a.id, value))
                    found.append(Finding("unlisted_value", f"{a.id}={shorten(repr(value))} {why}", snap.at, a.clauses,
                                         self._source(a), a.id))
        return found

    def _source(self, a: Attribute) -> Source:
        found = self._sources.get(a.id)
        if found is None:
            mark = self.policy.document.locate(a.path)
            found = self._sources[a.id] = Source(self.policy.source, mark.line, mark.column)
        return found

    def history(self, ticket: Ticket) -> History:
        """What the rules over the subject's history read of it (as it stood at as_of: the simulator
        replays no later event): the phases' ends, when an invariant may hang on one."""
        kinds = [e.type for e in ticket.events]
        types = set(kinds)
        ended: Ended = self._phases.ended(kinds, types) if self._invariants else {}
        return History(ended, happened(types, ended))

    def undecided(self, ticket: Ticket, started: set[str], snapshots: list[Snapshot], history: History) -> tuple[Finding, ...]:
        """Rules that could not be applied for want of an attribute, where they mattered: on a clock the
        subject started (a target or step of its metric, even when no target applied), a notice, an
        invariant whose events happened (a `before` event, or a phase's end standing for it, or an
        assignment for ownership), a route of a subject that was assigned."""
        done = history.happened
        assigned = any(e.assignee is not None for e in ticket.events)

        def matters(key: str) -> bool:
            kind, _, name = key.partition(":")
            if not name:
                return key in started
            if kind == "route":
                return "assigned" in done
            if kind == "invariant":
                invariant = self._invariants[name]
                return assigned if invariant.owner else not done.isdisjoint(invariant.before)
            return True

        out: dict[tuple[str, str], Finding] = {}
        for snap in snapshots:
            for key, found in (snap.decision.undecided or {}).items():
                if matters(key):
                    for f in found:
                        out.setdefault((key, f.message), f)
        return tuple(out.values())

    def unanchored(self, kind: str, snapshots: list[Snapshot], started: set[str]) -> Iterator[Finding]:
        """Deadlines before a date the subject never had: a target of the metric was in force (and, for a
        metric with a start event, its clock started) but the date it is due before is missing at as_of.
        Whatever the attribute's `unknown:` says: without the date the deadline cannot be timed at all."""
        last = snapshots[-1].attributes
        for metric in self.anchored[kind]:
            anchor = metric.before or ""
            if last.get(anchor) is not None or (metric.start and metric.id not in started):
                continue
            rule = next((s.decision.rules[metric.id] for s in reversed(snapshots) if metric.id in s.decision.rules), None)
            if rule is not None:
                yield Finding("undecided_rule", Message(N_("the {metric} target of {rule} ({source}) could not be applied: the {kind} "
                                                           "has no '{anchor}', the date it is due before"), metric=metric.id,
                                                        rule=rule.id or Message(N_("the rule")), source=rule.source, kind=kind,
                                                        anchor=anchor), None,
                              rule.values[metric.id].clauses or rule.clauses, rule.source)

    def unagreed(self, kind: str, clocks: Iterable[ClockOutcome]) -> Iterator[Finding]:
        """Deadlines due only as agreed that nothing was agreed for: the clock ran with its target in force but
        the subject had no agreed time by its end (or --as-of), so it is measured, not judged."""
        for c in clocks:
            if c.status is ClockStatus.UNTIMED and c.target is not None and c.target.agreed is not None and c.rule is not None:
                rule = c.rule
                yield Finding("undecided_rule", Message(N_("the {metric} target of {rule} ({source}) could not be applied: the {kind} "
                                                           "has no '{agreed}', the time agreed for it, and the rule gives none of its own"),
                                                        metric=c.metric.id, rule=rule.id or Message(N_("the rule")), source=rule.source,
                                                        kind=kind, agreed=c.target.agreed), None, c.target.clauses or rule.clauses,
                              rule.source)

    def judge(self, ticket: Ticket, snapshots: list[Snapshot], history: History) -> Iterator[Finding]:
        """Findings for the rules over the subject's history, in policy order."""
        identity = self.policy.identity
        if identity is not None and ticket.kind == "ticket" and not full_match(identity.pattern, ticket.id):
            yield Finding("malformed_id", Message(N_("the id '{id}' does not match the pattern {pattern}"), id=shorten(ticket.id),
                                                  pattern=identity.pattern),
                          ticket.events[0].at, identity.clauses, identity.source)
        events = ticket.events
        ended, types = history
        decided = snapshots[0].decision.invariants if len(snapshots) == 1 else {
            v for snap in snapshots for v in snap.decision.invariants}
        if decided:
            assignees = any(e.assignee is not None for e in events)
            for invariant in self.policy.invariants:
                if invariant not in decided:
                    continue
                if invariant.owner:
                    found = _ownership(invariant, events, ended, snapshots) if assignees else None
                else:
                    found = None if types.isdisjoint(invariant.before) else _sequence(invariant, events, ended, snapshots)
                if found is not None:
                    yield found
        assigned = next((e for e in events if e.type == "assigned"), None) if "assigned" in types else None
        if assigned is not None:
            route = snapshot_at(snapshots, assigned.at).decision.route
            if route is not None and assigned.group not in route.groups:
                given = Message(N_("group '{group}'"), group=shorten(assigned.group)) if assigned.group is not None \
                    else Message(N_("no group"))
                yield Finding("misrouted", Message(N_("first assigned to {given}; route {route} sends it to {groups}"), given=given,
                                                   route=route.id, groups=" or ".join(route.groups)), assigned.at, route.clauses, route.source,
                              route.id, assigned.actor)

    def correlations(self, ticket: Ticket, matches: tuple[Match, ...],
                     undecided: tuple[tuple[str, tuple[str, ...]], ...]) -> Iterator[Finding]:
        """A `recurrence` finding per correlation the subject completed; an `undecided_rule` one per
        correlation it could not take part in."""
        for m in matches:
            c = self._correlations[m.correlation]
            if c.link is not None:
                what = Message(N_("{kind} reports again the problem of {first} ({link})"), kind=ticket.kind, first=m.members[0],
                               link=c.link)
            elif c.again_after:
                what = Message(N_("{kind} reports again a problem already solved: {first} (same {key})"), kind=ticket.kind,
                               first=m.members[0], key=", ".join(c.key))
            else:
                shown = ", ".join(f"{k}={shorten(str(v))}" for k, v in zip(c.key, m.key))
                what = Message(N_("{kind} is the {nth} report within {within} with {values}: {members}"), kind=ticket.kind,
                               nth=ordinal(len(m.members)), within=c.within, values=shown, members=", ".join(m.members))
            yield Finding("recurrence", what, m.at, c.clauses, c.source, c.id)
        for cid, missing in undecided:
            c = self._correlations[cid]
            names = ", ".join(f"'{n}'" for n in missing)
            yield Finding("undecided_rule", Message(N_("correlation {correlation} could not be applied: the {kind} has no {names}"),
                                                    correlation=cid, kind=ticket.kind, names=names), None,
                          c.clauses, c.source, cid)


def _applies(invariant: Invariant, snapshots: list[Snapshot], t: float) -> bool:
    return invariant in snapshot_at(snapshots, t).decision.invariants


def _sequence(invariant: Invariant, events: list[Event], ended: Ended, snapshots: list[Snapshot]) -> Finding | None:
    """The first `before` event (or end of the phase it ends) that came while a `requires` event (by
    one of the roles) had not."""
    done = dict.fromkeys(invariant.requires, False)
    by, before = invariant.by, invariant.before
    for index, e in enumerate(events):
        if e.type in done and (not by or e.role in by):
            done[e.type] = True
        elif (e.type in before or (ended and index in ended and not ended[index].isdisjoint(before))) \
                and _applies(invariant, snapshots, e.at):
            missing = [f"'{name}'" for name, ok in done.items() if not ok]
            if missing:
                who = Message(N_(" by {roles}"), roles=" or ".join(by)) if by else ""
                return Finding("out_of_order", Message(N_("{event} came before {missing}{by}"), event=_what(e, ended.get(index), before),
                                                       missing=" and ".join(missing), by=who),
                               e.at, invariant.clauses, invariant.source, invariant.id, e.actor)
    return None


def _what(e: Event, stands_for: frozenset[str] | None, wanted: tuple[str, ...]) -> str:
    """The event as a finding names it: 'resolved', or 'resolved' (ending the visit) where it stands
    for the end of a phase."""
    if e.type in wanted or not stands_for:
        return f"'{e.type}'"
    phases = " and the ".join(PHASE_OF_END[name] for name in wanted if name in stands_for)
    return Message(N_("'{event}' (ending the {phases})"), event=e.type, phases=phases)


def _ownership(invariant: Invariant, events: list[Event], ended: Ended, snapshots: list[Snapshot]) -> Finding | None:
    """The first hand-over of the subject from its first assignee before an `until` event (or the end
    of the phase it ends)."""
    owner: str | None = None
    until = invariant.until
    for index, e in enumerate(events):
        if owner is not None and (e.type in until or (ended and index in ended and not ended[index].isdisjoint(until))):
            return None
        if e.assignee is None:
            continue
        if owner is None:
            owner = e.assignee
        elif e.assignee != owner and _applies(invariant, snapshots, e.at):
            named = " or ".join(f"'{u}'" for u in until)
            return Finding("ownership", Message(N_("handed from {owner} (its first receiver) to {assignee} before {until}"),
                                                owner=shorten(owner), assignee=shorten(e.assignee), until=named), e.at, invariant.clauses,
                           invariant.source, invariant.id, e.actor)
    return None



def _off_scale(scaled: tuple[Attribute, ...], attrs: dict[str, Any]) -> Iterator[tuple[Attribute, Any, str]]:
    """The values of number attributes outside their `range` (or not numbers at all), with why."""
    for a in scaled:
        value = attrs.get(a.id)
        if value is None or a.range is None:
            continue
        low, high = a.range
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            yield a, value, f"is outside the scale the policy gives: {low:g} to {high:g}"

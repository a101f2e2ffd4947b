"""The policy's checks of a subject's input before any clock runs: its kind, its event types and
statuses, its severity and tier at each event; and the defaults of attributes it lacks. A subject
that fails one cannot be replayed and is rejected, with every reason the policy gives (`problems`).

What the record-keeping clauses ask of a subject's attributes is not such a reason: a required
attribute missing, or a value outside those an attribute lists (a fifth grade on a four-grade
scale, a channel the clause does not name), is a finding of the attribute's clause on a subject
that is replayed like any other (`unlisted` here, once per combination of values; the findings in
`slapolicy.sim.findings`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..diagnostics.record import choices, did_you_mean, shorten
from ..i18n import N_, Message, alternatives
from ..policy.model import Attribute, Policy
from .derive import Deriver
from .outcome import Reason
from .tickets import Event, Ticket, TicketError

_NO_EVENTS = (Event(0.0, "", None, {}),)
# the declared types whose values are checked as read from the input (text takes any scalar, an id
# written as a number included; dates are read by the deadlines that need them)
_TYPES: dict[str, tuple[str, tuple[type, ...]]] = {"number": ("a number", (int, float)), "boolean": ("true or false", (bool,))}


def mistyped(typed: tuple[Attribute, ...], attrs: dict[str, Any]) -> tuple[tuple[Attribute, Any, str], ...]:
    """The values of `typed` attributes not of their declared type (a text where a number belongs; a
    boolean is no number), with why."""
    return tuple((a, attrs[a.id], f"is not {_TYPES[a.type][0]}, as the policy declares it")
                 for a in typed if attrs.get(a.id) is not None and not _of_type(a.type, attrs[a.id]))


def _of_type(declared: str, value: Any) -> bool:
    return isinstance(value, _TYPES[declared][1]) and (declared == "boolean" or not isinstance(value, bool))  # what `problems` reads of a subject without one readable event


class Checks:
    """One policy version's checks of subjects."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._kinds = frozenset(policy.kinds)
        self._event_types = frozenset(policy.events)
        # defaults of the attributes a lookup table gives are the deriver's: they apply where the table gives none
        self.defaults = tuple(a for a in policy.attributes.values() if a.default is not None and a.id not in policy.lookups)
        self.deriver = Deriver(policy)
        attributes = policy.attributes.values()
        self._listed = {k: tuple(a for a in attributes if a.values is not None and a.subject == k) for k in policy.kinds}
        self.typed = {k: tuple(a for a in attributes if a.type in _TYPES and a.subject == k) for k in policy.kinds}
        # the attributes these checks read: a decision cached per their values is checked once
        self.fields = ("severity", "tier", *(a.id for a in attributes if a.values is not None))

    def kind(self, ticket: Ticket) -> None:
        if ticket.kind not in self._kinds:
            raise TicketError("unknown_kind", Message(N_("unknown kind of subject '{kind}'{near}; the policy governs: {kinds}"),
                                                      kind=shorten(ticket.kind), near=did_you_mean(ticket.kind, tuple(self._kinds)),
                                                      kinds=", ".join(sorted(self._kinds))))

    def events(self, ticket: Ticket) -> None:
        """The subject's kind and events; TicketError for the first problem."""
        self.kind(ticket)
        for problem in self._event_problems(ticket):
            raise problem

    def _event_problems(self, ticket: Ticket) -> Iterator[TicketError]:
        p = self.policy
        for event in ticket.events:
            if event.type not in self._event_types:
                hint = did_you_mean(event.type, p.events) or Message(N_("; declare it under the policy's events: or correct the name"))
                yield TicketError("unknown_event_type", Message(N_("unknown event type '{type}'{hint}"), type=shorten(event.type), hint=hint))
            elif event.type == "status":
                if event.status is None:
                    yield TicketError("bad_shape", Message(N_("a status event needs a status, e.g. {example}"),
                                                           example='{"type": "status", "status": "waiting"}'))
                elif p.statuses is not None and event.status not in p.statuses:
                    yield TicketError("unknown_status", Message(N_("unknown status '{status}'{choices}"), status=shorten(event.status),
                                                                choices=choices(event.status, tuple(p.statuses))))

    def attributes(self, kind: str, attrs: dict[str, Any]) -> None:
        """The values of the subject's attributes; TicketError for the first the policy does not cover."""
        for problem in self._attribute_problems(kind, attrs):
            raise problem

    def _attribute_problems(self, kind: str, attrs: dict[str, Any]) -> Iterator[TicketError]:
        p = self.policy
        severity = attrs.get("severity")
        if severity is None and kind == "ticket" and p.severities:  # a policy without severities grades no ticket
            yield TicketError("unknown_severity", Message(N_("the ticket has no severity{underived}; give one of: {severities}"),
                                                          underived=_underived(p, attrs), severities=", ".join(p.severities)))
        if severity is not None and not p.severities:
            yield TicketError("unknown_severity", Message(N_("severity '{severity}' given, but the policy grades no subject by "
                                                             "severity (it declares no severities); leave it out"), severity=shorten(severity)))
        elif severity is not None and severity not in p.severities:
            yield TicketError("unknown_severity", Message(N_("unknown severity '{severity}'{choices}"), severity=shorten(severity),
                                                          choices=choices(str(severity), tuple(p.severities))))
        tier = attrs.get("tier")
        if tier is not None and tier not in p.tiers:
            yield TicketError("unknown_tier", Message(N_("unknown tier '{tier}'{choices}"), tier=shorten(tier),
                                                      choices=choices(str(tier), tuple(p.tiers))))

    def problems(self, ticket: Ticket) -> Iterator[Reason]:
        """Every reason the policy gives to reject the subject (kind, events, attributes at any
        event): what a rejection lists once one problem has stopped the subject."""
        try:
            self.kind(ticket)
        except TicketError as exc:
            yield from exc.reasons
            return
        for problem in self._event_problems(ticket):
            yield from problem.reasons
        attrs = dict(ticket.attributes)
        created = (ticket.events or _NO_EVENTS)[0].at
        for event in ticket.events or _NO_EVENTS:  # a partly read subject may have none: its attributes still count
            attrs.update(event.attributes)
            self.complete(ticket.kind, attrs)
            for problem in self._attribute_problems(ticket.kind, self.settled(ticket.kind, attrs, created)):
                yield from problem.reasons

    def settled(self, kind: str, given: dict[str, Any], created: float) -> dict[str, Any]:
        """The attributes with the derived ones filled in (`given` itself when the policy derives none)."""
        return self.deriver.derive(kind, given, created, created)[0] if self.deriver.active else given

    def complete(self, kind: str, attrs: dict[str, Any]) -> None:
        """Defaults for attributes the subject lacks."""
        for a in self.defaults:
            if a.subject == kind and attrs.get(a.id) is None:
                attrs[a.id] = a.default

    def unlisted(self, kind: str, attrs: dict[str, Any]) -> tuple[tuple[Attribute, Any, str], ...]:
        """The values outside the list of an attribute that lists its values, with why (once per
        combination of values: the decisions keep it)."""
        return tuple((a, attrs[a.id], f"is none of the values the policy lists: {', '.join(map(str, a.values))}")
                     for a in self._listed[kind] if a.values is not None and attrs.get(a.id) is not None
                     and attrs[a.id] not in a.values)


def _underived(policy: Policy, attrs: dict[str, Any]) -> str:
    """`, and the table that gives it (criticality × impact) cannot be read: no impact` where a lookup gives
    severities; a key another table should have given says why that one could not."""
    table = policy.lookups.get("severity")
    if table is None:
        return ""
    missing = [k for k in table.keys if attrs.get(k) is None]
    read = " × ".join(table.keys)
    if missing:
        return Message(N_(", and the table that gives it ({keys}) cannot be read: no {missing}"), keys=read,
                       missing=alternatives([_unread(policy, attrs, k, {"severity"}) for k in missing]))
    return Message(N_(", and the table that gives it ({keys}) has no cell for {values}"), keys=read, values=_values(table.keys, attrs))


def _unread(policy: Policy, attrs: dict[str, Any], name: str, seen: set[str]) -> str:
    """A missing key, and, where a table of its own gives it, why that table gave nothing."""
    table = policy.lookups.get(name)
    if table is None or name in seen:
        return name
    missing = [k for k in table.keys if attrs.get(k) is None]
    if missing:
        return Message(N_("{name} (its table cannot be read: no {missing})"), name=name,
                       missing=alternatives([_unread(policy, attrs, k, seen | {name}) for k in missing]))
    return Message(N_("{name} (the {name} table has no cell for {values})"), name=name, values=_values(table.keys, attrs))


def _values(keys: tuple[str, ...], attrs: dict[str, Any]) -> str:
    return ", ".join(f"{k} {shorten(str(attrs[k]))}" for k in keys)

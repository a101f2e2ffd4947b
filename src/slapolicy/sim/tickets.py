"""Ticket input: a ticket from its data (JSONL lines decoded here; whole YAML / JSON / CSV / sheet files are
read into items by `slapolicy.sim.ticket_files`).

Every input item becomes a `Ticket` or a `Rejection` with its line number and reasons:
nothing the user gave is dropped. Timestamps are ISO-8601; those without a UTC offset
are read in the policy's time zone.

A JSONL line is decoded straight into typed structs (msgspec, in C); a line that does
not fit that shape is decoded again as plain data and checked field by field, so the
rejection says exactly what is wrong. Both paths end in the same checks.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec

from ..calendar.instants import (
    InstantError,
    decoded_epoch,
    parse_instant,
)
from ..diagnostics.record import did_you_mean, shorten
from ..i18n import N_, Message
from .outcome import Reason, Rejection
from .wire import PLAIN, PROBE, TYPED

FORMATS = ("jsonl", "json", "yaml", "csv", "xlsx")
MAX_EVENTS = 20_000  # per ticket: a real ticket has tens
BOM = b"\xef\xbb\xbf"
_NO_ATTRIBUTES: Mapping[str, Any] = {}


class Event(NamedTuple):
    at: float  # epoch seconds
    type: str
    status: str | None
    attributes: Mapping[str, Any]
    actor: str | None = None  # who did it (a person)
    role: str | None = None  # in which of the policy's roles (approvals: `by`)
    assignee: str | None = None  # to whom an `assigned` event gives the subject (ownership)
    group: str | None = None  # to which group (routing)


WHO = ("actor", "role", "assignee", "group")  # optional text fields of an event, in Event order
# an Event from all its fields at once, without the Python-level __new__ a NamedTuple is called through (a JSONL
# line's events are made this way: tens of millions in a large history)
_NEW_EVENT = tuple.__new__


@dataclass(slots=True)
class Ticket:
    """A subject as read: a ticket, or a contract, call or duty record (`kind`)."""

    id: str
    line: int
    attributes: dict[str, Any]
    events: list[Event]  # in time order; equal times keep input order; the first is `created`
    kind: str = "ticket"


@dataclass(slots=True)
class RawItem:
    """A ticket as plain data (from CSV, YAML or JSON), not yet checked."""

    data: Any
    line: int


ATTRIBUTES = Message(N_("attributes"))  # a subject's, as a message names them
NO_EVENTS = Message(N_("the ticket has no events"))


class TicketError(ValueError):
    """Why an item cannot be replayed; `more`: the further problems found while rejecting it;
    `partial`: the item as far as it could be read (set when its reading failed), so that the
    policy's own checks can still name the rest of its problems."""

    def __init__(self, code: str, message: str, more: tuple[Reason, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message  # a Message keeps its template, for the text output to say it in the reader's language
        self.more = more
        self.partial: Ticket | None = None

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return (Reason(self.code, self.message), *self.more)


def reject(ticket_id: str | None, line: int, code: str, message: str) -> Rejection:
    return Rejection(ticket_id, line, (Reason(code, message),))


def rejected(ticket_id: str | None, line: int, exc: TicketError, more: Iterable[Reason] = ()) -> Rejection:
    """A rejection with every reason found, each once, the first the one that stopped the item."""
    return Rejection(ticket_id, line, tuple(dict.fromkeys((*exc.reasons, *more))))


Check = Callable[[Ticket], Iterable[Reason]]  # the policy's reasons to reject a subject (Replayer.problems)


def rejected_item(ticket_id: str | None, line: int, exc: TicketError, check: Check | None) -> Rejection:
    """A rejection of an item whose reading failed, with the policy's reasons about what could be
    read of it (severity, tier, values, event types, statuses) when `check` is given."""
    return rejected(ticket_id, line, exc, check(exc.partial) if check is not None and exc.partial is not None else ())


def ticket_key(value: Any) -> str | None:
    """The id a ticket claims: text or a whole number; anything else claims nothing."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


# ---- the checks every path ends in ----------------------------------------------------------

def _scalars(attrs: Any, where: str) -> dict[str, Any]:
    if attrs is None:
        return {}
    if not isinstance(attrs, dict):
        raise TicketError("bad_shape", Message(N_("{where} must be a mapping of attribute names to values"), where=where))
    for key, value in attrs.items():
        if value is None or isinstance(value, (str, bool, int)):
            continue
        if isinstance(value, float) and math.isfinite(value):
            continue
        if isinstance(value, float):
            raise TicketError("bad_shape", Message(N_("attribute '{key}' is {value}; give a finite number"), key=key, value=value))
        raise TicketError("bad_shape", Message(N_("attribute '{key}' must be text, a number or true/false"), key=key))
    return attrs


def _identity(tid: Any, attributes: Any) -> tuple[str, dict[str, Any]]:
    """The first checks, in the same order on every path: the id, then the attributes."""
    key = ticket_key(tid)
    if key is None:
        raise TicketError("bad_shape", Message(N_("the ticket has no id")))
    return key, _scalars(attributes, ATTRIBUTES)


def _kind(value: Any) -> str:
    if value is None:
        return "ticket"
    if not isinstance(value, str) or not value:
        raise TicketError("bad_shape", Message(N_("`kind` must be the name of a kind of subject (ticket, contract, call …)")))
    return value


def _finish(key: str, line: int, attrs: dict[str, Any], events: list[Event], kind: str = "ticket") -> Ticket:
    if len(events) > MAX_EVENTS:
        raise TicketError("limit", Message(N_("the ticket has {count} events; slapolicy replays at most {limit} per ticket"),
                                           count=len(events), limit=MAX_EVENTS))
    events.sort(key=_AT)  # stable: equal times keep input order
    if events[0].type != "created":
        if not any(e.type == "created" for e in events):
            error = _misspelt_created(events) or TicketError("missing_created", Message(
                N_("the ticket has no 'created' event; every ticket starts with one, e.g. {example}"),
                example='{"at": "2025-03-07T09:00:00+08:00", "type": "created"}'))
        else:
            error = TicketError("event_before_created", Message(
                N_("a '{type}' event comes before 'created'; the ticket starts with its 'created' event: check both times"),
                type=shorten(events[0].type)))
        raise _partial(error, key, line, attrs, events, kind)
    return Ticket(key, line, attrs, events, kind)


_AT = operator.itemgetter(0)


def _misspelt_created(events: list[Event]) -> TicketError | None:
    """No `created` event: a misspelt one (`Created`, `creatd`) is named as such, not as missing; the
    ticket as far as it was read (`partial`) holds it as the `created` event it was meant to be, so
    the policy's checks do not name it again."""
    for index, event in enumerate(events):
        near = did_you_mean(event.type, ("created",))
        if near:
            why = Message(N_("event types are written in lower case")) if event.type.lower() == "created" else \
                Message(N_("every ticket starts with a 'created' event"))
            error = TicketError("unknown_event_type", Message(N_("unknown event type '{type}'{near} ({why})"),
                                                              type=shorten(event.type), near=near, why=why))
            events[index] = event._replace(type="created")
            return error
    return None


def _partial(error: TicketError, key: str, line: int, attrs: dict[str, Any], events: list[Event], kind: str) -> TicketError:
    """`error` holding the subject as far as it was read (events in time order, untimed ones last)."""
    error.partial = Ticket(key, line, attrs, sorted(events, key=_AT), kind)
    return error


def _untimed(e: Any) -> Event | None:
    """What the policy can still check of an event that could not be read (its type and status), placed
    after every timed event; None when even its type or status is unreadable."""
    if not isinstance(e, dict) or not isinstance(e.get("type"), str) or not isinstance(e.get("status"), (str, type(None))):
        return None
    return Event(math.inf, e["type"], e.get("status"), _NO_ATTRIBUTES)


# ---- plain data (CSV, YAML, JSON, and JSONL lines the fast path refused) ----------------------

def ticket_from_data(data: Any, line: int, tz: dt.tzinfo) -> Ticket:
    """Shape and time checks that need no policy; TicketError says what is wrong, with every
    further problem of the item (each event is checked, not only up to the first bad one)."""
    if not isinstance(data, dict):
        raise TicketError("unparseable", Message(N_("line {line} is not a ticket object"), line=line))
    problems: list[TicketError] = []
    key, kind = "", "ticket"
    attributes: dict[str, Any] = {}
    readable = True  # the kind and the attributes: what the policy's checks of a rejected item need
    try:
        key, attributes = _identity(data.get("id"), data.get("attributes"))
    except TicketError as exc:
        problems.append(exc)
        attributes, readable = _attributes_anyway(data.get("attributes"))
    try:
        kind = _kind(data.get("kind"))
    except TicketError as exc:
        problems.append(exc)
        readable = False
    events_data = data.get("events")
    events = []
    untimed = []
    if not isinstance(events_data, list) or not events_data:
        problems.append(TicketError("missing_created", NO_EVENTS))
    else:
        for i, e in enumerate(events_data):
            try:
                events.append(_event(e, i, tz))
            except TicketError as exc:
                problems.append(exc)
                if (event := _untimed(e)) is not None:
                    untimed.append(event)
    if problems:
        error = _all(problems)
        if readable:
            raise _partial(error, key, line, attributes, events + untimed, kind)
        raise error
    return _finish(key, line, attributes, events, kind)


def _all(problems: list[TicketError]) -> TicketError:
    """One TicketError holding every problem found, the first one first."""
    first = problems[0]
    return TicketError(first.code, first.message, tuple(r for p in problems[1:] for r in p.reasons))


def _attributes_anyway(attrs: Any) -> tuple[dict[str, Any], bool]:
    """The attributes of an item whose id was refused, and whether they could be read."""
    try:
        return _scalars(attrs, ATTRIBUTES), True
    except TicketError:
        return {}, False


def _event(e: Any, i: int, tz: dt.tzinfo) -> Event:
    if not isinstance(e, dict) or not isinstance(e.get("type"), str):
        raise TicketError("bad_shape", Message(N_("event {n} needs a type"), n=i + 1))
    try:
        at = parse_instant(e.get("at"), tz)
    except InstantError as exc:
        raise TicketError("bad_timestamp", Message(N_("event {n}: {problem}"), n=i + 1, problem=str(exc))) from None
    texts = [e.get(name) for name in ("status", *WHO)]
    for name, value in zip(("status", *WHO), texts):
        if value is not None and not isinstance(value, str):
            raise TicketError("bad_shape", Message(N_("event {n}: `{name}` must be text"), n=i + 1, name=name))
    attrs = _scalars(e.get("attributes"), Message(N_("event {n} attributes"), n=i + 1))
    return Event(at, e["type"], texts[0], attrs or _NO_ATTRIBUTES, *texts[1:])


def item_id(data: Any) -> str | None:
    return ticket_key(data.get("id")) if isinstance(data, dict) else None


# ---- JSONL: typed decoding in C, plain decoding to explain a refusal --------------------------

def line_id(line: bytes) -> str | None:
    """The id a JSONL line carries, read without decoding the rest of it (about 0.6 µs).

    A line whose id can be read this way claims it even if the full decoding then
    refuses the line (a broken byte inside a string), and its rejection names the id."""
    try:
        return ticket_key(PROBE.decode(line).id)
    except (msgspec.MsgspecError, UnicodeDecodeError):
        return None


def decode_line(line: bytes, number: int, tz: dt.tzinfo, check: Check | None = None) -> Ticket | Rejection:
    """One JSONL line (without its newline) as a Ticket, or a Rejection saying why not (with the
    reasons `check`, the policy's, gives about what could be read of it)."""
    try:
        raw = TYPED.decode(line)
    except msgspec.ValidationError:
        return _decode_plain(line, number, tz, check)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        message = _not_utf8(line, number) or Message(N_("line {line} is not JSON ({problem}); each line holds one ticket {shape}"),
                                                     line=number, problem=str(exc), shape='{"id": ..., "attributes": {...}, "events": [...]}')
        return reject(line_id(line), number, "unparseable", message)
    problems: list[TicketError] = []
    key, kind = "", "ticket"
    attributes: dict[str, Any] = {}
    readable = True
    try:
        key, attributes = _identity(raw.id, raw.attributes)
        kind = _kind(raw.kind)
    except TicketError as exc:
        problems.append(exc)
        attributes, readable = _attributes_anyway(raw.attributes)
        readable = readable and isinstance(raw.kind, str) and bool(raw.kind)
    if not raw.events:
        problems.append(TicketError("missing_created", NO_EVENTS))
    events = []
    untimed = []
    for i, e in enumerate(raw.events):
        try:
            extra = e.attributes
            if extra:
                _scalars(extra, Message(N_("event {n} attributes"), n=i + 1))
            events.append(_NEW_EVENT(Event, (decoded_epoch(e.at, tz), e.type, e.status, extra or _NO_ATTRIBUTES,
                                             e.actor, e.role, e.assignee, e.group)))
        except (TicketError, InstantError) as exc:  # every event is checked: the rejection holds every problem of the line
            problems.append(exc if isinstance(exc, TicketError) else
                            TicketError("bad_timestamp", Message(N_("event {n}: {problem}"), n=i + 1, problem=str(exc))))
            untimed.append(Event(math.inf, e.type, e.status, _NO_ATTRIBUTES))
    try:
        if problems:
            error = _all(problems)
            raise _partial(error, key, number, attributes, events + untimed, kind) if readable else error
        return _finish(key, number, attributes, events, kind)
    except TicketError as exc:
        return rejected_item(ticket_key(raw.id), number, exc, check)


def _not_utf8(line: bytes, number: int) -> str | None:
    """Why a line that failed to decode is not UTF-8, or None when it is: classified by our own
    check of the bytes, since msgspec versions report invalid UTF-8 with different exceptions."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Message(N_("line {line} is not UTF-8 text (byte {byte} of the line, {value}); is the file GB18030 / GBK? give "
                          "--encoding gb18030"), line=number, byte=exc.start + 1, value=f"0x{line[exc.start]:02X}")
    return None


def _decode_plain(line: bytes, number: int, tz: dt.tzinfo, check: Check | None) -> Ticket | Rejection:
    try:
        data = PLAIN.decode(line)
    except (msgspec.MsgspecError, UnicodeDecodeError) as exc:  # not UTF-8, or a number out of range
        message = _not_utf8(line, number) or f"line {number} cannot be read: {exc}"
        return reject(line_id(line), number, "unparseable", message)
    try:
        return ticket_from_data(data, number, tz)
    except TicketError as exc:
        return rejected_item(item_id(data), number, exc, check)


# ---- the other formats -------------------------------------------------------------------------

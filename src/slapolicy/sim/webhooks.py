"""Helpdesk webhooks in: a `rows: webhook` profile maps the JSON payload a helpdesk sends when a
ticket changes onto the events of one subject, so connecting Zammad, Znuny, Jira or Zendesk is a
profile, not code.

A payload names its ticket (`id:`, a JSON path) and reports the ticket as it is now: timestamp
paths that become events (`events:`: created, first response, closed — repeated by every later
payload) and the change it was sent for (`event:`: its time, type, status, assignee …). The
attributes it gives (severity …) ride on its `created` event and on the event it reports.

Every event gets an id that depends only on what it says (its subject and content; a `created`
event, on its subject and time: a subject is created once), so a payload sent twice, or a later
payload repeating the ticket's creation, maps to the same ids and a consumer keeps the first.
Every payload is accounted for: the events of its subject, a payload whose only event the
profile skips, or a rejection naming the JSON path at fault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from ..calendar.instants import MAX_YEAR, MIN_YEAR, RANGE_TEXT, InstantError, read_cell_time, wall_time
from ..diagnostics.record import one_line, shorten
from ..i18n import N_, Message
from .mapping import MAX_MINUTES, UNSET, Imported, Profile, Segments, Timed, Value, elapsed, mapped, rejection, shown
from .outcome import Reason, Rejection
from .tickets import BOM, WHO, RawItem, ticket_key

_MISSING: Any = object()  # a path the payload does not have (or holds null or "")
_TEXT_FIELDS = ("status", *WHO)  # what the ticket format reads as text
WHAT = {"payload": N_("payload"), "ticket": N_("ticket")}  # what a rejection names an item of the file


class WebhookEvent(NamedTuple):
    id: str  # stable: the same event from another payload has the same id
    data: dict[str, Any]  # the event in the ticket format: at, type, status?, attributes?, actor? …


@dataclass(frozen=True)
class SubjectEvents:
    """What one payload says: the events of one subject (none when the profile skips its only event)."""

    subject: str
    kind: str | None
    events: tuple[WebhookEvent, ...]
    omitted: tuple[str, ...] = ()  # the profile keys whose value its map lacks, left out (unmapped: omit)


def map_webhook(profile: Profile, payload: bytes | Mapping[str, Any], line: int = 1) -> SubjectEvents | Rejection:
    """One payload (its bytes, or decoded) as the events of its subject, or a rejection with every reason
    found; `line` is where the payload is in a file of payloads (1 for a request)."""
    if not isinstance(payload, Mapping):
        try:
            payload = msgspec.json.decode(payload)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            return Rejection(None, line, (Reason("unparseable", Message(N_("the payload is not JSON: {problem}"), problem=one_line(str(exc)))),))
        if not isinstance(payload, Mapping):
            return Rejection(None, line, (Reason("unparseable", Message(N_("the payload is not a JSON object"))),))
    return _Payload(profile, payload, line).events()


class _Payload:
    """One payload read through a profile: each value at its paths, mapped, with the reasons it fails."""

    def __init__(self, profile: Profile, payload: Mapping[str, Any], line: int) -> None:
        self.profile = profile
        self.payload = payload
        self.line = line
        self.reasons: list[Reason] = []
        self.omitted: list[str] = []

    def events(self) -> SubjectEvents | Rejection:
        p = self.profile
        found = _at(self.payload, p.id_path)
        subject = ticket_key(found) if found is not _MISSING else None
        if subject is None:
            why = Message(N_("is not in the payload")) if found is _MISSING else \
                Message(N_("holds {kind}, not a ticket id (text or a whole number)"), kind=_kind_of(found))
            self.reasons.append(Reason("unparseable", Message(N_("id: {path} {why}; every payload names its ticket"), path=p.id, why=why)))
        kind = self.read(p.kind) if p.kind is not None else UNSET
        attributes = {name: v for name, spec in p.attributes if (v := self.read(spec)) is not UNSET and v is not None}
        events: dict[str, WebhookEvent] = {}
        times: dict[str, dt.datetime] = {}
        for timed in p.events:
            when = self.time(timed.path, timed.column, required=False) if timed.minutes_after is None else self.after(timed, times)
            if when is not UNSET:
                times.setdefault(timed.type, when)
                _add(events, subject, kind, {"at": when, "type": timed.type}, attributes if timed.type == "created" else {})
        if p.event:
            reported = self.reported()
            if reported is not None:
                _add(events, subject, kind, reported, attributes)
        if self.reasons or subject is None:
            return rejection(subject, self.line, self.reasons)
        return SubjectEvents(subject, None if kind is UNSET or kind is None else _text(kind), tuple(events.values()),
                             tuple(self.omitted))

    def reported(self) -> dict[str, Any] | None:
        """The event the payload was sent for; None when the profile skips its type (or it cannot be read)."""
        spec = dict(self.profile.event)
        known = len(self.reasons)
        type_ = self.read(spec["type"])
        if type_ is UNSET and len(self.reasons) == known:
            self.reasons.append(Reason("unparseable", Message(N_("event.type: {path} is not in the payload; it holds the event type (or "
                                                                 "give event.type a default)"), path=spec["type"].column)))
        at = spec["at"]
        when = self.time(at.paths[0], at.column or "", required=True)
        if type_ is None or type_ is UNSET or when is UNSET:
            return None
        event: dict[str, Any] = {"at": when, "type": str(type_)}
        for name in _TEXT_FIELDS:
            if name in spec and (v := self.read(spec[name])) is not UNSET and v is not None:
                event[name] = v if isinstance(v, str) else _text(v)
        return event

    def read(self, spec: Value) -> Any:
        """The value a spec gives: its constant, the value at its path (kept as the payload types it), or its
        map's value for the values at its paths joined by spaces, the most specific key first (a path the
        payload lacks, or holding an object or a list, is left out of the key); UNSET for a missing value
        without a default, None for a value the profile skips."""
        if not spec.paths:
            return spec.constant
        values = []
        for segments in spec.paths:
            value = _at(self.payload, segments)
            if isinstance(value, (dict, list)):
                if len(spec.paths) > 1:  # a key of several paths is made of the values there are
                    continue
                self.reasons.append(Reason("bad_shape", Message(N_("{field}: {path} holds {kind}, not a value; name a field inside it "
                                                                   "({path}.name)"), field=spec.where, path=spec.column, kind=_kind_of(value))))
                return UNSET
            if value is not _MISSING:
                values.append(value)
        if not values:
            if spec.required and spec.default is UNSET:
                self.reasons.append(Reason("unparseable", Message(N_("{field}: {path} is not in the payload; the profile requires it "
                                                                     "(give it a default to use when it is missing)"), field=spec.where,
                                                                  path=spec.column)))
            return spec.default
        texts = [_text(v) for v in values]
        keys = tuple(" ".join(texts[:n]) for n in range(len(texts), 0, -1))
        if spec.map is None:
            if keys[0] in spec.skip:
                return None
            return values[0] if len(spec.paths) == 1 else keys[0]
        value = mapped(spec, keys, spec.column or "", self.reasons)
        if value is UNSET and spec.unmapped == "omit":
            self.omitted.append(spec.where)
        return value

    def after(self, timed: Timed, times: dict[str, dt.datetime]) -> Any:
        """The time `timed` gives as a number of minutes after an earlier event (Zendesk's reply time in
        minutes); UNSET when the number or that event is missing, or the number is not minutes."""
        minutes = _at(self.payload, timed.path)
        base = times.get(str(timed.minutes_after))
        if minutes is _MISSING or base is None:
            return UNSET
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes <= MAX_MINUTES:
            self.reasons.append(Reason("bad_timestamp", Message(N_("{path}: {kind} is not a number of minutes from 0 to {limit}"),
                                                                path=timed.column, kind=_kind_of(minutes), limit=MAX_MINUTES)))
            return UNSET
        return elapsed(base, minutes)

    def time(self, segments: Segments, written: str, required: bool) -> Any:
        """The date-time at a path; UNSET when it is missing (a reason when `required`) or cannot be read."""
        value = _at(self.payload, segments)
        if value is _MISSING:
            if required:
                self.reasons.append(Reason("unparseable", Message(N_("event.at: {path} is not in the payload; it holds the time of the "
                                                                     "event the payload reports"), path=written)))
            return UNSET
        try:
            return _datetime(value, self.profile)
        except InstantError as exc:
            self.reasons.append(Reason("bad_timestamp", Message("{path}: {problem}", path=written, problem=one_line(str(exc)))))
            return UNSET


def _add(events: dict[str, WebhookEvent], subject: str | None, kind: Any, event: dict[str, Any],
         attributes: dict[str, Any]) -> None:
    """The event with `attributes` and its id; of two with one id, the first stays."""
    when: dt.datetime = event["at"]
    event["at"] = when.isoformat()
    if attributes:
        event["attributes"] = dict(attributes)  # each event its own: a consumer may change one
    basis = {"type": "created"} if event["type"] == "created" else dict(event)
    basis["at"] = _instant_text(when)
    text = json.dumps([subject, None if kind is UNSET else kind, basis], sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    events.setdefault(digest, WebhookEvent(digest, event))


def _at(payload: Any, segments: Segments) -> Any:
    """The value at a path; _MISSING where the payload has no such key or index, or holds null or ""."""
    node = payload
    for segment in segments:
        found = (isinstance(node, list) and segment < len(node)) if isinstance(segment, int) else (isinstance(node, dict) and segment in node)
        if not found:
            return _MISSING
        node = node[segment]
    return _MISSING if node is None or node == "" else node


def _datetime(value: Any, profile: Profile) -> dt.datetime:
    """A payload's date-time: text as an export's cell (ISO-8601 or the profile's formats), a number as
    epoch seconds or milliseconds when the profile says which; naive when it carries no offset and the
    profile gives no time zone (a consumer reads it in the policy's)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        unit = next((f for f in profile.formats if f in ("epoch", "epoch_ms")), None)
        if unit is None:
            raise InstantError(f"{shorten(str(value), 40)} is a number; say what it counts: timestamps: [epoch_ms] "
                               "(milliseconds since 1970) or [epoch] (seconds)")
        try:
            when = dt.datetime.fromtimestamp(value / 1000 if unit == "epoch_ms" else value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            when = None
        if when is None or not MIN_YEAR <= when.year <= MAX_YEAR:
            raise InstantError(f"{shorten(str(value), 40)} ({unit}) is outside the supported range {RANGE_TEXT}")
        return when
    if not isinstance(value, str):
        raise InstantError(f"{_kind_of(value)} is not a date-time")
    when = read_cell_time(value, profile.formats)
    if when.tzinfo is None and profile.timezone is not None:
        when = wall_time(when, profile.timezone, profile.repeated_hour)
    return when


def _instant_text(when: dt.datetime) -> str:
    """The instant an id is made of: the same for every way of writing it (Z, +08:00, milliseconds)."""
    return when.astimezone(dt.UTC).isoformat() if when.tzinfo is not None else when.isoformat()


def _text(value: Any) -> str:
    """A scalar as a map key: JSON's true/false, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return shown(_text(value))


# ---- a file of payloads (slapolicy import, --profile) ------------------------------------------------

@dataclass
class Subjects:
    """Payloads (or a JSON export's tickets) grouped by subject: one ticket each, its events in arrival order,
    a repeated id kept once; a rejection names the payload (`what` and its number) it came from."""

    what: str = "payload"
    imported: Imported = field(default_factory=Imported)
    tickets: dict[str, tuple[int, dict[str, Any], set[str], list[Reason]]] = field(default_factory=dict)

    def add(self, mapped_: SubjectEvents | Rejection, line: int, number: int | None = None) -> None:
        """The payload at `line` (the `number`th of its line, where a line holds several)."""
        out = self.imported
        out.rows += 1
        if isinstance(mapped_, Rejection) and mapped_.id is None:
            out.items.append(mapped_)
            return
        subject = mapped_.id if isinstance(mapped_, Rejection) else mapped_.subject
        assert subject is not None
        if isinstance(mapped_, SubjectEvents):
            out.omitted.update(mapped_.omitted)
            if not mapped_.events:
                out.skipped_by["no event"] += 1
                return
        if subject not in self.tickets:
            data: dict[str, Any] = {"id": subject, "attributes": {}, "events": []}
            self.tickets[subject] = (len(out.items), data, set(), [])
            out.items.append(RawItem(data, line))
        _, data, seen, reasons = self.tickets[subject]
        if isinstance(mapped_, Rejection):
            reasons.extend(Reason(r.code, Message(N_("{what} {n}: {reason}"), what=Message(WHAT[self.what]), n=number or mapped_.line,
                                                  reason=r.message))
                           for r in mapped_.reasons)
            return
        if mapped_.kind is not None:
            data.setdefault("kind", mapped_.kind)
        for event in mapped_.events:
            if event.id not in seen:
                seen.add(event.id)
                data["events"].append({"id": event.id, **event.data})

    def finish(self) -> Imported:
        for subject, (position, _, _, reasons) in self.tickets.items():
            if reasons:
                self.imported.items[position] = rejection(subject, self.imported.items[position].line, reasons)
        return self.imported


def read_payloads(profile: Profile, raw: bytes) -> Imported:
    """A file of payloads — one JSON object, or one a line (a recorded stream) — as tickets and
    rejections: each subject's events, repeats kept once, in the order they came."""
    subjects = Subjects()
    file = read_json_file(raw)
    if file.refused is not None:
        subjects.imported.items.append(file.refused)
        return subjects.imported
    for number, line in file.lines:
        subjects.add(map_webhook(profile, line, number), number)
    if file.lines:
        return subjects.finish()
    if not isinstance(file.whole, Mapping):
        subjects.imported.items.append(Rejection(None, 1, (Reason("unparseable", Message(N_("the file holds no payload: a JSON object, or "
                                                                                            "one a line"))),)))
        return subjects.imported
    subjects.add(map_webhook(profile, file.whole, 1), 1)
    return subjects.finish()


@dataclass(frozen=True)
class JsonFile:
    """A file of JSON as read: one document (`whole`), JSON lines (`lines`: each line that is not blank, with
    its number, to be decoded one by one), or `refused`: neither, at the line and column of the fault."""

    whole: Any = None
    lines: tuple[tuple[int, bytes], ...] = ()
    refused: Rejection | None = None


def read_json_file(raw: bytes) -> JsonFile:
    """A file as one JSON document, else as JSON lines (its first line an object), else refused."""
    text = raw[len(BOM):] if raw.startswith(BOM) else raw
    try:
        return JsonFile(whole=msgspec.json.decode(text))
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        lines = text.split(b"\n")
        if len(lines) < 2 or not lines[0].strip().startswith(b"{") or not lines[0].strip().endswith(b"}"):
            return JsonFile(refused=malformed(text, exc))
        return JsonFile(lines=tuple((number, line.strip()) for number, line in enumerate(lines, 1) if line.strip()))


def malformed(text: bytes, exc: Exception) -> Rejection:
    """A file that is not JSON, refused at the line of the fault with its column (msgspec names the byte)."""
    message = one_line(str(exc))
    byte = message.rpartition("(byte ")[2].rstrip(")")
    if not byte.isdigit():
        return Rejection(None, 1, (Reason("unparseable", Message(N_("the file is not JSON ({problem})"), problem=message)),))
    at = int(byte)
    line = text.count(b"\n", 0, at) + 1
    column = at - (text.rfind(b"\n", 0, at) + 1) + 1
    return Rejection(None, line, (Reason("unparseable", Message(N_("column {column}: the file is not JSON ({problem}); a webhook profile "
                                                                   "reads a JSON payload, or one a line"), column=column,
                                                                problem=message.partition(" (byte")[0])),))


__all__ = ["JsonFile", "SubjectEvents", "Subjects", "WebhookEvent", "map_webhook", "read_json_file", "read_payloads"]

"""Ticket input: JSONL (canonical), YAML / JSON (one ticket or a list) and CSV event logs.

Reading yields, per ticket in input order, either a RawTicket or a Rejected with its line
number: nothing the user gave is dropped. Timestamps are ISO-8601; those without a UTC
offset are read in the policy's time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import yaml

FORMATS = ("jsonl", "json", "yaml", "csv")


@dataclass(frozen=True)
class Event:
    at: float  # epoch seconds
    type: str
    status: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawTicket:
    """A ticket as read, not yet checked against a policy."""

    data: dict[str, Any]
    line: int


@dataclass
class Rejected:
    id: str | None
    line: int
    errors: list[dict[str, str]]

    @staticmethod
    def one(ticket_id: str | None, line: int, code: str, message: str) -> Rejected:
        return Rejected(ticket_id, line, [{"code": code, "message": message}])


@dataclass
class Ticket:
    id: str
    line: int
    attributes: dict[str, Any]
    events: list[Event]


class TicketError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def detect_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}.get(
        suffix, "jsonl"
    )


def read_tickets(stream: TextIO, fmt: str, first_line: int = 1) -> Iterator[RawTicket | Rejected]:
    """`first_line` numbers a JSONL stream that starts inside a file (a chunk of a parallel replay)."""
    if fmt == "jsonl":
        yield from _jsonl(stream, first_line)
    elif fmt in ("json", "yaml"):
        yield from _document(stream.read(), fmt)
    elif fmt == "csv":
        yield from _csv(stream)
    else:
        raise ValueError(f"unknown input format '{fmt}'; use one of {', '.join(FORMATS)}")


def _jsonl(stream: TextIO, first_line: int = 1) -> Iterator[RawTicket | Rejected]:
    for number, text in enumerate(stream, first_line):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Rejected.one(None, number, "unparseable", f"line {number} is not JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(data, dict):
            yield Rejected.one(None, number, "unparseable", f"line {number} is not a ticket object")
            continue
        yield RawTicket(data, number)


def _document(text: str, fmt: str) -> Iterator[RawTicket | Rejected]:
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        yield Rejected.one(None, 1, "unparseable", f"the file is not valid {fmt.upper()}: {exc}")
        return
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        if isinstance(item, dict):
            yield RawTicket(_plain(item), i + 1)
        else:
            yield Rejected.one(None, i + 1, "unparseable", f"item {i + 1} is not a ticket object")


def _plain(value: Any) -> Any:
    """YAML may hand back datetimes and dates; keep timestamps as text like JSON does."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _csv(stream: TextIO) -> Iterator[RawTicket | Rejected]:
    reader = csv.DictReader(stream)
    missing = {"ticket_id", "at", "type"} - set(reader.fieldnames or ())
    if missing:
        yield Rejected.one(None, 1, "unparseable", f"the CSV header lacks {', '.join(sorted(missing))}")
        return
    tickets: dict[str, RawTicket] = {}
    for row in reader:
        line = reader.line_num
        tid = (row.get("ticket_id") or "").strip()
        if not tid:
            yield Rejected.one(None, line, "unparseable", f"line {line} has no ticket_id")
            continue
        attrs = {k: _cell(v) for k, v in row.items() if k not in ("ticket_id", "at", "type", "status") and k and v not in (None, "")}
        event: dict[str, Any] = {"at": row["at"], "type": row["type"]}
        if row.get("status"):
            event["status"] = row["status"]
        if tid not in tickets:
            tickets[tid] = RawTicket({"id": tid, "attributes": attrs if row["type"] == "created" else {}, "events": []}, line)
            if row["type"] != "created" and attrs:
                event["attributes"] = attrs
        elif attrs:
            event["attributes"] = attrs
        tickets[tid].data["events"].append(event)
    yield from tickets.values()


def _cell(value: str) -> Any:
    """CSV cells are text; numbers and booleans are recognised as JSON would write them."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value
    return parsed if isinstance(parsed, (int, float, bool)) else value


def parse_instant(value: Any, tz: ZoneInfo) -> float:
    if not isinstance(value, str):
        raise TicketError("bad_timestamp", f"{value!r} is not an ISO-8601 timestamp")
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TicketError("bad_timestamp", f"'{value}' is not an ISO-8601 timestamp") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.timestamp()


def _scalars(attrs: Any, where: str) -> dict[str, Any]:
    if attrs is None:
        return {}
    if not isinstance(attrs, dict):
        raise TicketError("bad_shape", f"{where} must be a mapping of attribute names to values")
    for key, value in attrs.items():
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise TicketError("bad_shape", f"attribute '{key}' must be text, a number or true/false")
    return dict(attrs)


def parse_ticket(raw: RawTicket, tz: ZoneInfo) -> Ticket:
    """Shape and time checks that need no policy; raise TicketError."""
    data = raw.data
    tid = data.get("id")
    if isinstance(tid, bool) or not isinstance(tid, (str, int)) or tid == "":
        raise TicketError("bad_shape", "the ticket has no id")
    attributes = _scalars(data.get("attributes"), "attributes")
    events_data = data.get("events")
    if not isinstance(events_data, list) or not events_data:
        raise TicketError("missing_created", "the ticket has no events")
    events = []
    for i, e in enumerate(events_data):
        if not isinstance(e, dict) or not isinstance(e.get("type"), str):
            raise TicketError("bad_shape", f"event {i + 1} needs a type")
        events.append(Event(
            at=parse_instant(e.get("at"), tz), type=e["type"],
            status=e.get("status") if isinstance(e.get("status"), str) else None,
            attributes=_scalars(e.get("attributes"), f"event {i + 1} attributes"),
        ))
    events.sort(key=lambda e: e.at)  # stable: equal times keep file order
    created = [i for i, e in enumerate(events) if e.type == "created"]
    if not created:
        raise TicketError("missing_created", "the ticket has no 'created' event")
    if created[0] != 0:
        first = events[0]
        raise TicketError("event_before_created", f"a '{first.type}' event comes before 'created'")
    return Ticket(str(tid), raw.line, attributes, events)


def open_input(path: str) -> TextIO:
    if path == "-":
        import sys

        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace", newline="")


def iter_input(path: str, fmt: str | None) -> Iterable[RawTicket | Rejected]:
    with open_input(path) as stream:
        yield from read_tickets(stream, fmt or detect_format(path))

"""Ticket exports as JSON, read through a `rows: ticket` profile's `path:`s: Zendesk's incremental
export and tickets API pages (`{"tickets": [...], "next_page": ..., "end_of_stream": ...}`), a JSON
list of tickets, and JSON lines (a ticket or a page a line, Zendesk's JSON data export).

A ticket object is read as a webhook payload that reports no change (`webhooks`: one JSON-path
mapping for both): its timestamp paths become events, its attributes ride on `created`. A ticket
that appears again (the incremental export sends a ticket each time it changes) adds the events it
did not have. A page's sideloaded `metric_sets` (`?include=metric_sets`) join their tickets, so their reply and
solve times are read as the JSON data export's. Every ticket is imported or rejected with a reason naming it; a
page's paging keys are no tickets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import msgspec

from ..i18n import N_, Message
from .mapping import Imported, Profile, Segments, Value
from .outcome import Reason, Rejection
from .tickets import BOM
from .webhooks import SubjectEvents, Subjects, map_webhook, read_json_file


def is_json(raw: bytes) -> bool:
    """Whether an export is JSON rather than CSV or a workbook: its first character opens an object or a list."""
    return (raw[len(BOM):] if raw.startswith(BOM) else raw).lstrip()[:1] in (b"{", b"[")


def read_json_tickets(profile: Profile, raw: bytes) -> Imported:
    """The tickets of a JSON export as tickets and rejections, in the order they come."""
    if not profile.id_path or not any(t.path for t in profile.events):
        return Imported(items=[Rejection(None, 1, (Reason("unparseable", (
            f"the export is JSON, and profile {profile.name} names no JSON path for the ticket id or its events; "
            "give each field its `path:` beside its `column:`, e.g. id: {column: Id, path: id}")),))])
    view = replace(profile, rows="webhook", event=(), id=_written(profile.id_path),
                   events=tuple(replace(t, column=_written(t.path)) for t in profile.events if t.path),
                   attributes=tuple((k, _by_path(v)) for k, v in profile.attributes if v.paths or v.column is None),
                   kind=_by_path(profile.kind) if profile.kind is not None and (profile.kind.paths or profile.kind.column is None)
                   else None)
    subjects = Subjects("ticket")
    file = read_json_file(raw)
    if file.refused is not None:
        subjects.imported.items.append(file.refused)
        return subjects.imported
    records = [r for number, line in file.lines for r in _line(number, line)] if file.lines else list(_whole(file.whole))
    for line, number, record in records:
        if isinstance(record, Rejection):
            subjects.imported.rows += 1
            subjects.imported.items.append(record)
        else:
            subjects.add(_ticket(view, map_webhook(view, record, line), line), line, number)
    return subjects.finish()


def _ticket(view: Profile, mapped: SubjectEvents | Rejection, line: int) -> SubjectEvents | Rejection:
    """A ticket object mapped: without a time at any of its timestamp paths it has no `created`: a rejection."""
    if isinstance(mapped, Rejection) or mapped.events:
        return mapped
    created = next((t.column for t in view.events if t.type == "created"), "created")
    return Rejection(mapped.subject, line, (Reason("missing_created", f"{created} is not in the ticket; it holds the "
                                                                      "ticket's creation time"),))


def _by_path(value: Value) -> Value:
    """A value as the JSON reader names it: by its path, not its CSV column."""
    return replace(value, column=_written(value.paths[0])) if value.paths else value


def _written(segments: Segments) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" if "." not in s else f'["{s}"]' for s in segments).lstrip(".")


Record = tuple[int, int, "dict[str, Any] | Rejection"]  # line, the ticket's number in the file, the ticket or why it is none


def _whole(document: Any) -> Iterator[Record]:
    """The tickets of a file that is one JSON document: a page, a list, or one ticket."""
    for number, ticket in enumerate(_tickets(document, 1), 1):
        yield 1, number, ticket


def _line(number: int, line: bytes) -> Iterator[Record]:
    """The tickets of one line of JSON lines: a ticket, or a page of them."""
    try:
        document = msgspec.json.decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        yield number, number, Rejection(None, number, (Reason("unparseable", Message(N_("the line is not JSON: {problem}"), problem=str(exc))),))
        return
    for ticket in _tickets(document, number):
        yield number, number, ticket


def _tickets(document: Any, line: int) -> Iterator[dict[str, Any] | Rejection]:
    metric_sets: dict[str, Any] = {}
    if isinstance(document, dict) and isinstance(document.get("tickets"), list):  # a page: paging keys and sideloads are no tickets
        items: list[Any] = document["tickets"]
        metric_sets = _metric_sets(document)
    else:
        items = document if isinstance(document, list) else [document]
    for i, item in enumerate(items):
        if isinstance(item, dict):
            found = metric_sets.get(str(item.get("id")))
            yield {**item, "metric_set": found} if found is not None and "metric_set" not in item else item
        else:
            yield Rejection(None, line, (Reason("unparseable", Message(N_("ticket {n} is not a JSON object"), n=i + 1)),))


def _metric_sets(page: dict[str, Any]) -> dict[str, Any]:
    """A page's sideloaded metric sets by ticket id (Zendesk's incremental export `?include=metric_sets`): each joins its
    ticket as the `metric_set` the JSON data export holds inside the ticket (reply and solve times)."""
    sideloaded = page.get("metric_sets")
    if not isinstance(sideloaded, list):
        return {}
    return {str(m["ticket_id"]): m for m in sideloaded if isinstance(m, dict) and m.get("ticket_id") is not None}


__all__ = ["is_json", "read_json_tickets"]

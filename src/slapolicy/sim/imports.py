"""Helpdesk exports in: an import profile maps an export's columns and values onto tickets.

Real exports are not slapolicy's event log: they are one row per ticket with timestamp
columns (created, first reply, resolved), or an event log with the product's own column
names and values (工单号, 紧急). A profile — YAML, checked against a shipped JSON Schema with
file:line:column diagnostics — says where each part of a ticket is. Shipped profiles are
used by name.

Every row is accounted for: it is part of a ticket (plain data, checked by the same code as
any other input), a row the profile skips on purpose, or a rejection that names its row
and column.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..calendar.instants import InstantError, read_cell_time, zone
from ..diagnostics.record import Diagnostic, InputError, did_you_mean, one_line, shorten
from ..policy.loader import Document, load_file, load_text
from ..policy.schema import schema_problems
from .outcome import Reason, Rejection
from .sheets import Quotes, cell_value, column_letter, missing_columns, records, sniff_delimiter
from .tickets import RawItem, TicketError, decode_text, ticket_from_data

_UNSET: Any = object()


@dataclass(frozen=True)
class Value:
    """Where one value of a ticket comes from: a column (its cells mapped or kept), or a constant."""

    where: str  # the profile key, for messages: attributes.severity
    column: str | None = None
    constant: Any = None
    map: Mapping[str, Any] | None = None
    default: Any = _UNSET
    skip: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Timed:
    """A timestamp column of a one-row-per-ticket export that becomes an event."""

    type: str
    column: str
    minutes_after: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    rows: str  # ticket | event
    id: str
    attributes: tuple[tuple[str, Value], ...]
    kind: Value | None = None
    events: tuple[Timed, ...] = ()
    event: tuple[tuple[str, Value], ...] = ()  # rows: event — at, type, status, actor, …
    formats: tuple[str, ...] = ()
    timezone: dt.tzinfo | None = None
    delimiter: str | None = None
    encoding: str | None = None

    def columns(self) -> list[tuple[str, str]]:
        """Every column the profile reads, with the profile key that names it."""
        out = [(self.id, "id")]
        values = [*self.attributes, *self.event] + ([("kind", self.kind)] if self.kind else [])
        out += [(v.column, v.where) for _, v in values if v.column is not None]
        out += [(t.column, f"events ({t.type})") for t in self.events]
        return out


@dataclass
class Imported:
    """What an export became: tickets and rejections in row order, and how many rows each took."""

    items: list[RawItem | Rejection] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0

    @property
    def tickets(self) -> list[RawItem]:
        return [i for i in self.items if isinstance(i, RawItem)]

    @property
    def rejections(self) -> list[Rejection]:
        return [i for i in self.items if isinstance(i, Rejection)]

    @property
    def refused(self) -> Rejection | None:
        """The rejection of the file as a whole (not decodable, no header, columns missing), if it was."""
        return self.items[0] if self.rows == 0 and self.items and isinstance(self.items[0], Rejection) else None


class ExportRefused(Exception):
    """An export that cannot be read as the export at all (not decodable, empty, columns missing):
    a usage error, not a rejected ticket. Its message is one line: path:line: why."""

    def __init__(self, path: str, refused: Rejection) -> None:
        super().__init__(f"{path}:{refused.line}: " + "; ".join(r.message for r in refused.reasons))


# ---- loading a profile ---------------------------------------------------------------------------

def shipped() -> dict[str, str]:
    """The shipped profiles by name (file stem)."""
    folder = files(__package__).joinpath("profiles")
    return {Path(p.name).stem: p.name for p in folder.iterdir() if p.name.endswith(".yaml")}


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name, or a profile file; InputError with every problem found."""
    names = shipped()
    if name_or_path in names:
        text = files(__package__).joinpath("profiles", names[name_or_path]).read_text(encoding="utf-8")
        doc, problems = load_text(text, f"{name_or_path} (shipped profile)")
    elif Path(name_or_path).is_file():
        doc, problems = load_file(name_or_path)
    else:
        starts = sorted(n for n in names if n.startswith(name_or_path.lower()))
        near = f"; did you mean '{starts[0]}'?" if starts and name_or_path else did_you_mean(name_or_path, list(names))
        raise InputError(Diagnostic.of(name_or_path, 0, 0, "SLA911",
                                       f"no shipped import profile and no file of that name{near}; shipped profiles: "
                                       f"{', '.join(sorted(names))} (or give the path of your own profile file)"))
    problems = problems or schema_problems(doc, "profile")
    if not problems:
        profile, problems = _model(doc)
        if not problems:
            return profile
    raise ProfileError(problems)


class ProfileError(InputError):
    """A profile with problems: all of them, in file order (the first is the InputError's)."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        self.problems = sorted(problems)
        super().__init__(self.problems[0])


def _value(raw: Any, where: str) -> Value:
    if isinstance(raw, str):
        return Value(where, column=raw)
    return Value(where, raw.get("column"), raw.get("value"), raw.get("map"), raw.get("default", _UNSET),
                 frozenset(raw.get("skip", ())))


_MAX_MINUTES = 10 * 366 * 24 * 60  # ten years: more is not a reply time but a broken cell
_SAMPLE = dt.datetime(2025, 3, 7, 17, 50, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _model(doc: Document) -> tuple[Profile, list[Diagnostic]]:
    """The profile from schema-valid data, and what does not fit together (SLA912, SLA913, SLA403)."""
    data = doc.data
    problems: list[Diagnostic] = []

    def value(raw: Any, path: tuple[str, ...]) -> Value:
        v = _value(raw, ".".join(path))
        if isinstance(raw, dict) and ("column" in raw) == ("value" in raw):
            problems.append(doc.diagnostic(path, "SLA913", "give either `column:` (read from the export) or `value:` "
                                                           "(the same for every ticket), e.g. {column: Priority}"))
        return v

    rows = data["rows"]
    wrong, needed = ("event", "events") if rows == "ticket" else ("events", "event")
    if wrong in data:
        problems.append(doc.diagnostic((wrong,), "SLA913", f"`{wrong}:` belongs to rows: {'ticket' if wrong == 'events' else 'event'}; "
                                                           f"with rows: {rows} write `{needed}:`", key=True))
    if needed not in data:
        example = "events: [{type: created, column: Created}]" if rows == "ticket" else "event: {at: Time, type: Action}"
        problems.append(doc.diagnostic(("rows",), "SLA913", f"rows: {rows} needs `{needed}:`, e.g. {example}"))
    events: list[Timed] = []
    for i, e in enumerate(data.get("events", []) if rows == "ticket" else []):
        after = e.get("minutes_after")
        if after is not None and after not in {t.type for t in events}:
            problems.append(doc.diagnostic(("events", i, "minutes_after"), "SLA913",
                                           f"minutes_after '{after}' names no event listed before this one; "
                                           "list that event first, e.g. {type: created, column: Created}"))
        events.append(Timed(e["type"], e["column"], after))
    if rows == "ticket" and events and not any(t.type == "created" and t.minutes_after is None for t in events):
        problems.append(doc.diagnostic(("events",), "SLA913", "no column gives the `created` event; every ticket starts with it, "
                                                              "e.g. - {type: created, column: Created}"))
    event = tuple((k, value(v, ("event", k))) for k, v in (data.get("event", {}) if rows == "event" else {}).items() if k != "at")
    if rows == "event" and "event" in data:
        event = (("at", Value("event.at", column=data["event"]["at"])), *event)
    formats = tuple(data.get("timestamps", ()))
    for i, fmt in enumerate(formats):
        reason = _format_problem(fmt)
        if reason:
            problems.append(doc.diagnostic(("timestamps", i), "SLA912", reason))
    if "encoding" in data and not _text_encoding(data["encoding"]):
        problems.append(doc.diagnostic(("encoding",), "SLA104", f"'{shorten(data['encoding'], 40)}' is not a known text "
                                                                "encoding; write utf-8, gb18030, gbk, big5, latin-1, …"))
    tz = None
    if "timezone" in data:
        try:
            tz = zone(data["timezone"])
        except InstantError as exc:
            problems.append(doc.diagnostic(("timezone",), "SLA403", str(exc)))
    profile = Profile(
        name=data["profile"], rows=rows, id=data["id"],
        attributes=tuple((k, value(v, ("attributes", k))) for k, v in data.get("attributes", {}).items()),
        kind=value(data["kind"], ("kind",)) if "kind" in data else None,
        events=tuple(events), event=event, formats=formats, timezone=tz,
        delimiter=data.get("delimiter"), encoding=data.get("encoding"),
    )
    return profile, problems


def _text_encoding(name: str) -> bool:
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))
    except LookupError:
        return False


def _format_problem(fmt: str) -> str | None:
    """Why a strptime format cannot read a date-time it writes itself, or None."""
    if "%" not in fmt:
        return f"'{fmt}' has no % fields; write a strptime format such as '%d/%m/%Y %H:%M' (day/month/year hour:minute)"
    try:
        dt.datetime.strptime(_SAMPLE.strftime(fmt), fmt)
    except ValueError as exc:
        return f"'{fmt}' cannot be read back ({exc}); use %Y %m %d %H %M %S (or %b, %y, %I with %p)"
    if "%d" not in fmt and "%j" not in fmt:
        return f"'{fmt}' has no day (%d); a timestamp needs the date and the time, e.g. '%Y-%m-%d %H:%M'"
    return None


# ---- reading an export ----------------------------------------------------------------------------

def read_export(profile: Profile, raw: bytes, encoding: str | None = None) -> Imported:
    """The rows of an export as tickets and rejections, in row order.

    `encoding` (an explicit --encoding) overrides the profile's; without either the export is
    UTF-8. A UTF-8 byte-order mark (Excel's 'CSV UTF-8') always wins."""
    codec = encoding or profile.encoding or "utf-8"
    result = Imported()
    try:
        text = decode_text(raw, codec)
    except TicketError as exc:
        result.items.append(Rejection(None, 1, (Reason(exc.code, str(exc)),)))
        return result
    first_line = text.split("\n", 1)[0]
    delimiter = profile.delimiter or sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        result.items.append(Rejection(None, 1, (Reason("unparseable", "the file is empty; export it again with its header row"),)))
        return result
    except csv.Error as exc:
        result.items.append(Rejection(None, 1, (Reason("unparseable", f"the header row cannot be read as CSV: {exc}"),)))
        return result
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name, i)
    missing = [(column, where) for column, where in profile.columns() if column not in index]
    if missing:
        result.items.append(Rejection(None, 1, (Reason("unparseable", missing_columns(missing, header, delimiter)),)))
        return result
    mapper = _Rows(profile, index)
    quotes = Quotes(text, header, delimiter)
    for number, first, last, row in records(reader):
        result.rows += 1
        mapper.add(number, row, quotes.left_open(number, first, last, row))
    result.items, result.skipped = mapper.finish(), mapper.skipped
    return result


class _Rows:
    """Rows into tickets: one per row (rows: ticket) or grouped by ticket id (rows: event)."""

    def __init__(self, profile: Profile, index: dict[str, int]) -> None:
        self.profile = profile
        self.index = index
        self.skipped = 0
        self.out: list[RawItem | Rejection] = []
        self.groups: dict[str, tuple[int, dict[str, Any], list[Reason]]] = {}  # id -> (position in out, data, reasons)
        self.current: dict[str, dict[str, Any]] = {}  # id -> the ticket's attribute values as of its latest row

    def at(self, line: int, column: str) -> str:
        return f"row {line}, column {column_letter(self.index[column])} '{shorten(column, 40)}'"

    def cell(self, row: list[str], column: str) -> str:
        i = self.index[column]
        return row[i].strip() if i < len(row) else ""

    def add(self, line: int, row: list[str] | csv.Error, open_quote: tuple[int, Reason] | None = None) -> None:
        """One record, `line` its row number; `open_quote` if a quote left open in it swallowed the rows after it."""
        if isinstance(row, csv.Error):
            self.out.append(Rejection(None, line, (Reason("unparseable", f"row {line} cannot be read as CSV: {row}"),)))
            return
        reasons: list[Reason] = []
        tid = self.cell(row, self.profile.id)
        if open_quote is not None:  # the cells after the quote are not this row's: only the quote is reported
            cell, reason = open_quote
            tid = tid if self.index[self.profile.id] < cell else ""
            if self.profile.rows == "ticket" or not tid:
                self.out.append(_rejection(tid, line, [reason]))
            else:
                self.group(tid, line, _UNSET, {}, {}, [reason])
            return
        if not tid:
            reasons.append(Reason("unparseable", f"{self.at(line, self.profile.id)} is empty; every row needs the ticket id"))
        attributes = self.values(self.profile.attributes, row, line, reasons)
        kind = self.read(self.profile.kind, row, line, reasons) if self.profile.kind else _UNSET
        if self.profile.rows == "ticket":
            events = self.timed(row, line, reasons)
            data: dict[str, Any] = {"id": tid, "attributes": attributes, "events": events}
            if kind is not _UNSET:
                data["kind"] = kind
            self.out.append(_rejection(tid, line, reasons) if reasons else RawItem(data, line))
            return
        event = self.values(self.profile.event, row, line, reasons)
        if event.get("type", _UNSET) is None:  # a type the profile skips
            self.skipped += 1
            return
        self.group(tid, line, kind, attributes, event, reasons)

    def group(self, tid: str, line: int, kind: Any, attributes: dict[str, Any], event: dict[str, Any],
              reasons: list[Reason]) -> None:
        if not tid:
            self.out.append(_rejection(None, line, reasons))
            return
        if tid not in self.groups:
            data: dict[str, Any] = {"id": tid, "attributes": attributes, "events": []}
            if kind is not _UNSET:
                data["kind"] = kind
            self.groups[tid] = (len(self.out), data, [])
            self.current[tid] = dict(attributes)
            self.out.append(RawItem(data, line))
        else:  # values that differ from the ticket's current ones (as of its previous row) are changes, carried by the event
            data = self.groups[tid][1]
            current = self.current[tid]
            changed = {k: v for k, v in attributes.items() if current.get(k, _UNSET) != v}
            if changed:
                event["attributes"] = changed
                current.update(changed)
        data["events"].append(event)
        self.groups[tid][2].extend(reasons)

    def finish(self) -> list[RawItem | Rejection]:
        for tid, (position, _, reasons) in self.groups.items():
            if reasons:
                item = self.out[position]
                self.out[position] = _rejection(tid, item.line, reasons)
        return self.out

    def values(self, specs: tuple[tuple[str, Value], ...], row: list[str], line: int, reasons: list[Reason]) -> dict[str, Any]:
        out = {}
        for name, spec in specs:
            v = self.read(spec, row, line, reasons)
            if v is not _UNSET:
                out[name] = v
        return out

    def read(self, spec: Value, row: list[str], line: int, reasons: list[Reason]) -> Any:
        """The value a spec gives for this row; _UNSET for an empty cell without default, None for a
        skipped event type."""
        if spec.column is None:
            return spec.constant
        text = self.cell(row, spec.column)
        if spec.where == "event.at":
            if not text:
                return self.empty(line, spec.column, "the event's time", reasons)
            when = self.instant(text, line, spec.column, reasons)
            return when if when is _UNSET else when.isoformat()
        if text in spec.skip:
            return None
        if not text:
            if spec.where == "event.type":
                return self.empty(line, spec.column, "the event type", reasons)
            return spec.default
        if spec.map is None:
            return cell_value(text)
        if text in spec.map:
            return spec.map[text]
        if spec.default is not _UNSET:
            return spec.default
        known = ", ".join(shorten(k, 20) for k in list(spec.map)[:10]) + (" …" if len(spec.map) > 10 else "")
        reasons.append(Reason("uncovered_value", f"{self.at(line, spec.column)}: {_shown(text)} is not in the profile's "
                                                 f"map for {spec.where} ({known}){did_you_mean(text, list(spec.map))}; "
                                                 f"add it under {spec.where}.map or give a default{_open_quote(text)}"))
        return _UNSET

    def empty(self, line: int, column: str, what: str, reasons: list[Reason]) -> Any:
        code = "missing_created" if what == "the ticket's creation time" else "unparseable"
        reasons.append(Reason(code, f"{self.at(line, column)} is empty; it holds {what}"))
        return _UNSET

    def instant(self, text: str, line: int, column: str, reasons: list[Reason]) -> Any:
        try:
            when = read_cell_time(text, self.profile.formats)
        except InstantError as exc:
            reasons.append(Reason("bad_timestamp", f"{self.at(line, column)}: {one_line(str(exc))}{_open_quote(text)}"))
            return _UNSET
        if when.tzinfo is None and self.profile.timezone is not None:
            when = when.replace(tzinfo=self.profile.timezone)
        return when

    def timed(self, row: list[str], line: int, reasons: list[Reason]) -> list[dict[str, Any]]:
        times: dict[str, dt.datetime] = {}
        cells: dict[str, Any] = {}
        events = []
        for t in self.profile.events:
            text = self.cell(row, t.column)
            if not text:
                if t.type == "created" and t.minutes_after is None:
                    self.empty(line, t.column, "the ticket's creation time", reasons)
                continue
            if t.column in cells:  # a column read twice (created and registered) is reported once
                when = cells[t.column]
            elif t.minutes_after is None:
                when = cells[t.column] = self.instant(text, line, t.column, reasons)
            else:
                when = self.after(text, line, t, times, reasons)
            if when is not _UNSET:
                times.setdefault(t.type, when)
                events.append({"at": when.isoformat(), "type": t.type})
        return events

    def after(self, text: str, line: int, t: Timed, times: dict[str, dt.datetime], reasons: list[Reason]) -> Any:
        minutes = cell_value(text)
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes <= _MAX_MINUTES:
            reasons.append(Reason("bad_timestamp", f"{self.at(line, t.column)}: {_shown(text)} is not a number of "
                                                   f"minutes from 0 to {_MAX_MINUTES} (such as 42 or 7.5)"))
            return _UNSET
        base = times.get(str(t.minutes_after))
        if base is None:  # its own cell is empty or bad, and says so
            return _UNSET
        return _elapsed(base, minutes)


def _elapsed(base: dt.datetime, minutes: float) -> dt.datetime:
    """`minutes` of real time after `base`, shown in base's zone. Counted in UTC: adding to a zoned
    time directly is wall-clock arithmetic, an hour off across a daylight-saving change. A time
    without a zone (read later in the policy's) can only be counted on the wall clock."""
    if base.tzinfo is None:
        return base + dt.timedelta(minutes=minutes)
    return (base.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(base.tzinfo)


def _shown(text: str) -> str:
    """A cell quoted in a message: cut, control characters escaped."""
    return f"'{one_line(shorten(text, 40))}'"


def _open_quote(text: str) -> str:
    """A hint when a cell runs over lines: a quote opened and never closed swallows the rows after it."""
    return "; the cell runs over several lines: is a quote (\") left open in this row?" if "\n" in text else ""


def _rejection(tid: str | None, line: int, reasons: list[Reason]) -> Rejection:
    """One rejection with every reason of the row (or of the ticket's rows): all its errors at once."""
    return Rejection(tid or None, line, tuple(reasons))


def check_tickets(result: Imported, tz: dt.tzinfo) -> None:
    """Each imported ticket through the checks every input passes (a created event first, an id used
    once, …), so `slapolicy import` rejects what a replay would. Offset-less times are read in `tz`."""
    first: dict[str, int] = {}
    for position, item in enumerate(result.items):
        if isinstance(item, RawItem):
            tid = item.data["id"]
            try:
                if tid in first:
                    raise TicketError("duplicate_id", f"row {item.line}: ticket id '{tid}' was already used at row {first[tid]}")
                first[tid] = item.line
                ticket_from_data(item.data, item.line, tz)
            except TicketError as exc:
                result.items[position] = Rejection(tid, item.line, (Reason(exc.code, str(exc)),))


__all__ = ["ExportRefused", "Imported", "Profile", "ProfileError", "check_tickets", "load_profile", "read_export", "shipped"]

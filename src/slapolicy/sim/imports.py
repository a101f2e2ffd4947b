"""Helpdesk exports in: an import profile (`mapping`) maps an export's columns and values onto tickets.

Real exports are not slapolicy's event log: they are one row per ticket with timestamp
columns (created, first reply, resolved), or an event log with the product's own column
names and values (工单号, 紧急). A profile says where each part of a ticket is; shipped
profiles are used by name.

Every row is accounted for: it is part of a ticket (plain data, checked by the same code as
any other input), a row the profile skips on purpose, or a rejection that names its row
and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..calendar.instants import InstantError, read_cell_time, wall_time, zone
from ..diagnostics.record import one_line, shorten
from ..i18n import N_, Message
from .mapping import (
    MAX_MINUTES,
    UNSET,
    ExportRefused,
    Imported,
    Profile,
    ProfileError,
    Timed,
    Value,
    check_tickets,
    elapsed,
    load_profile,
    mapped,
    open_quote,
    rejection,
    shipped,
    shown,
)
from .outcome import Reason, Rejection
from .sheets import Quotes, cell_value, missing_columns, records, sniff_delimiter
from .ticket_files import decode_text, is_utf8
from .tickets import WHO, RawItem, TicketError
from .workbook import Sheet, WorkbookError, column_letter, is_workbook, read_sheet

_TEXT_FIELDS = frozenset(f"event.{name}" for name in ("status", *WHO))  # what the ticket format reads as text


# ---- reading an export ----------------------------------------------------------------------------

def read_export(profile: Profile, raw: bytes, encoding: str | None = None, sheet: str | None = None) -> Imported:
    """The rows of an export as tickets and rejections, in row order.

    A workbook (.xlsx, by its bytes) is read from its sheet `sheet` (default: the first); CSV text
    is decoded with `encoding` (an explicit --encoding), else the profile's (unless the bytes are UTF-8
    text), else UTF-8. A UTF-8 byte-order mark (Excel's 'CSV UTF-8') always wins."""
    if is_workbook(raw):
        return _read_sheet(profile, raw, sheet)
    codec = encoding or profile.encoding or "utf-8"
    if encoding is None and is_utf8(raw):  # the profile's encoding is a default: WPS / Excel for Mac save UTF-8 without a mark
        codec = "utf-8"
    try:
        text = decode_text(raw, codec)
    except TicketError as exc:
        return _refused(exc.message, exc.code)
    searched = 1 if profile.header_row == 1 else _HEADER_SEARCH  # the separator is guessed from the header, or the rows it may be in
    delimiter = profile.delimiter or sniff_delimiter("\n".join(text.split("\n", searched)[:searched]))
    numbered = records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), number=0)
    found = _header(profile, ((number, row) for number, _, _, row in numbered), delimiter, "the file")
    if isinstance(found, str):
        return _refused(found)
    quotes = Quotes(text, found.header, delimiter)
    return _read_rows(profile, found, None,
                      ((number, row, quotes.left_open(number, first, last, row)) for number, first, last, row in numbered))


def _read_sheet(profile: Profile, raw: bytes, name: str | None) -> Imported:
    """An .xlsx export: the sheet's header row (row 1, or where the profile says), each later row that is not blank a record."""
    try:
        sheet = read_sheet(raw, name)
    except WorkbookError as exc:
        return _refused(str(exc))
    numbered = ((number, row) for number, row in enumerate(sheet.rows, 1) if any(c.strip() for c in row))
    found = _header(profile, numbered, ",", f"sheet '{sheet.name}'")
    if isinstance(found, str):
        return _refused(found)
    return _read_rows(profile, found, sheet, ((number, row, None) for number, row in numbered))


_HEADER_SEARCH = 30  # header_row: find looks at the export's first rows, no further


@dataclass(frozen=True)
class _Header:
    header: list[str]
    index: dict[str, int]  # the profile's name of a column -> its position
    titles: int  # rows above the header that are not blank (a report's title, its date range)


def _header(profile: Profile, rows: Iterator[tuple[int, list[str] | csv.Error]], delimiter: str, what: str) -> _Header | str:
    """The export's header row, taken from `rows` (which are left at the row after it): row 1, the row
    `header_row: N`, or with `header_row: find` the first row that has every column the profile reads.
    Rows above it are a title; a blank row is no row. A string says why there is none."""
    titles, first_problem = 0, None
    for number, row in rows:
        if isinstance(profile.header_row, int) and number < profile.header_row:
            titles += 1
            continue
        if isinstance(row, csv.Error):
            problem = f"row {number} cannot be read as CSV: {row}" if number > 1 else f"the header row cannot be read as CSV: {row}"
        else:
            header = [h.strip() for h in row]
            index = _columns(profile, header, delimiter) if isinstance(profile.header_row, str) or number == profile.header_row \
                else "the header row is blank"
            if not isinstance(index, str):
                return _Header(header, index, titles)
            problem = index
        if isinstance(profile.header_row, int):
            return problem
        first_problem, titles = first_problem or problem, titles + 1
        if number >= _HEADER_SEARCH:
            break
    if first_problem is not None:
        return first_problem if isinstance(profile.header_row, int) else \
            f"{first_problem} (the first row; none of the first {_HEADER_SEARCH} has every column the profile reads)"
    return f"{what} is empty; export it again with its header row"


# what an empty cell held, as a rejection says it
EVENT_TYPE, EVENT_TIME, CREATION_TIME = N_("the event type"), N_("the event's time"), N_("the ticket's creation time")


def _refused(message: str, code: str = "unparseable") -> Imported:
    """The file refused as a whole (Imported.refused): not decodable, empty, no such sheet."""
    return Imported(items=[Rejection(None, 1, (Reason(code, message),))])


Record = tuple[int, "list[str] | csv.Error", "tuple[int, Reason] | None"]  # row number, cells, a quote left open in it


def _read_rows(profile: Profile, found: _Header, sheet: Sheet | None, rows: Iterable[Record]) -> Imported:
    """The records of an export (CSV or a sheet) under its header, through the profile's mapping."""
    if profile.timezone_footer:  # the zone is named under the tickets, and read before them
        rows = list(rows)
        zoned = _footer_zone(profile, found, rows)
        if isinstance(zoned, Imported):
            return zoned
        profile = zoned
    result = Imported(rows=found.titles)
    if found.titles:
        result.skipped_by["title"] = found.titles
    mapper = _Rows(profile, found.header, found.index, sheet, result)
    for number, row, quote in rows:
        result.rows += 1
        mapper.add(number, row, quote)
    result.items = mapper.finish()
    return result


def _footer_zone(profile: Profile, found: _Header, rows: list[Record]) -> Profile | Imported:
    """The profile with the zone the export's footer names (`timezone_footer`: Zammad's "Timezone: Asia/Shanghai") for its
    times without an offset; the export refused at that row when the zone is unknown or another than the profile's own
    `timezone:` (or --source-tz): which of the two the times are in cannot be told."""
    column, said = found.index[profile.id], profile.timezone
    for number, row, _quote in rows:
        cell = row[column].strip() if not isinstance(row, csv.Error) and column < len(row) else ""
        prefix = next((p for p in profile.timezone_footer if cell.startswith(p)), None)
        if prefix is None:
            continue
        try:
            named = zone(cell[len(prefix):].strip())
        except InstantError as exc:
            return _refused_at(number, f"the footer's time zone: {one_line(str(exc))}")
        if said is not None and str(said) != str(named):
            other = "an earlier footer" if said is not profile.timezone else "the profile's timezone (or --source-tz)"
            return _refused_at(number, f"the footer says the times are in {named}, {other} says {said}: "
                                       "leave out the one that is wrong")
        said = named
    return replace(profile, timezone=said)


def _refused_at(line: int, message: str) -> Imported:
    return Imported(items=[Rejection(None, line, (Reason("unparseable", message),))])


def _columns(profile: Profile, header: list[str], delimiter: str) -> dict[str, int] | str:
    """Where each column the profile reads is in the header (the first of a header written twice), by
    the profile's name for it; or why the header does not fit: columns missing, or a column two of
    whose spellings are both there (which one holds the values cannot be told)."""
    first: dict[str, int] = {}
    for i, name in enumerate(header):
        first.setdefault(name, i)
    index: dict[str, int] = {}
    missing: list[tuple[tuple[str, ...], str]] = []
    for column, where in profile.columns():
        found = sorted((first[h], h) for h in profile.headers(column) if h in first)
        if len(found) > 1:
            named = " and ".join(f"{column_letter(i)} '{shorten(h, 40)}'" for i, h in found)
            return (f"columns {named} both match the profile's {where} ({', '.join(profile.headers(column))}); "
                    "delete one from the export or list only its spelling in the profile")
        if found:
            index[column] = found[0][0]
        else:
            missing.append((profile.headers(column), where))
    return missing_columns(missing, header, delimiter) if missing else index


class _Rows:
    """Rows into tickets: one per row (rows: ticket) or grouped by ticket id (rows: event)."""

    def __init__(self, profile: Profile, header: list[str], index: dict[str, int], sheet: Sheet | None,
                 result: Imported) -> None:
        self.profile = profile
        self.header = header
        self.index = index  # the profile's name of a column -> its position
        self.sheet = sheet  # a workbook's sheet: cells are named as Excel names them (Sheet1!C7)
        self.result = result  # where rows skipped on purpose and values left out are counted
        self.skipped = result.skipped_by
        self.out: list[RawItem | Rejection] = []
        self.groups: dict[str, tuple[int, dict[str, Any], list[Reason]]] = {}  # id -> (position in out, data, reasons)
        self.current: dict[str, dict[str, Any]] = {}  # id -> the ticket's attribute values as of its latest row

    def at(self, line: int, column: str) -> str:
        i = self.index[column]
        where = self.sheet.cell(line, i) if self.sheet is not None else Message(N_("row {line}, column {column}"), line=line,
                                                                                 column=column_letter(i))
        return Message("{where} '{header}'", where=where, header=shorten(self.header[i], 40))

    def cell(self, row: list[str], column: str) -> str:
        i = self.index[column]
        return row[i].strip() if i < len(row) else ""

    def add(self, line: int, row: list[str] | csv.Error, open_quote: tuple[int, Reason] | None = None) -> None:
        """One record, `line` its row number; `open_quote` if a quote left open in it swallowed the rows after it."""
        if isinstance(row, csv.Error):
            self.out.append(Rejection(None, line, (Reason("unparseable", Message(N_("row {line} cannot be read as CSV: {problem}"),
                                                                                 line=line, problem=str(row))),)))
            return
        reasons: list[Reason] = []
        tid = self.cell(row, self.profile.id)
        footer = (*self.profile.footer, *self.profile.timezone_footer)
        if open_quote is None and (tid in self.profile.totals or footer and tid.startswith(footer)):
            self.skipped["totals" if tid in self.profile.totals else "footer"] += 1  # a ledger's 合计, a report's note: no ticket
            return
        if open_quote is not None:  # the cells after the quote are not this row's: only the quote is reported
            cell, reason = open_quote
            tid = tid if self.index[self.profile.id] < cell else ""
            if self.profile.rows == "ticket" or not tid:
                self.out.append(rejection(tid, line, [reason]))
            else:
                self.group(tid, line, UNSET, {}, {}, [reason])
            return
        if not tid:
            reasons.append(Reason("unparseable", Message(N_("{cell} is empty; every row needs the ticket id"),
                                                         cell=self.at(line, self.profile.id))))
        attributes = self.values(self.profile.attributes, row, line, reasons)
        kind = self.read(self.profile.kind, row, line, reasons) if self.profile.kind else UNSET
        if self.profile.rows == "ticket":
            events = self.timed(row, line, reasons)
            data: dict[str, Any] = {"id": tid, "attributes": attributes, "events": events}
            if kind is not UNSET:
                data["kind"] = kind
            self.out.append(rejection(tid, line, reasons) if reasons else RawItem(data, line))
            return
        event = self.values(self.profile.event, row, line, reasons)
        if event.get("type", UNSET) is None:  # a type the profile skips
            self.skipped["event type"] += 1
            return
        self.group(tid, line, kind, attributes, event, reasons)

    def group(self, tid: str, line: int, kind: Any, attributes: dict[str, Any], event: dict[str, Any],
              reasons: list[Reason]) -> None:
        if not tid:
            self.out.append(rejection(None, line, reasons))
            return
        if tid not in self.groups:
            data: dict[str, Any] = {"id": tid, "attributes": attributes, "events": []}
            if kind is not UNSET:
                data["kind"] = kind
            self.groups[tid] = (len(self.out), data, [])
            self.current[tid] = dict(attributes)
            self.out.append(RawItem(data, line))
        else:  # values that differ from the ticket's current ones (as of its previous row) are changes, carried by the event
            data = self.groups[tid][1]
            current = self.current[tid]
            changed = {k: v for k, v in attributes.items() if current.get(k, UNSET) != v}
            if changed:
                event["attributes"] = changed
                current.update(changed)
        data["events"].append(event)
        self.groups[tid][2].extend(reasons)

    def finish(self) -> list[RawItem | Rejection]:
        for tid, (position, _, reasons) in self.groups.items():
            if reasons:
                item = self.out[position]
                self.out[position] = rejection(tid, item.line, reasons)
        return self.out

    def values(self, specs: tuple[tuple[str, Value], ...], row: list[str], line: int, reasons: list[Reason]) -> dict[str, Any]:
        out = {}
        for name, spec in specs:
            v = self.read(spec, row, line, reasons)
            if v is not UNSET:
                out[name] = v
        return out

    def read(self, spec: Value, row: list[str], line: int, reasons: list[Reason]) -> Any:
        """The value a spec gives for this row; UNSET for an empty cell without default, None for a
        skipped event type."""
        if spec.column is None:
            return spec.constant
        text = self.cell(row, spec.column)
        if spec.where == "event.at":
            if not text:
                return self.empty(line, spec.column, EVENT_TIME, reasons)
            when = self.instant(text, line, spec.column, reasons)
            return when if when is UNSET else when.isoformat()
        if text in spec.skip:
            return None
        if not text:
            if spec.where == "event.type":
                return self.empty(line, spec.column, EVENT_TYPE, reasons)
            if spec.required and spec.default is UNSET:
                reasons.append(Reason("unparseable", Message(N_("{cell} is empty; the profile requires {field} (give it a default to use "
                                                                "for an empty cell)"), cell=self.at(line, spec.column), field=spec.where)))
            return spec.default
        if spec.map is None:  # an event's status and who are names, even when they are digits (an agent's number)
            return text if spec.where in _TEXT_FIELDS else cell_value(text)
        value = mapped(spec, (text,), self.at(line, spec.column), reasons)
        if value is UNSET and spec.unmapped == "omit":
            self.result.omitted[spec.where] += 1
        return value

    def empty(self, line: int, column: str, what: str, reasons: list[Reason]) -> Any:
        code = "missing_created" if what == CREATION_TIME else "unparseable"
        reasons.append(Reason(code, Message(N_("{cell} is empty; it holds {what}"), cell=self.at(line, column), what=Message(what))))
        return UNSET

    def instant(self, text: str, line: int, column: str, reasons: list[Reason]) -> Any:
        try:
            when = read_cell_time(text, self.profile.formats)
            if when.tzinfo is None and self.profile.timezone is not None:
                when = wall_time(when, self.profile.timezone, self.profile.repeated_hour)
        except InstantError as exc:
            reasons.append(Reason("bad_timestamp", Message("{cell}: {problem}{hint}", cell=self.at(line, column), problem=one_line(str(exc)),
                                                           hint=open_quote(text))))
            return UNSET
        return when

    def timed(self, row: list[str], line: int, reasons: list[Reason]) -> list[dict[str, Any]]:
        times: dict[str, dt.datetime] = {}
        cells: dict[str, Any] = {}
        events = []
        for t in self.profile.events:
            text = self.cell(row, t.column)
            if not text:
                if t.type == "created" and t.minutes_after is None:
                    self.empty(line, t.column, CREATION_TIME, reasons)
                continue
            if t.column in cells:  # a column read twice (created and registered) is reported once
                when = cells[t.column]
            elif t.minutes_after is None:
                when = cells[t.column] = self.instant(text, line, t.column, reasons)
            else:
                when = self.after(text, line, t, times, reasons)
            if when is not UNSET:
                times.setdefault(t.type, when)
                events.append({"at": when.isoformat(), "type": t.type})
        return events

    def after(self, text: str, line: int, t: Timed, times: dict[str, dt.datetime], reasons: list[Reason]) -> Any:
        minutes = cell_value(text)
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes <= MAX_MINUTES:
            reasons.append(Reason("bad_timestamp", Message(N_("{cell}: {value} is not a number of minutes from 0 to {limit} (such as 42 "
                                                              "or 7.5)"), cell=self.at(line, t.column), value=shown(text), limit=MAX_MINUTES)))
            return UNSET
        base = times.get(str(t.minutes_after))
        if base is None:  # its own cell is empty or bad, and says so
            return UNSET
        return elapsed(base, minutes)


__all__ = ["ExportRefused", "Imported", "Profile", "ProfileError", "check_tickets", "load_profile", "read_export", "shipped"]

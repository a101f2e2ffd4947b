"""Whole ticket files: which format a file is in, its text decoded, and its items read — YAML / JSON (one
ticket or a list) and CSV event logs (or the same columns in an Excel sheet). Each item becomes a `RawItem`
or a `Rejection` with its line number (`slapolicy.sim.tickets` decodes them into tickets).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from ..diagnostics.record import InputError
from ..i18n import N_, Message
from ..policy.loader import MAX_BYTES
from .outcome import Rejection
from .sheets import cell_value, excel_at, sniff_delimiter
from .tickets import BOM, FORMATS, WHO, RawItem, TicketError, reject
from .workbook import SUFFIXES as WORKBOOK_SUFFIXES
from .workbook import Sheet


def detect_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "xlsx"
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}.get(
        suffix, "jsonl"
    )


def decode_text(raw: bytes, encoding: str) -> str:
    """A whole input file as text: a UTF-8 byte-order mark skipped (and taken as the encoding: Excel's
    'CSV UTF-8' writes one, whatever --encoding says), undecodable bytes an error that names the line
    and byte (TicketError), never replaced silently."""
    utf8 = raw.startswith(BOM) or encoding.replace("_", "-").lower() in ("utf-8", "utf8")
    codec = "utf-8-sig" if utf8 else encoding
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        if codec == "utf-8-sig":
            hint: str = Message(N_("; is it GB18030 / GBK? give --encoding gb18030"))
        else:
            hint = Message(N_("; it is UTF-8 text (saved without a byte-order mark, as WPS and Excel for Mac do): try --encoding utf-8")) \
                if is_utf8(raw) else ""
        raise TicketError("unparseable", Message(N_("line {line}, byte {column}: the file is not {encoding} text (byte {value}){hint}"),
                                                 line=line, column=column, encoding=encoding, value=f"0x{raw[exc.start]:02X}",
                                                 hint=hint)) from None


def is_utf8(raw: bytes) -> bool:
    """Whether the bytes are UTF-8 with some non-ASCII text: GB18030 or Latin-1 text of any length never is."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not raw.isascii()


def read_items(text: str, fmt: str, display: str) -> Iterator[RawItem | Rejection]:
    """Plain-data items of a JSON / YAML document or a CSV event log, in input order.

    YAML is read by the same safe loader as policies (plain data only, the same limits
    on size, aliases and depth)."""
    if fmt == "yaml":
        yield from _yaml(text, display)
    elif fmt == "json":
        try:
            data = msgspec.json.decode(text)
        except msgspec.DecodeError as exc:
            yield reject(None, 1, "unparseable", f"the file is not valid JSON: {exc}")
            return
        yield from _items(data, lambda i: i + 1)
    elif fmt == "csv":
        yield from _csv(text)
    else:
        raise ValueError(f"unknown input format '{fmt}'; use one of {', '.join(FORMATS)}")


def _yaml(text: str, display: str) -> Iterator[RawItem | Rejection]:
    from ..policy.loader import load_text

    if len(text.encode("utf-8")) > MAX_BYTES:
        yield reject(None, 1, "unparseable", f"a YAML ticket file is limited to {MAX_BYTES // (1024 * 1024)} MiB; "
                                             "write large histories as JSONL")
        return
    try:
        doc, problems = load_text(text, display)
    except InputError as exc:
        yield reject(None, exc.diagnostic.line, "unparseable", exc.diagnostic.format())
        return
    if problems:
        first = problems[0]
        yield reject(None, first.line, "unparseable", first.format())
        return
    yield from _items(doc.data, lambda i: doc.locate((i,)).line if isinstance(doc.data, list) else 1)


def _items(data: Any, line_of: Callable[[int], int]) -> Iterator[RawItem | Rejection]:
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        if isinstance(item, dict):
            yield RawItem(item, line_of(i))
        else:
            yield reject(None, line_of(i), "unparseable", f"item {i + 1} is not a ticket object")


_CSV_COLUMNS = frozenset(("ticket_id", "kind", "at", "type", "status", *WHO))  # the other columns are attributes


def _csv(text: str) -> Iterator[RawItem | Rejection]:
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, [])
    yield from event_log(header, ((reader.line_num, row) for row in reader), delimiter)


def read_sheet_items(sheet: Sheet) -> Iterator[RawItem | Rejection]:
    """A workbook sheet holding an event log in the CSV columns (row 1 the header), its rows numbered as Excel shows them."""
    header = sheet.rows[0] if sheet.rows else []
    yield from event_log(header, enumerate(sheet.rows[1:], 2), ",", f"sheet '{sheet.name}' (row 1)", "row")


def event_log(header: list[str], rows: Iterable[tuple[int, list[str]]], delimiter: str,
              where: str = "the CSV header", line_word: str = "line") -> Iterator[RawItem | Rejection]:
    """The tickets of an event log (a row per event, the columns ticket_id, at, type, …) read as rows of text cells."""
    fields = list(header)
    missing = {"ticket_id", "at", "type"} - set(fields)
    if missing:
        joined = delimiter.join(fields)
        others = [f"'{d}'" if d != "\t" else "tab" for d in ",;\t|" if d != delimiter and d in joined]
        hint = f"; the header holds {' and '.join(others)}: is the file separated by it? save it as CSV with commas" if others else ""
        yield reject(None, 1, "unparseable", f"{where} lacks {', '.join(sorted(missing))} (columns ticket_id, at, type "
                                             f"are needed, e.g. ticket_id,at,type,severity){hint}")
        return
    tickets: dict[str, RawItem] = {}
    for line, cells in rows:
        if not cells:  # a blank line
            continue
        row: dict[str, str | None] = dict.fromkeys(fields)
        row.update(zip(fields, cells))
        tid = (row.get("ticket_id") or "").strip()
        if not tid:
            yield reject(None, line, "unparseable", f"{line_word} {line} has no ticket_id")
            continue
        attrs = {k: cell_value(v) for k, v in row.items() if k not in _CSV_COLUMNS and k and v not in (None, "")}
        event: dict[str, Any] = {"at": excel_at(row["at"]), "type": row["type"]}
        for name in ("status", *WHO):
            if row.get(name):
                event[name] = row[name]
        if tid not in tickets:
            tickets[tid] = RawItem({"id": tid, "attributes": attrs if row["type"] == "created" else {}, "events": []}, line)
            if row.get("kind"):
                tickets[tid].data["kind"] = row["kind"]
            if row["type"] != "created" and attrs:
                event["attributes"] = attrs
        elif attrs:
            event["attributes"] = attrs
        tickets[tid].data["events"].append(event)
    yield from tickets.values()

"""Excel workbooks out (`--format xlsx`): the tables the CSV formats write, one sheet each, with
typed cells a spreadsheet can sum and sort — a duration as an Excel duration ([h]:mm:ss), an
instant as an Excel date-time in the policy's zone (named in the column heading), a rate as a
percentage — a frozen heading row and columns as wide as their contents. XlsxWriter writes it;
a text cell is written as text, never run as a formula.

The headings are the CSV columns' names (the output layer has no language switch yet).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, cast

DURATIONS = frozenset(("paused_seconds", "median_seconds", "p90_seconds"))  # seconds, written as days: Excel's unit
INSTANTS = frozenset(("started_at", "due_at", "stopped_at", "breached_at", "at"))
RATES = frozenset(("on_time_rate", "resolution_rate"))
_WIDEST = 60  # characters: a longer cell (an error message) wraps in Excel rather than widening the sheet


@dataclass(frozen=True)
class Table:
    """One sheet: its name, its columns and its rows (a mapping column → value per row)."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Mapping[str, Any]]


def zone_name(tz: dt.tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


def heading(column: str, tz: dt.tzinfo) -> str:
    """A column's heading: an instant's names the zone its wall times are in, a duration its display."""
    if column in DURATIONS:
        return column.removesuffix("_seconds") + " [h:mm:ss]"
    return f"{column} ({zone_name(tz)})" if column in INSTANTS else column


def write_workbook(out: IO[str], tables: Sequence[Table], tz: dt.tzinfo) -> None:
    """The tables as an .xlsx workbook, written as bytes to the stream under `out` (a file or a redirected stdout)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    formats = {"heading": book.add_format({"bold": True, "bottom": 1}),
               "duration": book.add_format({"num_format": "[h]:mm:ss"}),
               "instant": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
               "rate": book.add_format({"num_format": "0.0%"})}
    for table in tables:
        sheet = book.add_worksheet(table.title[:31])
        headings = [heading(c, tz) for c in table.columns]
        widths = [len(h) for h in headings]
        sheet.write_row(0, 0, headings, formats["heading"])
        for r, row in enumerate(table.rows, 1):
            for c, column in enumerate(table.columns):
                shown = _write(sheet, r, c, column, row.get(column), tz, formats)
                widths[c] = max(widths[c], min(shown, _WIDEST))
        sheet.freeze_panes(1, 0)
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width + 2)
    book.close()
    out.flush()
    cast(Any, out).buffer.write(buffer.getvalue())


def _write(sheet: Any, r: int, c: int, column: str, value: Any, tz: dt.tzinfo, formats: dict[str, Any]) -> int:
    """One typed cell; how many characters it shows (for the column's width)."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
        return 5
    if isinstance(value, Decimal):  # money, exact in the JSON; a spreadsheet sums binary numbers
        value = float(value)
    if isinstance(value, (int, float)):
        if column in DURATIONS:
            sheet.write_number(r, c, value / 86400, formats["duration"])
            return 10
        sheet.write_number(r, c, value, formats["rate"] if column in RATES else None)
        return len(f"{value:g}") + 1
    text = str(value)
    if column in INSTANTS:
        when = dt.datetime.fromisoformat(text)
        sheet.write_datetime(r, c, (when.astimezone(tz) if when.tzinfo else when).replace(tzinfo=None), formats["instant"])
        return 19
    sheet.write_string(r, c, text)
    return max(len(line) for line in text.splitlines() or [""]) + sum(1 for ch in text if ord(ch) > 0x2E7F)  # CJK: two wide

"""Excel workbooks in: one sheet of an .xlsx export (Zammad, Znuny and Zendesk Explore download
them) as rows of text cells, the shape the CSV path reads, so an export is read by the same code
whichever way it was saved.

python-calamine reads the workbook (Rust, small and fast; it types date cells by their number
format, which a cell-by-cell reader would have to redo). A date cell becomes ISO-8601 text without
an offset, read in the export's zone like a CSV cell; a date left as a plain number is an Excel
serial, which the CSV path reads already.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

XLSX_MAGIC = b"PK\x03\x04"  # a zip: .xlsx and .ods
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # an OLE2 compound file: Excel 97-2003 .xls
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def is_workbook(raw: bytes) -> bool:
    """Whether the bytes are a workbook rather than text, by their magic bytes (whatever the file is called)."""
    return raw.startswith((XLSX_MAGIC, XLS_MAGIC))


class WorkbookError(ValueError):
    """A workbook that cannot be read, or has no such sheet: one line saying which."""


@dataclass(frozen=True)
class Sheet:
    """A sheet's cells as text, every row from the sheet's row 1 (a row's trailing empty cells left off)."""

    name: str
    rows: list[list[str]]

    def cell(self, row: int, column: int) -> str:
        """How a cell is named in Excel: Sheet1!C7 ('My sheet'!C7 when the name needs quotes)."""
        return f"{sheet_ref(self.name)}!{column_letter(column)}{row}"


def sheet_ref(name: str) -> str:
    return name if name.replace("_", "").isalnum() else "'" + name.replace("'", "''") + "'"


def column_letter(index: int) -> str:
    """The spreadsheet name of a 0-based column: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheet(raw: bytes, name: str | None = None) -> Sheet:
    """The sheet `name` of the workbook (default: its first sheet); WorkbookError when the bytes are
    no workbook calamine reads or the sheet is not there."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except (CalamineError, ValueError, OSError) as exc:  # a zip that is no workbook, a broken file
        raise WorkbookError(f"the file cannot be read as an Excel workbook ({_first_line(exc)}); save it again as .xlsx") from None
    with book:
        names = book.sheet_names
        if name is None:
            if not names:
                raise WorkbookError("the workbook has no sheet")
            name = names[0]
        elif name not in names:
            raise WorkbookError(f"the workbook has no sheet '{name}'; its sheets are: {', '.join(names)}")
        try:
            cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise WorkbookError(f"sheet '{name}' cannot be read ({_first_line(exc)})") from None
    return Sheet(name, [_trimmed([cell_text(v) for v in row]) for row in cells])


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _trimmed(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row.pop()
    return row


def cell_text(value: Any) -> str:
    """A cell as the CSV path reads it: dates as ISO-8601 (no offset: the export's zone), whole numbers
    without '.0', true/false as JSON writes them, a duration as Excel shows it ([h]:mm:ss)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, dt.datetime):
        return _whole_second(value).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return str(value)


def _whole_second(when: dt.datetime) -> dt.datetime:
    """Excel keeps a date as a fraction of a day, so 09:00 can come back as 08:59:59.999999: rounded."""
    return (when + dt.timedelta(microseconds=500_000)).replace(microsecond=0) if when.microsecond else when

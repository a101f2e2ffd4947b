"""CSV as helpdesks and spreadsheets write it: the separator guessed from the header, cells
typed as JSON would type them, Excel's date cells, records numbered as a spreadsheet shows
its rows, and the faults of a hand-edited export named (a quote left open, columns missing).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from typing import Any

from ..calendar.instants import EXCEL_TEXT_FORMATS, InstantError, read_cell_time
from ..diagnostics.record import did_you_mean, one_line, shorten
from ..i18n import N_, Message
from .outcome import Reason
from .workbook import column_letter


def sniff_delimiter(header: str) -> str:
    """The column separator of a CSV file, guessed from its header line: `,` `;` tab or `|`
    (Excel writes `;` where the decimal mark is a comma); `,` when nothing else fits."""
    try:
        return csv.Sniffer().sniff(header[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def excel_at(text: str | None) -> str | None:
    """An `at` cell as Excel saved it (a date number, 2025/3/7 17:50) as ISO-8601; other text as it is."""
    if not text or text[:4].isdigit() and text[4:5] == "-":
        return text
    try:
        return read_cell_time(text, EXCEL_TEXT_FORMATS).isoformat()
    except InstantError:
        return text


def cell_value(value: str) -> Any:
    """CSV cells are text; numbers and booleans are recognised as JSON would write them."""
    if value in ("true", "false"):
        return value == "true"
    if _NUMBER.fullmatch(value):
        number = float(value) if any(c in value for c in ".eE") else int(value)
        return number if not isinstance(number, float) or math.isfinite(number) else value
    return value


def records(reader: Any, number: int = 1) -> Iterator[tuple[int, int, int, list[str] | csv.Error]]:
    """Each record with its row number as a spreadsheet shows it (the row after `number`, the rows the
    reader has read, first: the header is row 1; a cell with a line break does not count as more rows)
    and the first and last line of the file it was read from; a record the csv module refuses is the
    error. Blank rows are counted, not yielded."""
    start = reader.line_num + 1
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, start, reader.line_num, exc
            start = reader.line_num + 1
            continue
        if row and any(cell.strip() for cell in row):
            yield number, start, reader.line_num, row
        start = reader.line_num + 1


class Quotes:
    """Finds a quote opened and never closed: the csv module then reads every line after it, to
    the end of the file or to the next stray quote, into one cell, and those rows would vanish."""

    def __init__(self, text: str, header: list[str], delimiter: str) -> None:
        self.text = text
        self.header = header
        self.delimiter = delimiter
        self.lines: list[str] | None = None  # split only when a record runs over several lines

    def left_open(self, number: int, first: int, last: int, row: list[str] | csv.Error) -> tuple[int, Reason] | None:
        """The cell of this record where a quote was left open, and the rejection's reason naming its row,
        column and lines; or None."""
        if isinstance(row, csv.Error) or last <= first:
            return None
        if self.lines is None:
            self.lines = io.StringIO(self.text, newline="").readlines()
        at_end = False
        try:
            list(csv.reader(io.StringIO("".join(self.lines[first - 1:last]), newline=""), delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            at_end = "unexpected end of data" in str(exc)
        width = len(self.header) - 1
        cell = len(row) - 1 if at_end else next(
            (i for i, c in enumerate(row) if width >= 2 and any(ln.count(self.delimiter) >= width for ln in c.split("\n")[1:])), None)
        if cell is None:
            return None
        name = f" '{one_line(shorten(self.header[cell], 40))}'" if cell < len(self.header) else ""
        swallowed = Message(N_("lines {first}-{last} of the file (to its end)"), first=first + 1, last=last) if at_end else \
            Message(N_("lines {first}-{last} of the file (up to a quote on line {last})"), first=first + 1, last=last)
        return cell, Reason("unparseable", Message(
            N_("row {row}, column {column}{name}: a quote ({quote}) opened in this cell is never closed, so {swallowed} were read into "
               "this one cell instead of as rows; close the quote (a quote inside a cell is written twice: {twice}) and export again"),
            row=number, column=column_letter(cell), name=name, quote='"', swallowed=swallowed, twice='""'))


def missing_columns(missing: list[tuple[tuple[str, ...], str]], header: list[str], delimiter: str) -> str:
    """One message for every column the profile reads (by its spellings) that the header lacks (one cause:
    the wrong export or profile)."""
    one_column = len(header) == 1 and any(d in header[0] for d in ",;\t|" if d != delimiter)

    def near(column: str) -> str:
        return "" if one_column else did_you_mean(column, header).replace("; did you", ", did you")

    def spelled(spellings: tuple[str, ...]) -> str:
        return " or ".join(f"'{one_line(shorten(c, 60))}'" for c in spellings)

    named = ", ".join(f"{spelled(c)} (the profile's {w}){near(c[0])}" for c, w in missing)
    shown = ", ".join(one_line(shorten(h, 40)) for h in header[:12]) + (" …" if len(header) > 12 else "")
    hint = ""
    if one_column:
        hint = "; the header is one single column: is the file separated by another character? give `delimiter:` in the profile"
    word = "column" if len(missing) == 1 else "columns"
    return f"the export has no {word} {named}; its columns are: {shown}{hint}"

"""Writes the .xlsx samples beside the CSV samples of the same tickets, in the shape each helpdesk's
own Excel download has: `python examples/imports/build_xlsx.py` (XlsxWriter, from slapolicy's
test dependencies; tests/test_xlsx.py checks that each imports to the same tickets as its CSV).

- zammad-ticket-report.xlsx: Zammad's Reporting → Download (Excel): one sheet, the header in
  row 1, the times as Excel date cells (no zone: the server's, read in the policy's zone).
- znuny-ticket-search.xlsx: Znuny's agent ticket search with the output "Excel": the times
  as text, "2025-03-03 09:12:00".
- zendesk-ticket-export.xlsx: a Zendesk Explore table downloaded as XLSX: the times as text
  with their offset, the first reply time as a number of minutes.
- cn-helpdesk.xlsx: the home-grown ledger kept in Excel (sheet 工单台账): date cells shown as
  2025/3/3 9:12, and a totals row (合计) under the tickets as such ledgers have.
- zammad-ticket-report.download.xlsx and .csv: the Zammad sample as Zammad's download really is
  (a title row, a blank row, the header in row 3, a footer with the time zone) and as Excel saves it.
- malformed/zammad.xlsx: the Zammad sample with one cell typed over by hand (row 3, Created At:
  "gestern"), for the manual's example of a rejection named at its cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent
FIXED = dt.datetime(2025, 3, 31, 18, 0)  # the workbooks' creation date, so a rebuild writes the same files
DATE_CELLS = {  # sample -> (sheet, the columns written as Excel date cells, their format, the CSV's date format)
    "zammad-ticket-report": ("Tickets", ("Created At", "Updated At", "Closed At", "First Response At", "Last Contact At",
                                         "Last Contact Customer At"), "yyyy-mm-dd hh:mm", "%Y-%m-%d %H:%M"),
    "znuny-ticket-search": ("Znuny", (), "", ""),
    "zendesk-ticket-export": ("Tickets", (), "", ""),
    "cn-helpdesk": ("工单台账", ("创建时间", "登记时间", "首次响应时间", "解决时间", "关闭时间"), "yyyy/m/d h:mm", "%Y/%m/%d %H:%M"),
}
ENCODINGS = {"cn-helpdesk": "gb18030"}


def build(name: str, folder: Path = HERE, typed_over: dict[tuple[int, str], str] | None = None) -> Path:
    """The sample `name` as a workbook in `folder`; `typed_over`: (row, column heading) -> text put in that cell instead."""
    sheet_name, dates, date_format, parse = DATE_CELLS[name]
    raw = (HERE / f"{name}.csv").read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode(ENCODINGS.get(name, "utf-8"))
    rows = list(csv.reader(text.splitlines(), delimiter=csv.Sniffer().sniff(text.split("\n", 1)[0], ";,").delimiter))
    path = folder / f"{name}.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED})
    bold, when = book.add_format({"bold": True}), book.add_format({"num_format": date_format})
    sheet = book.add_worksheet(sheet_name)
    sheet.write_row(0, 0, rows[0], bold)
    date_columns = {i for i, h in enumerate(rows[0]) if h in dates}
    for (row_number, column), text in (typed_over or {}).items():
        rows[row_number - 1][rows[0].index(column)] = text
    for r, row in enumerate(rows[1:], 1):
        for c, value in enumerate(row):
            if c in date_columns and not value[:1].isdigit():  # typed over by hand
                sheet.write_string(r, c, value)
            elif c in date_columns and value.replace(".", "", 1).isdigit():  # a date the CSV kept as Excel's serial number
                sheet.write_number(r, c, float(value), when)
            elif c in date_columns and value:
                sheet.write_datetime(r, c, dt.datetime.strptime(value, parse), when)
            elif value.isdigit() and len(value) < 10:  # counts and minutes as numbers; long ids stay text
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    if name == "cn-helpdesk":
        sheet.write_row(len(rows), 0, ["合计", f"{len(rows) - 1} 张工单"])
    book.close()
    return path


def _wall_time(cell: str) -> dt.datetime:
    """A date cell of the CSV sample: text, or Excel's serial number as the CSV kept it."""
    if cell.replace(".", "", 1).isdigit():
        return dt.datetime(1899, 12, 30) + dt.timedelta(seconds=round(float(cell) * 86400))
    return dt.datetime.strptime(cell, "%Y-%m-%d %H:%M")


def zammad_download(folder: Path = HERE) -> tuple[Path, Path]:
    """The Zammad sample as Reporting → Download writes it (lib/excel_sheet.rb): the report's title in
    row 1, the header in row 3, the times as date cells in the user's zone, a blank row and the footer
    naming that zone; and the same sheet saved by Excel as CSV UTF-8."""
    rows = list(csv.reader((HERE / "zammad-ticket-report.csv").read_text(encoding="utf-8-sig").splitlines()))
    dates = {i for i, h in enumerate(rows[0]) if h.endswith(" At")}
    width = len(rows[0])
    sheet_rows = [["Tickets created 2025-03-03 - 2025-03-07"], [], rows[0], *rows[1:], [], ["Timezone: Asia/Shanghai"]]
    path = folder / "zammad-ticket-report.download.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": FIXED})
    title, header, when = (book.add_format(f) for f in ({"bold": True, "size": 14}, {"italic": True},
                                                        {"num_format": "yyyy-mm-dd hh:mm:ss"}))
    sheet = book.add_worksheet()
    for r, row in enumerate(sheet_rows):
        for c, value in enumerate(row):
            if r < 2 or r > len(rows) + 1:
                sheet.write_string(r, c, value, title if r == 0 else None)
            elif r == 2:
                sheet.write_string(r, c, value, header)
            elif c in dates and value:
                sheet.write_datetime(r, c, _wall_time(value), when)
            elif value.isdigit() and len(value) < 10:
                sheet.write_number(r, c, int(value))
            elif value:
                sheet.write_string(r, c, value)
    book.close()
    saved = folder / "zammad-ticket-report.download.csv"  # Excel writes every row as wide as the sheet, dates as shown
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for r, row in enumerate(sheet_rows):
        cells = [f"{_wall_time(v):%Y-%m-%d %H:%M:%S}" if 2 < r <= len(rows) + 1 and c in dates and v else v for c, v in enumerate(row)]
        writer.writerow(cells + [""] * (width - len(cells)))
    saved.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode("utf-8"))
    return path, saved


if __name__ == "__main__":
    for sample in DATE_CELLS:
        print(build(sample))
    print(build("zammad-ticket-report", HERE / "malformed", {(3, "Created At"): "gestern"}).rename(HERE / "malformed" / "zammad.xlsx"))
    print(*zammad_download(), sep="\n")

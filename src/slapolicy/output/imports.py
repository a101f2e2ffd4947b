"""`slapolicy import`: the tickets as canonical JSONL, the rejected rows on stderr (and as JSONL)."""

from __future__ import annotations

from typing import IO

from msgspec.json import encode

from ..diagnostics.record import one_line
from ..i18n import _, ngettext, translated
from ..sim.imports import Imported
from . import tickets_text


def write_tickets(result: Imported, out: IO[str]) -> None:
    """One ticket a line, in the shape `simulate` reads."""
    for item in result.tickets:
        out.write(encode(item.data).decode("utf-8") + "\n")


def write_rejects(result: Imported, out: IO[str]) -> None:
    """The rejected rows as JSONL: line, id and every reason (the same shape as `report --rejects`)."""
    for r in result.rejections:
        errors = [{"code": x.code, "message": str(x.message)} for x in r.reasons]  # the English text (a Message is data)
        out.write(encode({"line": r.line, "id": r.id, "errors": errors}).decode("utf-8") + "\n")


def rejection_lines(result: Imported, path: str) -> list[str]:
    """One line per reason, file:line first, as a person reads them on stderr."""
    return [one_line(f"{path}:{r.line}: {x.code}: {translated(x.message)}") for r in result.rejections for x in r.reasons]


def import_summary(result: Imported) -> str:
    """The line `slapolicy import` ends with on stderr."""
    why = ", ".join(f"{reason}: {n}" for reason, n in sorted(result.skipped_by.items()))
    skipped = ngettext(", {count} row skipped by the profile ({why})", ", {count} rows skipped by the profile ({why})",
                       result.skipped).format(count=result.skipped, why=why) if result.skipped else ""
    left_out = ", ".join(f"{where}: {n}" for where, n in sorted(result.omitted.items()))
    omitted = ngettext(", {count} value not in the profile's map left out ({where})",
                       ", {count} values not in the profile's map left out ({where})", result.omitted.total()).format(
        count=result.omitted.total(), where=left_out) if left_out else ""
    rows = ngettext("{count} row", "{count} rows", result.rows).format(count=result.rows)
    return _("{rows}: {tickets} imported, {rejected} rejected").format(
        rows=rows, tickets=tickets_text(len(result.tickets)), rejected=len(result.rejections)) + skipped + omitted

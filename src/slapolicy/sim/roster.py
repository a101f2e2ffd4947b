"""The duty roster: who is on duty when, in which role. Penalties paid by "the person on duty"
(an unanswered call costs the person on the phone 50 yuan, R-004-12) look the person up here.

A roster is CSV with the columns `person,role,from,to` (role may be empty) or JSON lines
`{"person", "role", "from", "to"}`; `from` is inclusive, `to` exclusive, ISO-8601 (without
an offset, in the policy's time zone). Where shifts overlap, the one listed first wins.
Lookups are O(log n): the shifts are cut once into elementary intervals, each with its
winner per role.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..calendar.instants import InstantError, parse_instant
from ..diagnostics.record import shorten

MAX_SHIFTS = 200_000  # a year of shifts for a few hundred people


class RosterError(ValueError):
    """A roster that cannot be read: one line, with where."""


@dataclass(frozen=True)
class Shift:
    person: str
    role: str | None
    start: float
    end: float


class Roster:
    """Shifts, and who is on duty at an instant (in a role, or in any)."""

    def __init__(self, shifts: Iterable[Shift]) -> None:
        self.shifts = tuple(shifts)
        edges = sorted({t for s in self.shifts for t in (s.start, s.end)})
        self._edges = edges
        # per elementary interval [edges[i], edges[i+1]): role -> person (None: any role), first listed wins
        self._winners: list[dict[str | None, str]] = [{} for _ in range(max(len(edges) - 1, 0))]
        for shift in self.shifts:
            lo, hi = bisect.bisect_left(edges, shift.start), bisect.bisect_left(edges, shift.end)
            for i in range(lo, hi):
                winners = self._winners[i]
                winners.setdefault(None, shift.person)
                if shift.role is not None:
                    winners.setdefault(shift.role, shift.person)

    def on_duty(self, at: float, role: str | None = None) -> str | None:
        i = bisect.bisect_right(self._edges, at) - 1
        if i < 0 or i >= len(self._winners):
            return None
        return self._winners[i].get(role)

    def __len__(self) -> int:
        return len(self.shifts)


EMPTY = Roster(())


def shift_from(data: Any, where: str, tz: dt.tzinfo) -> Shift:
    if not isinstance(data, Mapping):
        raise RosterError(f"{where}: a shift is {{person, role, from, to}}")
    person, role = data.get("person"), data.get("role")
    if not isinstance(person, str) or not person.strip():
        raise RosterError(f"{where}: a shift needs the person on duty")
    if role is not None and (not isinstance(role, str) or not role.strip()):
        raise RosterError(f"{where}: `role` must be the name of a role, or empty")
    try:
        start = parse_instant(data.get("from"), tz)
        end = parse_instant(data.get("to"), tz)
    except InstantError as exc:
        raise RosterError(f"{where}: {exc}") from None
    if end <= start:
        raise RosterError(f"{where}: the shift ends ({shorten(str(data.get('to')))}) before it starts ({shorten(str(data.get('from')))})")
    return Shift(person.strip(), role.strip() if role else None, start, end)


def parse_roster(text: str, fmt: str, name: str, tz: dt.tzinfo) -> Roster:
    """Shifts from CSV (`person,role,from,to`) or JSON lines; RosterError names the line."""
    shifts: list[Shift] = []
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = {"person", "from", "to"} - set(reader.fieldnames or ())
        if missing:
            raise RosterError(f"{name}:1: the roster's header lacks {', '.join(sorted(missing))} (person,role,from,to)")
        try:
            for row in reader:
                shifts.append(shift_from({k: v or None for k, v in row.items() if k}, f"{name}:{reader.line_num}", tz))
                _bound(shifts, name)
        except csv.Error as exc:
            raise RosterError(f"{name}:{reader.line_num}: {shorten(str(exc))}") from None
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (ValueError, RecursionError):
                raise RosterError(f"{name}:{number}: not a JSON object") from None
            shifts.append(shift_from(data, f"{name}:{number}", tz))
            _bound(shifts, name)
    return Roster(shifts)


def _bound(shifts: list[Shift], name: str) -> None:
    if len(shifts) > MAX_SHIFTS:
        raise RosterError(f"{name}: more than {MAX_SHIFTS} shifts; split the roster by year")


def read_roster(path: str | Path, tz: dt.tzinfo) -> Roster:
    """A roster file (.csv, else JSON lines), UTF-8; RosterError if it cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"{path}: cannot read the roster: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: the roster is not UTF-8 text (byte {exc.start + 1})") from None
    return parse_roster(text, "csv" if path.suffix.lower() == ".csv" else "jsonl", str(path), tz)

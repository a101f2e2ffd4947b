"""Replay a ticket history: every input item's outcome, in input order, on one core or several.

A JSONL history is read in blocks of whole lines. This process numbers the lines and
decides duplicate ids (the first line that carries an id claims it) before anything is
simulated, so a block can be simulated anywhere: here, or in a worker process that got
the compiled policies once, at its start, and keeps its simulators for its whole share.
Each block folds its outcomes into a *partial* (counters and histograms, or encoded
output lines) that merges exactly and in input order into the total: `--jobs N` gives
the same bytes as `--jobs 1`.

Other inputs (CSV, YAML, JSON documents) are read whole and replayed in this process.

When a policy has correlations (rules over many tickets), a first pass reads the whole
history before anything is replayed: it decides duplicate ids and finds the matches
(`slapolicy.sim.correlate`); the blocks of the second pass carry their lines' matches to
wherever they are replayed. A history from a pipe is spooled to a temporary file for it.

Here: the entry points and input other than JSONL. The JSONL path is in `lines` (blocks),
`lanes` (what a process does with a block), `workers` (processes, signals) and `passes`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from ..i18n import Message
from ..validate.repository import PolicySet
from .correlate import Correlator
from .dedup import IdIndex
from .imports import ExportRefused, Imported, Profile, read_export
from .json_tickets import is_json, read_json_tickets
from .lanes import ALREADY_USED, Adds, Lanes, Partial, Plan, Sink
from .lines import BLOCK_BYTES, Lines, open_binary
from .outcome import Outcome, Reason, Rejection
from .passes import first_pass, second_pass
from .roster import EMPTY as NO_ROSTER
from .roster import Roster
from .ticket_files import decode_text, detect_format, read_items, read_sheet_items
from .tickets import RawItem, TicketError, item_id, line_id, reject, ticket_from_data
from .webhooks import read_payloads
from .workbook import WorkbookError, is_workbook, read_sheet
from .workers import Gate, Interrupted, Pool, ReplayError, default_jobs


def replay(plan: Plan, path: str, fmt: str | None, total: Sink, jobs: int = 1,
           on_progress: Callable[[int], None] | None = None, block_bytes: int = BLOCK_BYTES) -> None:
    """Every item of the history at `path` ('-': stdin) into `total`, in input order.

    `on_progress` is told how many input lines each block held (JSONL), or 1 per ticket
    replayed (other input; see `input_size`). Raises Interrupted on
    SIGINT or SIGTERM (the total then holds the items replayed so far), ReplayError
    when a worker fails, ExportRefused when a --profile export cannot be read as one."""
    fmt = fmt or detect_format(path)
    with Gate().installed() as gate:
        if fmt != "jsonl" or plan.profile is not None:
            replay_items(plan, _read_items(plan, path, fmt), total, on_progress, gate)
            return
        with open_binary(path) as stream, contextlib.closing(Lines(stream, block_bytes, plan.encoding or "utf-8")) as lines:
            index = IdIndex(lambda n: line_id(lines.line(n)))
            pool = Pool(plan, jobs) if jobs > 1 and not _small(stream, 2 * block_bytes) else None
            lanes = Lanes(plan)  # this process's replayers: both passes ask the one cache of decisions
            clean = False
            try:
                first = first_pass(lanes, lines, index, pool, gate) if plan.correlates else None
                second_pass(lanes, lines, index, first, pool, total, on_progress, gate)
                clean = True
            finally:
                if pool is not None:
                    pool.close(wait=clean)


def _small(stream: IO[bytes], size: int) -> bool:
    """A regular file that fits in two blocks: workers would only add their start-up time."""
    with contextlib.suppress(OSError, ValueError):
        return os.fstat(stream.fileno()).st_size < size and stream.seekable()
    return False


def _read_items(plan: Plan, path: str, fmt: str) -> list[RawItem | Rejection]:
    """The items of a non-JSONL input (a --profile export, CSV, a workbook, YAML, JSON); ExportRefused
    for an export or workbook that cannot be read as one."""
    with open_binary(path) as stream:
        raw = stream.read()
    if plan.profile is not None:
        imported = read_profiled(plan.profile, raw, plan.encoding, plan.sheet)
        if imported.refused is not None:  # the wrong export or profile: no ticket to report on
            raise ExportRefused(path, imported.refused)
        return imported.items
    if fmt == "xlsx" or is_workbook(raw):
        try:
            return list(read_sheet_items(read_sheet(raw, plan.sheet)))
        except WorkbookError as exc:
            raise ExportRefused(path, reject(None, 1, "unparseable", str(exc))) from None
    try:
        return list(read_items(decode_text(raw, plan.encoding or "utf-8"), fmt, path))
    except TicketError as exc:
        return [reject(None, 1, exc.code, exc.message)]


def read_profiled(profile: Profile, raw: bytes, encoding: str | None = None, sheet: str | None = None) -> Imported:
    """Input read through an import profile: an export's rows (CSV in `encoding`, or a workbook's
    `sheet`), a ticket export's JSON (pages or lines, by the profile's paths), or a webhook profile's
    payloads (JSON, always UTF-8)."""
    if profile.rows == "webhook":
        return read_payloads(profile, raw)
    if profile.rows == "ticket" and is_json(raw):
        given = "--encoding" if encoding is not None else "--sheet" if sheet is not None else None
        if given is not None:  # said, never silently dropped
            return Imported(items=[reject(None, 1, "unparseable", f"the export is JSON (always UTF-8, no sheets); leave out {given}")])
        return read_json_tickets(profile, raw)
    return read_export(profile, raw, encoding, sheet)


def input_size(plan: Plan, path: str, fmt: str | None) -> int | None:
    """What a progress bar of `replay` counts to: the lines of a JSONL history, the tickets of
    other input (read once more for it: only ever asked on a terminal); None for stdin or input
    that cannot be read (the replay says why)."""
    fmt = fmt or detect_format(path)
    if fmt == "jsonl" and plan.profile is None:
        return line_count(path)
    if path == "-" or not Path(path).is_file():
        return None
    try:
        return len(_read_items(plan, path, fmt))
    except (ExportRefused, OSError):
        return None


def replay_items(plan: Plan, items: Sequence[RawItem | Rejection], total: Adds,
                 on_progress: Callable[[int], None] | None = None, gate: Gate | None = None) -> None:
    """Items read as plain data (CSV, YAML, JSON, a test's history), in this process: ids claimed,
    correlations found, then each replayed; `on_progress` told 1 per item, `gate` (a replay's
    signal gate) holding a signal only while an item is added.

    Items are told apart by their line; items that share one (a YAML flow list on one line) are
    numbered in order instead, and their outcomes given their line back."""
    lines = [item.line for item in items]
    if len(set(lines)) < len(lines):
        renumbered = [RawItem(item.data, n) if isinstance(item, RawItem) else item for n, item in enumerate(items, 1)]
        numbered = OutcomeList()
        back = {n: line for n, line in enumerate(lines, 1)}
        try:
            replay_items(plan, renumbered, numbered, on_progress, gate)
        finally:  # interrupted too: the items replayed so far are in the total
            for outcomes, item in zip(numbered.items, items):
                total.add(tuple(_at_line(o, item.line, back) for o in outcomes))
        return
    ids = {item.line: key for item in items if isinstance(item, RawItem) and (key := item_id(item.data)) is not None}
    index = IdIndex(ids.get)
    duplicates = index.claim(sorted(ids.items()))
    lanes = Lanes(plan)
    if plan.correlates:
        found = []
        for replayer in lanes.replayers:
            correlator = Correlator(replayer)
            for item in items:
                if isinstance(item, RawItem) and item.line not in duplicates:
                    with contextlib.suppress(TicketError):
                        correlator.add_ticket(ticket_from_data(item.data, item.line, replayer.policies.tz))
            found.append(correlator.result(lambda needed: {n: k for n, k in ids.items() if n in needed}))
        lanes.correlate(tuple(found))
    for item in items:
        with gate.held() if gate is not None else contextlib.nullcontext():
            total.add(lanes.item(item, duplicates.get(item.line) if isinstance(item, RawItem) else None))
        if on_progress is not None:
            on_progress(1)


def _at_line(outcome: Outcome, line: int, back: dict[int, int]) -> Outcome:
    """An outcome of a renumbered item with its own line again (and the first claimant's, for a duplicate)."""
    if isinstance(outcome, Rejection):
        reasons = tuple(_first_claimant(r, back) if r.code == "duplicate_id" and isinstance(r.message, Message) else r
                        for r in outcome.reasons)
        return dataclasses.replace(outcome, line=line, reasons=reasons)
    return dataclasses.replace(outcome, line=line)


def _first_claimant(reason: Reason, back: dict[int, int]) -> Reason:
    """A duplicate id's reason naming the first claimant by its own line."""
    assert isinstance(reason.message, Message)
    first = reason.message.values["first"]
    return Reason(reason.code, Message(ALREADY_USED, **{**reason.message.values, "first": back.get(first, first) if isinstance(first, int) else first}))


def line_count(path: str) -> int | None:
    """Lines in a regular file (for a progress bar), or None."""
    if path == "-" or not Path(path).is_file():
        return None
    with open(path, "rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 22), b""))


class OutcomeList:
    """The simplest partial: every outcome, in order (for tests and the library API)."""

    def __init__(self) -> None:
        self.items: list[tuple[Outcome, ...]] = []

    def add(self, outcomes: tuple[Outcome, ...]) -> None:
        self.items.append(outcomes)

    def export(self) -> list[tuple[Outcome, ...]]:
        return self.items

    def merge(self, exported: list[tuple[Outcome, ...]]) -> None:
        self.items.extend(exported)


def outcomes(policies: PolicySet, path: str, as_of: float, engine: str | None = None, jobs: int = 1,
             fmt: str | None = None, block_bytes: int = BLOCK_BYTES, roster: Roster = NO_ROSTER) -> list[Outcome]:
    """Every item's outcome under one policy set, in input order."""
    total = OutcomeList()
    replay(Plan((policies,), as_of, engine, OutcomeList, roster=roster), path, fmt, total, jobs, block_bytes=block_bytes)
    return [o for (o,) in total.items]


def simulate(policies: PolicySet, items: Sequence[RawItem | Rejection], engine: str | None, as_of: float,
             roster: Roster = NO_ROSTER) -> list[Outcome]:
    """One outcome per item given as plain data, in order: the library entry point (ids claimed,
    correlations found, penalties charged)."""
    total = OutcomeList()
    replay_items(Plan((policies,), as_of, engine, OutcomeList, roster=roster), items, total)
    return [o for (o,) in total.items]


__all__: Sequence[str] = ["BLOCK_BYTES", "Interrupted", "OutcomeList", "Partial", "Plan", "Sink", "ReplayError", "default_jobs",
                          "input_size", "line_count", "outcomes", "read_profiled", "replay", "replay_items", "simulate"]

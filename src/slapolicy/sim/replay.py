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
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import multiprocessing
import os
import re
import signal
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Protocol

from ..rules.compiler import CompiledPolicy, compile_policy
from ..rules.engine import get_backend
from ..validate.repository import PolicySet
from .correlate import Correlator, Record, records
from .dedup import IdIndex
from .imports import ExportRefused, Profile, read_export
from .matches import Correlated
from .outcome import Outcome, Reason, Rejection, SubjectOutcome
from .roster import EMPTY as NO_ROSTER
from .roster import Roster
from .simulator import Replayer
from .tickets import (
    BOM,
    RawItem,
    Ticket,
    TicketError,
    decode_line,
    decode_text,
    detect_format,
    item_id,
    line_id,
    read_items,
    reject,
    ticket_from_data,
)

BLOCK_BYTES = 1 << 20  # about 1 300 tickets of a typical history
MAX_LINE_BYTES = 8 << 20  # one JSONL line (ticket); longer ones are rejected without being kept


class Adds(Protocol):
    def add(self, outcomes: tuple[Outcome, ...]) -> None: ...


class Partial(Adds, Protocol):
    """What a block's outcomes are folded into, in a worker."""

    def export(self) -> Any:
        """What a worker sends back: plain data, without references to the policy model."""


class Sink(Adds, Protocol):
    """The total: takes outcomes one by one, or a worker's exported partial, in input order."""

    def merge(self, exported: Any) -> None: ...


@dataclass(frozen=True)
class Plan:
    """What to replay: each input ticket under every lane (one policy set each), into partials.

    The rulesets are compiled here, once; worker processes receive the plan whole when
    they start."""

    lanes: tuple[PolicySet, ...]
    as_of: float
    engine: str | None
    new_partial: Callable[[], Partial]  # a module-level callable: workers call it too
    encoding: str | None = None  # of the input (None: the import profile's, else utf-8)
    roster: Roster = NO_ROSTER  # who is on duty when (penalties paid by the person on duty)
    profile: Profile | None = None  # the input is a helpdesk export read through this import profile
    rulesets: tuple[tuple[CompiledPolicy, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rulesets", tuple(tuple(compile_policy(p) for p in ps.versions) for ps in self.lanes))

    @property
    def correlates(self) -> bool:
        """Some version has correlations: the history needs a first pass."""
        return any(p.correlations for ps in self.lanes for p in ps.versions)


class ReplayError(RuntimeError):
    """A worker failed (the rules engine, most likely); carries its one-line message."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived during a replay; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Lanes:
    """Per process: one Replayer per lane, built once."""

    def __init__(self, plan: Plan) -> None:
        backend = get_backend(plan.engine)
        self.replayers = tuple(Replayer(ps, backend, plan.as_of, rs, plan.roster) for ps, rs in zip(plan.lanes, plan.rulesets))
        self.zones = tuple(dict.fromkeys(ps.tz for ps in plan.lanes))

    def correlate(self, correlated: tuple[Correlated, ...] | None) -> None:
        """What the first pass found for the lines about to be replayed (None: there was none)."""
        if correlated is not None:
            for replayer, found in zip(self.replayers, correlated):
                replayer.correlated = found

    def line(self, line: bytes, number: int, first: int | None) -> tuple[Outcome, ...]:
        if len(self.replayers) == 1:
            replayer = self.replayers[0]
            ticket = decode_line(line, number, replayer.policies.tz, replayer.problems)
            out: tuple[Outcome, ...] = (replayer.outcome(ticket) if isinstance(ticket, Ticket) else ticket,)
        else:
            decoded = {tz: decode_line(line, number, tz) for tz in self.zones}
            out = tuple(r.outcome(t) if isinstance(t := decoded[r.policies.tz], Ticket)
                        else _checked(decode_line(line, number, r.policies.tz, r.problems)) for r in self.replayers)
        return out if first is None else _mark_duplicate(out, number, first)

    def item(self, item: RawItem | Rejection, first: int | None) -> tuple[Outcome, ...]:
        line = item.line
        return _mark_duplicate(tuple(r.item(item) for r in self.replayers), line, first)


def _checked(outcome: Ticket | Rejection) -> Rejection:
    """A refused line read again for one lane, with that lane's policy checks (the rejecting path only)."""
    assert isinstance(outcome, Rejection)
    return outcome


def _mark_duplicate(outcomes: tuple[Outcome, ...], line: int, first: int | None) -> tuple[Outcome, ...]:
    """A ticket that would be replayed is rejected when its id was claimed by an earlier line."""
    if first is None:
        return outcomes
    return tuple(
        reject(o.id, line, "duplicate_id", f"ticket id '{o.id}' was already used at line {first}")
        if isinstance(o, SubjectOutcome) else o
        for o in outcomes
    )


def _replay_block(lanes: _Lanes, block: Block, duplicates: dict[int, int], partial: Adds,
                  correlated: tuple[Correlated, ...] | None = None) -> None:
    lanes.correlate(correlated)
    first_line, bad = block.first_line, block.bad
    for offset, line in enumerate(block.data.split(b"\n")):
        number = first_line + offset
        if bad and number in bad:
            partial.add((reject(None, number, "unparseable", bad[number]),) * len(lanes.replayers))
        elif line.strip():
            partial.add(lanes.line(line, number, duplicates.get(number)))


# ---- reading blocks of whole lines ------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    first_line: int
    offset: int  # of its first byte in the (possibly spooled) byte stream
    data: bytes  # whole lines, UTF-8; a line listed in `bad` is empty here
    bad: dict[int, str] = field(default_factory=dict)  # line number -> why it cannot be read

    @property
    def lines(self) -> int:
        return self.data.count(b"\n") if self.data.endswith(b"\n") else self.data.count(b"\n") + 1


class _Lines:
    """Blocks of whole lines from a byte stream, and any earlier line read back by number.

    A stream that cannot seek (stdin, a pipe) is spooled to a temporary file as it is
    read, so earlier lines stay reachable for the duplicate-id re-check. Lines are
    split on LF only (a CR before it is whitespace), as an editor counts them; a UTF-8
    byte-order mark at the start is skipped. A line longer than MAX_LINE_BYTES is not
    kept in memory: it is skipped to its end and rejected. Input in another encoding is
    turned into UTF-8 line by line; a line that is not in it is rejected, naming the
    byte."""

    def __init__(self, stream: IO[bytes], size: int, encoding: str = "utf-8") -> None:
        self.stream = stream
        self.size = size
        self.codec = None if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
        self.encoding = encoding
        seekable = False
        with contextlib.suppress(OSError, ValueError):
            seekable = stream.seekable()
        self.spool: IO[bytes] | None = None if seekable else tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.spooled: IO[bytes] | None = None  # the spool, once read back
        self._starts: list[tuple[int, int]] = []  # (first line, offset) per block

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        if self.spooled is not None:
            self.spooled.close()

    def rewind(self) -> None:
        """Read the lines again from the start (the spool, for a stream that cannot seek)."""
        if self.spool is not None:
            self.spooled, self.spool = self.spool, None
            self.stream = self.spooled
        self.stream.seek(0)
        self._starts = []

    def blocks(self) -> Iterator[Block]:
        number, rest = 1, b""
        position = 0  # stream offset of the next byte read
        skipping = False  # inside a line longer than MAX_LINE_BYTES
        while True:
            chunk = self.stream.read(self.size)
            start = position  # stream offset of chunk[0]
            position += len(chunk)
            if self.spool is not None:
                self.spool.write(chunk)
            if start == 0 and self.codec is None and chunk.startswith(BOM):
                chunk, start = chunk[len(BOM):], len(BOM)
            if skipping:
                end = chunk.find(b"\n")
                if end < 0 and chunk:
                    continue
                skipping = False
                yield Block(number, start, b"\n", {number: f"line {number} is longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB; "
                                                           "a ticket is far smaller: is the file JSONL (one ticket per line)?"})
                number += 1
                if end < 0:
                    return
                chunk, start = chunk[end + 1:], start + end + 1
            data = rest + chunk
            offset = start - len(rest)
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if not cut and len(data) > MAX_LINE_BYTES:
                skipping, rest = True, b""
                continue
            if cut:
                block = self._block(number, offset, data[:cut])
                self._starts.append((number, offset))
                yield block
                number += block.lines
            rest = data[cut:]
            if not chunk:
                return

    def _block(self, number: int, offset: int, data: bytes) -> Block:
        if self.codec is None:
            return Block(number, offset, data)
        lines, bad = data.split(b"\n"), {}
        for i, line in enumerate(lines):
            try:
                lines[i] = line.decode(self.codec).encode("utf-8")
            except UnicodeDecodeError as exc:
                bad[number + i] = f"line {number + i} is not {self.encoding} text (byte {exc.start + 1} of the line)"
                lines[i] = b""
        return Block(number, offset, b"\n".join(lines), bad)

    def line(self, number: int) -> bytes:
        """Line `number` (1-based) as UTF-8, read back from the file or the spool."""
        k = bisect.bisect_right(self._starts, (number, 1 << 62)) - 1
        first, offset = self._starts[k]
        source = self.spool if self.spool is not None else self.stream
        here = source.tell()
        try:
            source.seek(offset)
            text = b""
            for _ in range(number - first + 1):
                text = source.readline()
            text = text.rstrip(b"\r\n")
            return text.decode(self.codec).encode("utf-8") if self.codec else text
        finally:
            source.seek(here)


# ---- the replay ------------------------------------------------------------------------------

def replay(plan: Plan, path: str, fmt: str | None, total: Sink, jobs: int = 1,
           on_progress: Callable[[int], None] | None = None, block_bytes: int = BLOCK_BYTES) -> None:
    """Every item of the history at `path` ('-': stdin) into `total`, in input order.

    `on_progress` is told how many input lines each block held (JSONL), or 1 per ticket
    replayed (other input; see `input_size`). Raises Interrupted on
    SIGINT or SIGTERM (the total then holds the items replayed so far), ReplayError
    when a worker fails, ExportRefused when a --profile export cannot be read as one."""
    fmt = fmt or detect_format(path)
    with _Gate().installed() as gate:
        if fmt != "jsonl" or plan.profile is not None:
            _replay_items(plan, path, fmt, total, on_progress, gate)
            return
        with _open_binary(path) as stream, contextlib.closing(_Lines(stream, block_bytes, plan.encoding or "utf-8")) as lines:
            index = IdIndex(lambda n: line_id(lines.line(n)))
            pool = _Pool(plan, jobs) if jobs > 1 and not _small(stream, 2 * block_bytes) else None
            clean = False
            try:
                first = _first_pass(plan, lines, index, pool, gate) if plan.correlates else None
                if pool is None:
                    lanes = _Lanes(plan)
                    for block in lines.blocks():
                        with gate.held():
                            if first is None:
                                _replay_block(lanes, block, _claim(index, block), total)
                            else:
                                _replay_block(lanes, block, first.duplicates_in(block), total, first.correlated_in(block))
                        if on_progress is not None:
                            on_progress(block.lines)
                else:
                    _replay_parallel(pool, lines, index, total, jobs, on_progress, gate, first)
                clean = True
            finally:
                if pool is not None:
                    pool.close(wait=clean)


class _FirstPass:
    """Duplicate ids and correlations, decided over the whole history before the replay; sliced per
    block by line number (bisect: a block's share costs its own size, not the history's)."""

    def __init__(self, duplicates: dict[int, int], correlated: tuple[Correlated, ...]) -> None:
        self.duplicates = duplicates  # line -> the earlier line that claimed its id
        self.correlated = correlated  # per lane
        self._duplicate_lines = sorted(duplicates)
        self._lines = tuple((sorted(c.matches), sorted(c.undecided)) for c in correlated)

    @staticmethod
    def _between(keys: list[int], lo: int, hi: int) -> list[int]:
        return keys[bisect.bisect_left(keys, lo):bisect.bisect_left(keys, hi)]

    def duplicates_in(self, block: Block) -> dict[int, int]:
        lo, hi = block.first_line, block.first_line + block.lines
        return {n: self.duplicates[n] for n in self._between(self._duplicate_lines, lo, hi)}

    def correlated_in(self, block: Block) -> tuple[Correlated, ...]:
        lo, hi = block.first_line, block.first_line + block.lines
        return tuple(Correlated({n: c.matches[n] for n in self._between(matched, lo, hi)},
                                {n: c.undecided[n] for n in self._between(undecided, lo, hi)})
                     for c, (matched, undecided) in zip(self.correlated, self._lines))


def _block_records(lanes: _Lanes, block: Block, claimed: dict[int, int]) -> list[list[Record]]:
    """Per lane, the correlation records of the block's subjects (duplicates and broken lines take no part)."""
    out: list[list[Record]] = [[] for _ in lanes.replayers]
    for offset, line in enumerate(block.data.split(b"\n")):
        number = block.first_line + offset
        if number in claimed or number in block.bad or not line.strip():
            continue
        decoded = {tz: decode_line(line, number, tz) for tz in lanes.zones}
        for found, replayer in zip(out, lanes.replayers):
            ticket = decoded[replayer.policies.tz]
            if isinstance(ticket, Ticket):
                found.extend(records(replayer, ticket))
    return out


def _first_pass(plan: Plan, lines: _Lines, index: IdIndex, pool: _Pool | None, gate: _Gate) -> _FirstPass:
    """Read every line once, here or in the workers: claim ids, gather the correlation records; find the
    matches; read back the ids of the subjects involved."""
    lanes = _Lanes(plan)
    correlators = [Correlator(r) for r in lanes.replayers]
    duplicates: dict[int, int] = {}

    def take(found: list[list[Record]]) -> None:
        for correlator, records_of_lane in zip(correlators, found):
            for record in records_of_lane:
                correlator.add(record)

    if pool is None:
        for block in lines.blocks():
            claimed = _claim(index, block)
            duplicates.update(claimed)
            take(_block_records(lanes, block, claimed))
    else:
        def task(block: Block) -> tuple[Any, ...]:
            claimed = _claim(index, block)
            duplicates.update(claimed)
            return ("records", block, claimed)

        _in_flight(pool, (task(b) for b in lines.blocks()), lambda exported, _: take(exported), gate)
    lines.rewind()

    def ids(needed: set[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        if needed:
            for block in lines.blocks():
                for offset, line in enumerate(block.data.split(b"\n")):
                    if block.first_line + offset in needed and (key := line_id(line)) is not None:
                        found[block.first_line + offset] = key
            lines.rewind()
        return found

    return _FirstPass(duplicates, tuple(c.result(ids) for c in correlators))


def _small(stream: IO[bytes], size: int) -> bool:
    """A regular file that fits in two blocks: workers would only add their start-up time."""
    with contextlib.suppress(OSError, ValueError):
        return os.fstat(stream.fileno()).st_size < size and stream.seekable()
    return False


def _claim(index: IdIndex, block: Block) -> dict[int, int]:
    items = []
    for offset, line in enumerate(block.data.split(b"\n")):
        key = line_id(line) if line.strip() else None
        if key is not None:
            items.append((block.first_line + offset, key))
    return index.claim(items)


def _read_items(plan: Plan, path: str, fmt: str) -> list[RawItem | Rejection]:
    """The items of a non-JSONL input (a --profile export, CSV, YAML, JSON); ExportRefused for an
    export that cannot be read as one."""
    with _open_binary(path) as stream:
        raw = stream.read()
    if plan.profile is not None:
        imported = read_export(plan.profile, raw, plan.encoding)
        if imported.refused is not None:  # the wrong export or profile: no ticket to report on
            raise ExportRefused(path, imported.refused)
        return imported.items
    try:
        return list(read_items(decode_text(raw, plan.encoding or "utf-8"), fmt, path))
    except TicketError as exc:
        return [reject(None, 1, exc.code, str(exc))]


def _replay_items(plan: Plan, path: str, fmt: str, total: Sink, on_progress: Callable[[int], None] | None,
                  gate: _Gate) -> None:
    replay_items(plan, _read_items(plan, path, fmt), total, on_progress, gate)


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
                 on_progress: Callable[[int], None] | None = None, gate: _Gate | None = None) -> None:
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
    lanes = _Lanes(plan)
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
        reasons = tuple(Reason(r.code, re.sub(r"already used at line (\d+)", lambda m: f"already used at line {back.get(int(m.group(1)), m.group(1))}",
                                                 r.message)) if r.code == "duplicate_id" else r for r in outcome.reasons)
        return dataclasses.replace(outcome, line=line, reasons=reasons)
    return dataclasses.replace(outcome, line=line)


@contextlib.contextmanager
def _open_binary(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as stream:
        yield stream


class _Gate:
    """SIGINT and SIGTERM become Interrupted, raised at once, or when `held` work is done
    (a block being added, a partial being merged), so the total is never half-updated."""

    def __init__(self) -> None:
        self.holding = False
        self.pending: int | None = None

    def handler(self, signum: int, frame: object) -> None:
        if self.holding:
            self.pending = signum
        else:
            raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending is not None:
            raise Interrupted(self.pending)

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Gate]:
        previous = {}
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, self.handler)
        try:
            yield self
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


# ---- workers --------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Linux: the kernel ends this worker when the main process ends, however it ends."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker(conn: Connection, plan: Plan) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process handles it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    lanes = _Lanes(plan)
    while True:
        task = conn.recv()
        if task is None:
            return
        try:
            if task[0] == "records":  # the first pass: correlation records of a block
                conn.send(("ok", _block_records(lanes, task[1], task[2])))
                continue
            _, block, duplicates, correlated = task
            partial = plan.new_partial()
            _replay_block(lanes, block, duplicates, partial, correlated)
        except Exception as exc:  # reported by the main process as one line, never lost
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        conn.send(("ok", partial.export()))


class _Pool:
    """Worker processes, each fed its blocks in order through its own pipe."""

    def __init__(self, plan: Plan, jobs: int) -> None:
        # fork: workers inherit the compiled policies without pickling (Linux); spawn elsewhere
        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() \
            else multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(jobs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, plan), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def send(self, worker: int, task: tuple[Any, ...]) -> None:
        self.conns[worker].send(task)

    def receive(self, worker: int) -> Any:
        try:
            status, payload = self.conns[worker].recv()
        except EOFError:
            raise ReplayError(f"worker {worker + 1} ended unexpectedly (exit code {self.procs[worker].exitcode})") from None
        if status != "ok":
            raise ReplayError(payload)
        return payload

    def close(self, wait: bool) -> None:
        for conn, proc in zip(self.conns, self.procs):
            if wait:
                with contextlib.suppress(OSError, BrokenPipeError):
                    conn.send(None)
            else:
                proc.terminate()
        for conn, proc in zip(self.conns, self.procs):
            proc.join(timeout=5 if wait else 1)
            if proc.is_alive():
                proc.kill()
                proc.join()
            conn.close()


def _in_flight(pool: _Pool, tasks: Iterator[tuple[Any, ...]], done: Callable[[Any, int], None], gate: _Gate) -> None:
    """Tasks to the workers in order, one in flight per worker, results handed to `done` in the same
    order. A worker never waits to hand back a result while this process waits to hand it a task
    (with bigger pipes in flight, both would block); a worker gets its next task before its last
    result is taken, so it works meanwhile."""
    pending: deque[tuple[int, int]] = deque()  # (worker, lines in its block), in task order

    def feed(worker: int) -> None:
        task = next(tasks, None)
        if task is not None:
            pool.send(worker, task)
            pending.append((worker, task[1].lines))

    for worker in range(len(pool.conns)):
        feed(worker)
    while pending:
        worker, count = pending.popleft()
        exported = pool.receive(worker)
        feed(worker)
        with gate.held():
            done(exported, count)


def _replay_parallel(pool: _Pool, lines: _Lines, index: IdIndex, total: Sink, jobs: int,
                     on_progress: Callable[[int], None] | None, gate: _Gate, first: _FirstPass | None) -> None:
    def task(block: Block) -> tuple[Any, ...]:
        if first is None:
            return ("replay", block, _claim(index, block), None)
        return ("replay", block, first.duplicates_in(block), first.correlated_in(block))

    def done(exported: Any, count: int) -> None:
        total.merge(exported)
        if on_progress is not None:
            on_progress(count)

    _in_flight(pool, (task(b) for b in lines.blocks()), done, gate)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


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


__all__: Sequence[str] = ["Interrupted", "OutcomeList", "Partial", "Plan", "Sink", "ReplayError", "default_jobs",
                          "input_size", "line_count", "outcomes", "replay", "replay_items", "simulate"]

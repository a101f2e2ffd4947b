"""Reading a JSONL history in blocks of whole lines, numbered as an editor numbers them, and any
earlier line read back by its number (for the duplicate-id check); the ids a block's lines claim;
the ids of chosen lines, read back at once (`IdBook`)."""

from __future__ import annotations

import bisect
import contextlib
import functools
import sys
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from .dedup import IdIndex
from .tickets import BOM, line_id

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BLOCK_BYTES = 1 << 20  # about 1 300 tickets of a typical history
MAX_LINE_BYTES = 8 << 20  # one JSONL line (ticket); longer ones are rejected without being kept


@dataclass(frozen=True)
class Block:
    """Whole lines of the history, numbered from `first_line`: what a process replays at a time."""

    first_line: int
    offset: int  # of its first byte in the (possibly spooled) byte stream
    data: bytes  # whole lines, UTF-8; a line listed in `bad` is empty here
    bad: dict[int, str] = field(default_factory=dict)  # line number -> why it cannot be read

    @functools.cached_property
    def lines(self) -> int:
        """Counted once: the main process asks it of every block several times (numbering, slicing, progress)."""
        return self.data.count(b"\n") if self.data.endswith(b"\n") else self.data.count(b"\n") + 1


class Lines:
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


class IdBook:
    """The ids of chosen lines, read back in one pass: their numbers ascending and the ids' UTF-8 in one
    blob (a few bytes an id, not a str object and a dict entry each)."""

    def __init__(self, lines: Lines, wanted: npt.NDArray[np.int64]) -> None:
        """`wanted`: line numbers, ascending, once each. Reads the blocks once and rewinds."""
        self._numbers, self._ends, blob = array("q"), array("q"), bytearray()
        if len(wanted):
            for block in lines.blocks():
                lo = int(wanted.searchsorted(block.first_line))
                hi = int(wanted.searchsorted(block.first_line + block.lines))
                if lo == hi:
                    continue
                parts = block.data.split(b"\n")
                for n in wanted[lo:hi]:
                    key = line_id(parts[int(n) - block.first_line])
                    if key is not None:
                        self._numbers.append(int(n))
                        blob += key.encode("utf-8")
                        self._ends.append(len(blob))
            lines.rewind()
        self._blob = bytes(blob)

    def get(self, line: int) -> str | None:
        i = bisect.bisect_left(self._numbers, line)
        if i == len(self._numbers) or self._numbers[i] != line:
            return None
        return self._blob[self._ends[i - 1] if i else 0:self._ends[i]].decode("utf-8")


def claim(index: IdIndex, block: Block) -> dict[int, int]:
    """The ids of the block's lines claimed in `index`, in line order; the lines whose id an earlier
    line had claimed (line -> that line)."""
    items = []
    for offset, line in enumerate(block.data.split(b"\n")):
        key = line_id(line) if line.strip() else None
        if key is not None:
            items.append((block.first_line + offset, key))
    return index.claim(items)


@contextlib.contextmanager
def open_binary(path: str) -> Iterator[IO[bytes]]:
    """The input as bytes; '-' is stdin (left open)."""
    if path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as stream:
        yield stream

"""Which ticket ids were already claimed, for histories of any length, in bounded memory.

The first line that carries an id claims it; a later ticket with that id is a
duplicate (R-002-03: every request has a unique service number). Ids are kept as
8-byte digests (and 4-byte line numbers) in sorted NumPy arrays, 12 bytes an id
instead of the ~110 bytes of a dict of strings: 10 million ids take about 120 MB. A
digest hit is re-checked exactly against the earlier line's id (read back through
`lookup`), so a digest collision never rejects a ticket.

The sorted arrays form levels of doubling size, each at most `LEVEL_CAP` ids, merged
like a binary counter: adding is amortised O(log n) per id and every query is a few
vectorised binary searches.

NumPy is imported by the methods that use it, not with the module: its import takes tens of
milliseconds, which a command that imports the replay's types without replaying need not pay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Digests = npt.NDArray[np.uint64]
    Lines = npt.NDArray[np.uint32]

LEVEL_CAP = 1 << 20
_MASK = (1 << 64) - 1


class IdIndex:
    def __init__(self, lookup: Callable[[int], str | None], digest: Callable[[str], int] = hash) -> None:
        """`lookup(line)` returns the id carried by an earlier line (for the exact re-check);
        `digest` maps an id to 64 bits (the process's string hash by default)."""
        self._lookup = lookup
        self._digest = digest
        self._levels: list[tuple[Digests, Lines]] = []
        self.size = 0

    def claim(self, items: Sequence[tuple[int, str]]) -> dict[int, int]:
        """Register `(line, id)` pairs in input order; return `{line: first line}` for ids claimed before."""
        if not items:
            return {}
        import numpy as np

        digest = self._digest
        digests = np.fromiter((digest(key) & _MASK for _, key in items), dtype=np.uint64, count=len(items))
        suspects = np.zeros(len(items), dtype=bool)
        for level_digests, _ in self._levels:
            pos = np.searchsorted(level_digests, digests)
            inside = pos < len(level_digests)
            suspects[inside] |= level_digests[pos[inside]] == digests[inside]
        duplicates: dict[int, int] = {}
        fresh: dict[str, int] = {}
        keep = np.ones(len(items), dtype=bool)
        for i, (line, key) in enumerate(items):
            first = fresh.get(key)
            if first is None and suspects[i]:
                first = self._earlier(int(digests[i]), key)
            if first is None:
                fresh[key] = line
            else:
                duplicates[line] = first
                keep[i] = False
        self._add(digests[keep], np.fromiter((line for line, _ in items), dtype=np.uint32, count=len(items))[keep])
        return duplicates

    def _earlier(self, digest: int, key: str) -> int | None:
        """The line that claimed `key`, among the stored ids with the same digest."""
        import numpy as np

        target = np.uint64(digest)
        for level_digests, level_lines in self._levels:
            lo = int(np.searchsorted(level_digests, target, side="left"))
            hi = int(np.searchsorted(level_digests, target, side="right"))
            for line in level_lines[lo:hi]:
                if self._lookup(int(line)) == key:
                    return int(line)
        return None

    def _add(self, digests: Digests, lines: Lines) -> None:
        if not len(digests):
            return
        import numpy as np

        order = np.argsort(digests, kind="stable")
        self._levels.append((digests[order], lines[order]))
        self.size += len(digests)
        levels = self._levels
        while len(levels) >= 2 and len(levels[-2][0]) <= 2 * len(levels[-1][0]) \
                and len(levels[-2][0]) + len(levels[-1][0]) <= LEVEL_CAP:
            (d1, l1), (d2, l2) = levels.pop(), levels.pop()
            merged = np.concatenate((d2, d1))
            order = np.argsort(merged, kind="stable")
            levels.append((merged[order], np.concatenate((l2, l1))[order]))

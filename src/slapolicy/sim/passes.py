"""The two passes over a JSONL history. The first, when a policy has correlations, reads every line
once before anything is replayed: it claims ids and finds the correlations' matches. The second
replays every block, here or in the workers, with its lines' duplicate ids and matches."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from .correlate import Correlator, Record
from .dedup import IdIndex
from .lanes import Lanes, Sink
from .lines import Block, IdBook, Lines, claim
from .matches import Correlated, MatchTable
from .workers import Gate, Pool, in_flight


class FirstPass:
    """Duplicate ids and correlations, decided over the whole history before the replay; sliced per
    block by line number (bisect: a block's share costs its own size, not the history's). The matches
    stay compact (`MatchTable`) until a block's are made, with the ids of their members (`IdBook`)."""

    def __init__(self, duplicates: dict[int, int], tables: tuple[MatchTable, ...],
                 undecided: tuple[dict[int, tuple[tuple[str, tuple[str, ...]], ...]], ...], ids: IdBook) -> None:
        self.duplicates = duplicates  # line -> the earlier line that claimed its id
        self.tables = tables  # per lane
        self.undecided = undecided  # per lane
        self.ids = ids
        self._duplicate_lines = sorted(duplicates)
        self._undecided_lines = tuple(sorted(u) for u in undecided)

    @staticmethod
    def _between(keys: list[int], lo: int, hi: int) -> list[int]:
        return keys[bisect.bisect_left(keys, lo):bisect.bisect_left(keys, hi)]

    def duplicates_in(self, block: Block) -> dict[int, int]:
        lo, hi = block.first_line, block.first_line + block.lines
        return {n: self.duplicates[n] for n in self._between(self._duplicate_lines, lo, hi)}

    def correlated_in(self, block: Block) -> tuple[Correlated, ...]:
        lo, hi = block.first_line, block.first_line + block.lines
        return tuple(Correlated(table.between(lo, hi, self.ids.get), {n: undecided[n] for n in self._between(lines, lo, hi)})
                     for table, undecided, lines in zip(self.tables, self.undecided, self._undecided_lines))


def first_pass(lanes: Lanes, lines: Lines, index: IdIndex, pool: Pool | None, gate: Gate) -> FirstPass:
    """Read every line once, here or in the workers: claim ids, gather the correlation records; find the
    matches; read back the ids of the subjects involved. `lanes`: this process's, which the second pass
    replays with (one cache of the engine's decisions for both passes)."""
    correlators = [Correlator(r) for r in lanes.replayers]
    duplicates: dict[int, int] = {}

    def take(found: list[list[Record]]) -> None:
        for correlator, records_of_lane in zip(correlators, found):
            for record in records_of_lane:
                correlator.add(record)

    def claimed(block: Block) -> dict[int, int]:
        found = claim(index, block)
        duplicates.update(found)
        return found

    if pool is None:
        for block in lines.blocks():
            take(lanes.records(block, claimed(block)))
    else:
        in_flight(pool, (("records", b, claimed(b)) for b in lines.blocks()), lambda exported, _: take(exported), gate)
    lines.rewind()
    tables = tuple(c.table() for c in correlators)
    undecided = tuple(c.undecided_lines() for c in correlators)
    correlators.clear()  # their records: the tables hold what the replay needs
    import numpy as np

    return FirstPass(duplicates, tables, undecided, IdBook(lines, np.unique(np.concatenate([t.involved() for t in tables]))))


def second_pass(lanes: Lanes, lines: Lines, index: IdIndex, first: FirstPass | None, pool: Pool | None, total: Sink,
                on_progress: Callable[[int], None] | None, gate: Gate) -> None:
    """Every block replayed into `total` in input order, here (with `lanes`) or in the workers, with its lines'
    duplicate ids and correlations: those of the first pass, or, without one, the ids claimed as the blocks come."""

    def share(block: Block) -> tuple[dict[int, int], tuple[Correlated, ...] | None]:
        if first is None:
            return claim(index, block), None
        return first.duplicates_in(block), first.correlated_in(block)

    if pool is None:
        for block in lines.blocks():
            with gate.held():
                duplicates, correlated = share(block)
                lanes.replay(block, duplicates, total, correlated)
            if on_progress is not None:
                on_progress(block.lines)
        return

    def done(exported: Any, count: int) -> None:
        total.merge(exported)
        if on_progress is not None:
            on_progress(count)

    in_flight(pool, (("replay", b, *share(b)) for b in lines.blocks()), done, gate)

"""What the first pass over a history (`slapolicy.sim.correlate`) hands the replay of each subject:
the correlations it completed and those it could not take part in. Plain data, so that the
subject's findings and charges can read it without the correlation machinery."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # NumPy is imported where it is used: a command that only reads these types need not pay for it
    import numpy as np
    import numpy.typing as npt


class Match(NamedTuple):
    """A correlation completed by a subject: when, with which subjects (ids in creation order), on which key."""

    correlation: str
    at: float
    members: tuple[str, ...]
    key: tuple[Any, ...]


@dataclass(frozen=True)
class Correlated:
    """What the first pass over a history found, by input line: matches completed by the subject on
    that line, and correlations it could not take part in for want of a key attribute."""

    matches: Mapping[int, tuple[Match, ...]]
    undecided: Mapping[int, tuple[tuple[str, tuple[str, ...]], ...]]


NOTHING_CORRELATED = Correlated({}, {})


class MatchTable:
    """The matches of a whole history, a few numbers each: the completing line, the instant, the
    correlation (by index), the members' lines, and a reference to the key. Sorted by completing line (then
    correlation), so a block's share is found by binary search and made into `Match`es only then, with
    the members' ids read back (`between`). A `Match` each, with its members' ids, held a
    million-ticket report's main process at 440 MB (a third of the subjects complete a match)."""

    def __init__(self, found: Iterable[tuple[str, float, Sequence[int], tuple[Any, ...]]]) -> None:
        """From (correlation, at, member lines in creation order, key) in any order; the last member completes it."""
        names: dict[str, int] = {}
        keys: list[tuple[Any, ...]] = []  # each match's own (a group's matches share one object; 1, 1.0 and True stay apart)
        lines, at, correlation = array("q"), array("d"), array("q")
        starts, counts, members = array("q"), array("q"), array("q")
        for cid, when, involved, key in found:
            correlation.append(names.setdefault(cid, len(names)))
            keys.append(key)
            lines.append(involved[-1])
            at.append(when)
            starts.append(len(members))
            counts.append(len(involved))
            members.extend(involved)
        self.names = list(names)
        self.members = members
        import numpy as np

        rank = np.zeros(len(names), dtype=np.int64)  # of each correlation's id in alphabetical order
        rank[[names[cid] for cid in sorted(names)]] = np.arange(len(names))
        order = np.lexsort((rank[np.frombuffer(correlation, dtype=np.int64)], np.frombuffer(lines, dtype=np.int64)))  # stable

        def sorted_(column: array[Any]) -> array[Any]:
            return array(column.typecode, np.frombuffer(column, dtype=np.float64 if column.typecode == "d" else np.int64)[order].tobytes())

        self.lines, self.at, self.correlation = sorted_(lines), sorted_(at), sorted_(correlation)
        self.starts, self.counts = sorted_(starts), sorted_(counts)
        self.keys = [keys[i] for i in order.tolist()]

    def __len__(self) -> int:
        return len(self.lines)

    def involved(self) -> npt.NDArray[np.int64]:
        """The lines of every subject involved in a match, ascending, once each."""
        import numpy as np

        return np.unique(np.frombuffer(self.members, dtype=np.int64))

    def between(self, lo: int, hi: int, ids: Callable[[int], str | None]) -> dict[int, tuple[Match, ...]]:
        """The matches completed by lines lo <= line < hi, by line; a member's id from `ids` (its line's
        number where it has none)."""
        out: dict[int, list[Match]] = {}
        for i in range(bisect.bisect_left(self.lines, lo), bisect.bisect_left(self.lines, hi)):
            start = self.starts[i]
            involved = tuple(ids(n) or f"line {n}" for n in self.members[start:start + self.counts[i]])
            match = Match(self.names[self.correlation[i]], self.at[i], involved, self.keys[i])
            out.setdefault(self.lines[i], []).append(match)
        return {line: tuple(ms) for line, ms in out.items()}

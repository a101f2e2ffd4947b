"""The first pass's matches kept compactly (`MatchTable`) and the ids of the lines involved read back
at once (`IdBook`): a block's share made into `Match`es is what a `Match` per completed correlation,
kept for the whole history, gave."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from slapolicy.sim.lines import IdBook, Lines
from slapolicy.sim.matches import Match, MatchTable

FOUND = [("b", 5.0, [1, 3], ("k",)), ("a", 4.0, [2, 3], ("j",)), ("c", 1.0, [0, 1], ("k",)), ("a", 9.0, [1, 7], ("z",))]


def name(line: int) -> str:
    return f"T{line}"


def test_matches_by_completing_line_then_correlation() -> None:
    table = MatchTable(FOUND)
    assert table.between(0, 100, name) == {
        1: (Match("c", 1.0, ("T0", "T1"), ("k",)),),
        3: (Match("a", 4.0, ("T2", "T3"), ("j",)), Match("b", 5.0, ("T1", "T3"), ("k",))),
        7: (Match("a", 9.0, ("T1", "T7"), ("z",)),),
    }
    assert table.involved().tolist() == [0, 1, 2, 3, 7]


def test_a_block_gets_its_own_lines_matches_and_an_unknown_id_reads_as_its_line() -> None:
    table = MatchTable(FOUND)
    assert table.between(2, 7, lambda n: None if n == 2 else name(n)) == {
        3: (Match("a", 4.0, ("line 2", "T3"), ("j",)), Match("b", 5.0, ("T1", "T3"), ("k",)))}
    assert table.between(8, 100, name) == {}
    assert len(MatchTable([])) == 0 and MatchTable([]).between(0, 10, name) == {}


match_rows = st.lists(st.tuples(st.sampled_from("xyz"), st.floats(0, 1e9), st.lists(st.integers(1, 60), min_size=1, max_size=4),
                                st.tuples(st.sampled_from("pq"))), max_size=30)


@given(match_rows, st.lists(st.integers(1, 60), max_size=5))
def test_any_blocks_together_give_what_one_dict_gave(found: list[tuple[str, float, list[int], tuple[str]]], cuts: list[int]) -> None:
    """Sliced at any block boundaries, the table gives each line the matches a dict of `Match`es, sorted
    by correlation (stable), gave."""
    expected: dict[int, list[Match]] = {}
    for cid, at, lines, key in found:
        expected.setdefault(lines[-1], []).append(Match(cid, at, tuple(map(name, lines)), key))
    table = MatchTable(found)
    bounds = [1, *sorted(set(cuts)), 61]
    got: dict[int, tuple[Match, ...]] = {}
    for lo, hi in zip(bounds, bounds[1:]):
        got.update(table.between(lo, hi, name))
    assert got == {line: tuple(sorted(ms, key=lambda m: m.correlation)) for line, ms in expected.items()}


def test_the_id_book_reads_back_the_ids_of_the_lines_asked(tmp_path: Path) -> None:
    import numpy as np

    rows = [json.dumps({"id": f"工单-{n}", "events": []}) if n != 4 else "not json" for n in range(1, 9)]
    stream = io.BytesIO(("\n".join(rows) + "\n").encode("utf-8"))
    lines = Lines(stream, 40)  # blocks of a line or two
    book = IdBook(lines, np.array([2, 4, 5, 8], dtype=np.int64))
    assert [book.get(n) for n in range(0, 10)] == [None, None, "工单-2", None, None, "工单-5", None, None, "工单-8", None]
    assert next(lines.blocks()).first_line == 1  # rewound for the replay


def test_keys_equal_to_python_but_of_another_type_stay_as_they_were() -> None:
    """1, 1.0 and True are one dict key to Python: each match keeps its own key (a recurrence keyed on a yes/no
    attribute says True, not 1)."""
    table = MatchTable([("B", 1.0, [1, 2], (1,)), ("A", 2.0, [3, 4], (True,)), ("C", 3.0, [5, 6], (1.0,))])
    keys = [m.key[0] for ms in table.between(0, 100, name).values() for m in ms]
    assert [(type(k), k) for k in keys] == [(int, 1), (bool, True), (float, 1.0)]

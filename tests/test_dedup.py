"""Duplicate ticket ids in bounded memory (R-002-03: every request has a unique service number):
the first line claims an id, later ones are duplicates of it, a digest collision never
rejects a ticket."""

from __future__ import annotations

import pytest

from slapolicy.sim import dedup
from slapolicy.sim.dedup import IdIndex


def index(ids: dict[int, str], **kw: object) -> IdIndex:
    return IdIndex(ids.get, **kw)  # type: ignore[arg-type]


def test_first_line_claims_an_id_across_batches() -> None:
    """R-002-03: a later line with an id already used is a duplicate of the first line that used it."""
    ids: dict[int, str] = {}
    idx = index(ids)
    batches = [[(1, "A"), (2, "B"), (3, "A")], [(4, "C"), (5, "B"), (6, "A")], [(7, "D")]]
    found = {}
    for batch in batches:
        ids.update(dict(batch))
        found.update(idx.claim(batch))
    assert found == {3: 1, 5: 2, 6: 1}
    assert idx.size == 4


def test_a_digest_collision_is_rechecked_exactly() -> None:
    """Every id gets the same digest: only equal ids may be reported, each against its first line."""
    ids: dict[int, str] = {}
    idx = index(ids, digest=lambda key: 42)
    seen = {}
    for start in range(0, 60, 6):
        batch = [(start + k, f"T-{(start + k) % 9}") for k in range(6)]
        ids.update(dict(batch))
        seen.update(idx.claim(batch))
    expected = {line: line % 9 for line in range(60) if line >= 9}
    assert seen == expected


def test_levels_merge_and_stay_searchable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small batches become a few sorted levels (capped), and every id stays found."""
    monkeypatch.setattr(dedup, "LEVEL_CAP", 64)
    ids: dict[int, str] = {}
    idx = index(ids)
    line = 0
    for _ in range(100):
        batch = []
        for _ in range(7):
            line += 1
            batch.append((line, f"id-{line}"))
        ids.update(dict(batch))
        assert idx.claim(batch) == {}
    assert idx.size == 700
    assert all(len(d) <= 64 for d, _ in idx._levels) and len(idx._levels) < 40
    again = [(line + k + 1, f"id-{k * 50 + 1}") for k in range(14)]
    ids.update(dict(again))
    assert idx.claim(again) == {line + k + 1: k * 50 + 1 for k in range(14)}

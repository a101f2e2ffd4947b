"""What the first pass over a history (`slapolicy.sim.correlate`) hands the replay of each subject:
the correlations it completed and those it could not take part in. Plain data, so that the
subject's findings and charges can read it without the correlation machinery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple


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

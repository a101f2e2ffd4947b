"""Exact, mergeable counting: sums that do not depend on the order of their terms, log-bucket
histograms, and the tally of one objective in one period.

A figure of working time counts every clock it can place (`slapolicy.kpi.measured`): a clock
still open past its target enters at its working time so far, a lower bound, and one that
ended unsolved is infinite, above every other value: a mean with one is infinite, a
percentile only when it falls in that tail.

Sums are exact (whole microseconds, whole numbers, fractions), so partial reports built in
parallel workers merge into exactly the report one process would build: the result does not
depend on how the tickets were split. Medians and p90s of working time come from the
histogram: exact where its bucket holds one value, else within 1 % (and marked so in every
output). Whether an objective is met never rests on a rounded or estimated value: rates and
means are compared as exact fractions, and a percentile objective's histogram is split at its
thresholds, so the number of values on each side of a threshold, and with it the verdict, is
counted exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from ..policy.model import Objective

_BASE = math.log(1.01)


class Estimate(NamedTuple):
    """A quantile (or an objective's value): exact when its histogram bucket holds a single value, else within 1 % of it;
    infinite (math.inf) when it falls among the values that never came; `lower` when it is a lower bound, a value
    still open at as_of at or below it that may yet grow past it."""

    value: float
    exact: bool
    lower: bool = False


@dataclass
class Histogram:
    """Counts per 1 % log bucket of seconds, with each bucket's least and greatest value: exact to
    merge, flat in memory, and exact wherever a bucket holds one value (every reply after 8 minutes)."""

    buckets: dict[int, list[float]] = field(default_factory=dict)  # bucket -> [count, least, greatest]
    count: int = 0  # the values in buckets, open ones included
    # Whole microseconds, ascending: each splits the bucket it falls in into the values below it and those
    # from it on, so how many values lie below a cut is counted exactly (an objective's thresholds).
    cuts: tuple[int, ...] = ()
    open: int = 0  # values that are lower bounds: clocks still open (past their target) at as_of
    least_open: float = math.inf
    never: int = 0  # values that never came (clocks that ended unsolved): above every value in the buckets

    def _key(self, seconds: float) -> int:
        """The log bucket, and with cuts which of them the value has reached (a key that still sorts by value)."""
        if not self.cuts:
            return bucket(seconds)
        us = micro(seconds)
        return bucket(seconds) * (len(self.cuts) + 1) + sum(us >= c for c in self.cuts)

    def add(self, seconds: float, open: bool = False) -> None:
        """A value; `open`: a lower bound (the working time so far of a clock still open at as_of)."""
        if open:
            self.open += 1
            self.least_open = min(self.least_open, seconds)
        key = self._key(seconds)
        slot = self.buckets.get(key)
        if slot is None:
            self.buckets[key] = [1, seconds, seconds]
        else:
            slot[0] += 1
            slot[1] = min(slot[1], seconds)
            slot[2] = max(slot[2], seconds)
        self.count += 1

    def merge(self, other: Histogram) -> None:
        if self.cuts != other.cuts:
            raise ValueError(f"histograms cut at {self.cuts} and {other.cuts} do not merge")
        for key, (n, least, greatest) in other.buckets.items():
            slot = self.buckets.get(key)
            if slot is None:
                self.buckets[key] = [n, least, greatest]
            else:
                slot[0] += n
                slot[1] = min(slot[1], least)
                slot[2] = max(slot[2], greatest)
        self.count += other.count
        self.open += other.open
        self.least_open = min(self.least_open, other.least_open)
        self.never += other.never

    def add_never(self) -> None:
        """A value that never came: a clock that ended without its stop."""
        self.never += 1

    def rank(self, q: float) -> int:
        """The rank of the q-quantile (nearest rank: the 9th of 10 values for q 0.9), the values that never came last."""
        return max(1, math.ceil(q * (self.count + self.never)))

    def quantile_below(self, q: float, cut: int) -> bool | None:
        """Whether the q-quantile is below `cut` whole microseconds, counted (not estimated) from each bucket's least
        and greatest value; None when a bucket holding values on both sides of the cut leaves it open (never for
        one of `cuts`) or when there are no values. A value that never came is below no cut."""
        if not self.count + self.never:
            return None
        below = unsure = 0
        for n, least, greatest in self.buckets.values():
            if micro(greatest) < cut:
                below += int(n)
            elif micro(least) < cut:
                unsure += int(n)
        rank = self.rank(q)
        if below >= rank:
            return True
        if below + unsure < rank:
            return False
        return None

    def quantile(self, q: float) -> Estimate | None:
        """The q-quantile: infinite when its rank falls among the values that never came, a lower bound when an open
        value at or below it may still grow."""
        if not self.count + self.never:
            return None
        rank = self.rank(q)
        if rank > self.count:
            return Estimate(math.inf, True)
        seen = 0.0
        for key in sorted(self.buckets):
            n, least, greatest = self.buckets[key]
            seen += n
            if seen >= rank:
                lower = self.least_open <= greatest
                if least == greatest:
                    return Estimate(round(least, 6), True, lower)
                return Estimate(round((least + greatest) / 2), False, lower)
        return None


def bucket(seconds: float) -> int:
    """The 1 % log bucket of a duration."""
    return int(math.log1p(seconds if seconds > 0 else 0.0) / _BASE)


@dataclass
class ExactSum:
    """A sum that does not depend on the order of its terms: whole numbers as int, others as fractions."""

    whole: int = 0
    fraction: Fraction = field(default_factory=Fraction)

    def add(self, value: int | float) -> None:  # int named apart: compiled (setup.py), a `float` parameter makes an int a float
        if isinstance(value, int) or value.is_integer():
            self.whole += int(value)
        else:
            self.fraction += Fraction(value)

    def merge(self, other: ExactSum) -> None:
        self.whole += other.whole
        self.fraction += other.fraction

    def value(self) -> float:
        return float(self.whole + self.fraction)


def micro(seconds: float) -> int:
    """Working time in whole microseconds: instants carry at most that precision."""
    return round(seconds * 1_000_000)


@dataclass
class Unfinished:
    """The clocks of a time objective that had not stopped at as_of, by subject id (in input order; a subject
    twice for two cycles), so that the figure says what it rests on and the report names them."""

    open: list[str] = field(default_factory=list)  # open past their target: in the figure at their working time so far
    never: list[str] = field(default_factory=list)  # ended without their stop: never solved
    pending: int = 0  # running, not yet past their target: not in the figure

    def merge(self, other: Unfinished) -> None:
        self.open.extend(other.open)
        self.never.extend(other.never)
        self.pending += other.pending


@dataclass
class ObjectiveTally:
    """Numerator and denominator (or sum and count) of one objective in one period."""

    numerator: ExactSum = field(default_factory=ExactSum)
    denominator: int = 0
    tickets: int = 0
    microseconds: bool = False  # the numerator sums working time in microseconds
    histogram: Histogram | None = None  # for percentiles
    q: float | None = None
    unfinished: Unfinished = field(default_factory=Unfinished)  # of a mean or percentile of working time

    def merge(self, other: ObjectiveTally) -> None:
        self.numerator.merge(other.numerator)
        self.denominator += other.denominator
        self.tickets += other.tickets
        self.microseconds |= other.microseconds
        self.unfinished.merge(other.unfinished)
        if other.histogram is not None:
            if self.histogram is None:
                self.histogram, self.q = Histogram(cuts=other.histogram.cuts), other.q
            self.histogram.merge(other.histogram)

    def value(self) -> float | None:
        found = self.estimate()
        return None if found is None else found.value

    def estimate(self) -> Estimate | None:
        """The value, and whether it is exact (only a percentile's may not be)."""
        if not self.denominator:
            return None
        if self.histogram is not None and self.q is not None:
            return self.histogram.quantile(self.q / 100)
        if self.unfinished.never:
            return Estimate(math.inf, True)
        return Estimate(self._mean(), True, bool(self.unfinished.open))

    def meets(self, least: float | None, most: float | None) -> bool | None:
        """Whether the value lies within [least, most], decided exactly (None without data): a rate or mean as a
        fraction against the threshold as written, a percentile by counting the values below the threshold."""
        if not self.denominator:
            return None
        if self.histogram is not None and self.q is not None:
            q, histogram = self.q / 100, self.histogram
            low = None if least is None else histogram.quantile_below(q, micro(least))
            high = None if most is None else histogram.quantile_below(q, micro(most) + 1)
            if (least is not None and low is None) or (most is not None and high is None):
                raise ValueError(f"a percentile histogram cut at {histogram.cuts} cannot decide the thresholds "
                                 f"{least} and {most}; it must be cut at them")
            return low is not True and high is not False
        if self.unfinished.never:  # an infinite mean: above any `max`, at or above any `min`
            return most is None
        total = self.numerator.whole + self.numerator.fraction
        if self.microseconds:
            total /= 1_000_000
        value = total / self.denominator
        return (least is None or value >= written(least)) and (most is None or value <= written(most))

    def _mean(self) -> float:
        total = self.numerator.whole + self.numerator.fraction
        if self.microseconds:
            total /= 1_000_000
        return round(float(total / self.denominator), 6)


def written(threshold: float) -> Fraction:
    """A threshold as the policy wrote it (98 % is 49/50, not the float just below it)."""
    return Fraction(f"{threshold:.12g}")


def percentile_cuts(objective: Objective) -> tuple[int, ...]:
    """Where a percentile objective's histogram is split (whole microseconds) so that its verdict is exact:
    below `min` fails it, above `max` (from one microsecond past it) fails it."""
    found = set()
    if objective.min is not None:
        found.add(micro(objective.min))
    if objective.max is not None:
        found.add(micro(objective.max) + 1)
    return tuple(sorted(found))

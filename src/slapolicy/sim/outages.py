"""Synthetic services, outages and announced maintenance for a policy with availability measures, in the
JSONL subject format `generate` writes: same seed, same bytes.

A generated fleet reads like a provider that mostly keeps its agreement: each service (its term starting
in the first two months, some ending before the span does, so first and last periods are partial) has a
few short interruptions a month, some under a minute and some overlapping (counted once), now and then
one of hours and, rarely, one of days, which puts its month in every credit band; announced maintenance
windows, mostly announced in time, hold a planned interruption. The figures are the manual's
(docs/generate.md, "Outages").
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from ..policy.model import Policy
from ..policy.owed import Availability, OfFee

SHORT_PER_MONTH = 1.5  # interruptions of 20 s to 20 min per service and month, on average
OVERLAPPING = 0.1  # a short interruption that a second record overlaps
HOURS_LONG = 0.08  # a month with an interruption of 1-12 hours
DAYS_LONG = 0.02  # a month with one of 1-3 days
MAINTENANCE_PER_MONTH = 0.3  # announced maintenance windows of 2 h per service and month
IN_TIME = 0.8  # a window announced at least the notice period before it
FEES = (50, 99.9, 300, 1280.5, 4000)  # a service's fee, whatever number attribute a credit takes its share of
ENDED = 0.3
RARER = 0.1  # the rate of a second measure's interruptions (across zones) to the first's  # a service whose term ends inside the span
DAY = 86400.0


def outages(policy: Policy, rng: random.Random, services: int, start: dt.date, days: int) -> Iterator[dict[str, Any]]:
    """`services` services of each measure's service subject (its customers and per values), then their outages and
    maintenance, in creation order."""
    tz = policy.tz
    origin = dt.datetime(start.year, start.month, start.day, tzinfo=tz).timestamp()
    end = origin + days * DAY
    fees = {_fee(a) for c in policy.credits for a in (c.credit, *(b.credit for b in c.bands), *(s.credit for s in c.lateness))}
    fees |= {_fee(limit.max) for limit in policy.credit_limits}
    fees.discard(None)
    written: set[str] = set()
    records: list[tuple[float, str, dict[str, Any]]] = []
    for measure in policy.availability:
        if measure.services is None or measure.services.subject in written:
            continue
        written.add(measure.services.subject)
        for n in range(1, services + 1):
            key = {p: f"{p}-{n:03d}" if p != "customer" else f"customer-{(n - 1) // 3 + 1:02d}" for p in measure.per}
            first = origin + rng.randrange(0, min(days, 60)) * DAY
            last = first + rng.randrange(30, days + 1) * DAY if days > 30 and rng.random() < ENDED else None
            if last is not None and last > end:
                last = None
            attrs: dict[str, Any] = {**key, **{f: rng.choice(FEES) for f in sorted(f for f in fees if f)}}
            if measure.services.term is not None:
                attrs[measure.services.term[0]] = _date(first, tz)
                if last is not None:
                    attrs[measure.services.term[1]] = _date(last - DAY, tz)
            records.append((first, f"{measure.services.subject}-{n:04d}", _subject(measure.services.subject, attrs, first, tz)))
            same = [o for o in policy.availability if o.services is not None and o.services.subject == measure.services.subject and o.per == measure.per]
            for i, other in enumerate(same):  # a second measure of the same services (across zones) is down more rarely
                records += _down(policy, other, rng, key, first, last if last is not None else end, tz, 1.0 if i == 0 else RARER)
    records.sort(key=lambda r: (r[0], r[1]))
    for number, (_, prefix, doc) in enumerate(records, 1):
        yield {"id": f"{prefix.split('-')[0][:3].upper()}-{number:06d}", **doc}


def _fee(amount: object) -> str | None:
    return amount.fee if isinstance(amount, OfFee) else None


def _date(t: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(t, tz).date().isoformat()


def _subject(kind: str, attrs: dict[str, Any], at: float, tz: dt.tzinfo, *later: tuple[float, str]) -> dict[str, Any]:
    events = [{"at": _iso(at, tz), "type": "created"}, *({"at": _iso(t, tz), "type": e} for t, e in later)]
    return {"kind": kind, "attributes": attrs, "events": events}


def _iso(t: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(t, tz).isoformat(timespec="seconds")


def _down(policy: Policy, measure: Availability, rng: random.Random, key: dict[str, str], first: float, last: float,
          tz: dt.tzinfo, rate: float) -> list[tuple[float, str, dict[str, Any]]]:
    """One service's interruptions of a measure (and its maintenance windows), month by month of its term."""
    metric = policy.metrics[measure.downtime]
    stop = metric.stop[0]
    kind = metric.subject
    out: list[tuple[float, str, dict[str, Any]]] = []

    def down(at: float, seconds: float) -> None:
        if at + seconds < last:
            out.append((at, kind, _subject(kind, dict(key), at, tz, (at + seconds, stop))))

    month = first
    while month < last:
        span = min(30 * DAY, last - month)
        for _ in range(_count(rng, SHORT_PER_MONTH * rate)):
            at = month + rng.uniform(0, span)
            seconds = rng.uniform(20, 1200)
            down(at, seconds)
            if rng.random() < OVERLAPPING:
                down(at + seconds * rng.uniform(0.2, 0.8), rng.uniform(60, 900))
        if rng.random() < HOURS_LONG * rate:
            down(month + rng.uniform(0, span), rng.uniform(3600, 12 * 3600))
        if rng.random() < DAYS_LONG * rate:
            down(month + rng.uniform(0, span), rng.uniform(DAY, 3 * DAY))
        if measure.maintenance is not None and rate == 1.0:
            for _ in range(_count(rng, MAINTENANCE_PER_MONTH)):
                out += _window(measure, rng, key, month + rng.uniform(2 * DAY, span), tz, down)
        month += 30 * DAY
    return out


def _window(measure: Availability, rng: random.Random, key: dict[str, str], at: float, tz: dt.tzinfo,
            down: Any) -> list[tuple[float, str, dict[str, Any]]]:
    """An announced window of 2 h (announced in time, or late), with a planned interruption inside it."""
    assert measure.maintenance is not None
    notice = measure.maintenance.notice.seconds
    announced = at - (notice * rng.uniform(1.0, 3.0) if rng.random() < IN_TIME else notice * rng.uniform(0.0, 0.9))
    first, last = measure.maintenance.window
    attrs = {**key, first: _iso(at, tz), last: _iso(at + 7200, tz)}
    down(at + 600, rng.uniform(600, 5400))
    return [(announced, measure.maintenance.subject, _subject(measure.maintenance.subject, attrs, announced, tz))]


def _count(rng: random.Random, mean: float) -> int:
    """A small count with this mean (a sum of coin flips)."""
    return sum(rng.random() < mean / 4 for _ in range(4))

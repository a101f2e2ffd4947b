"""A credit's availability bands cover the availability below its top band once each: bands that
overlap would owe two credits for one month, and a gap between them owes nothing where the
agreement meant something (write a band with `credit: 0` where nothing is owed). The steps that
count a short interruption go from the shortest up (an earlier, longer step would hide a later
one), and a credit's lateness starts with at most one `first` span and ends with its `each` or
`each_started` span (nothing can follow "each further hour").

Passes::

    bands:
      - {at_least: 99%, below: 99.975%, credit: 10% of monthly_fee}
      - {at_least: 95%, below: 99%, credit: 25% of monthly_fee}
      - {below: 95%, credit: 100% of monthly_fee}
    lateness:
      - {first: 3h, credit: 10% of monthly_fee}
      - {each_started: 1h, credit: 5% of monthly_fee}

Fails::

    bands:
      - {at_least: 99%, below: 99.975%, credit: 10% of monthly_fee}
      - {below: 95%, credit: 100% of monthly_fee}     # SLA508: 95 % up to 99 % owes nothing
    short_outages:
      - {under: 2m, counts: 2m}
      - {under: 1m, counts: 0s}                        # SLA508: never applies after the 2m step
    lateness:
      - {each_started: 30m, credit: 5% of monthly_fee}
      - {first: 3h, credit: 10% of monthly_fee}        # SLA508: nothing follows each started 30m
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ...i18n import N_, Message
from ...policy.model import Policy
from ...policy.owed import Band, Credit
from .base import Problem

CODE = "SLA508"

_ONE = Decimal(1)


def check(policy: Policy) -> Iterator[Problem]:
    for credit in policy.credits:
        yield from _bands(credit)
        yield from _lateness(credit)
    for a in policy.availability:
        for before, after in zip(a.short_outages, a.short_outages[1:]):
            if after.under.seconds <= before.under.seconds:
                yield Problem(after.path + ("under",), Message(N_("an interruption under {under} is already counted by the step "
                                                                  "before (under {before}); list the steps from the shortest up"),
                                                               under=after.under, before=before.under))


def _span(band: Band) -> tuple[Decimal, Decimal]:
    return (band.at_least.fraction if band.at_least else Decimal(0), band.below.fraction if band.below else _ONE)


def _bands(credit: Credit) -> Iterator[Problem]:
    spans = sorted(((_span(b), b) for b in credit.bands), key=lambda found: found[0])
    for ((low, high), band) in spans:
        if low >= high:
            yield Problem(band.path, Message(N_("the band from {low} below {high} holds no availability; write the lower end in "
                                                "`at_least` and the upper one in `below`"), low=_pct(low), high=_pct(high)))
    for ((_, high), _), ((low, _), after) in zip(spans, spans[1:]):
        if low < high:
            yield Problem(after.path, Message(N_("the bands below {high} and from {low} overlap: availability between {low} and "
                                                 "{high} would earn both credits; let one end where the other starts"),
                                              low=_pct(low), high=_pct(high)))
        elif low > high:
            yield Problem(after.path, Message(N_("availability from {high} below {low} falls in no band and earns nothing; start "
                                                 "this band at {high}, or write {band} where nothing is owed"),
                                              low=_pct(low), high=_pct(high),
                                              band=f"{{at_least: {_pct(high)}, below: {_pct(low)}, credit: 0}}"))
    if spans and spans[0][0][0] > 0:
        low = spans[0][0][0]
        yield Problem(spans[0][1].path, Message(N_("availability below {low} falls in no band and earns nothing; leave out "
                                                   "`at_least` in the lowest band"), low=_pct(low)))


def _lateness(credit: Credit) -> Iterator[Problem]:
    for i, step in enumerate(credit.lateness):
        last = i == len(credit.lateness) - 1
        if step.kind == "first" and i > 0:
            yield Problem(step.path, Message(N_("a `first` span is the start of the lateness; list it first, once")))
        elif step.kind != "first" and not last:
            yield Problem(credit.lateness[i + 1].path, Message(N_("nothing follows `{step}`, which counts the rest of the "
                                                                  "lateness; end the list with it"), step=f"{step.kind}: {step.span}"))


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%"

"""The ledger of a replayed history: every amount owed, in one list with its direction: the fines staff
pay (penalties, `payer`) and the credits customers are owed (`payee`), with the credit limits applied.

Credits come from two places: a late clock earns one on its subject (`slapolicy.sim.owed`), and a service
whose availability in a period falls in a band earns one per service and period (`availability`). The
limits of each version then apply, in the order the policy lists them, over the credits they name that
one group (the values of their `per` attributes, else the payee) is owed in one of their periods:

- `pay: highest` keeps the highest credit of the group (the first listed of equal ones) and pays the
  others nothing;
- `max` caps the group's sum: an amount, or a share of the greatest fee among the group's credits
  (`100% of monthly_fee`, rounded down to the hundredth, so that a rounding never passes it); the credits are paid in time order until the cap is reached, the one that
  reaches it in part, the later ones nothing.

Every credit keeps what it was owed and says which limits cut it; a credit or a limit that cannot be
computed (a fee no subject gives) is listed, not dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from ..policy.model import CENT, Policy, hundredths
from ..policy.owed import Amount, Band, CreditLimit, OfFee
from ..sim.owed import fee_of
from .availability import Measured, measure
from .periods import period_key
from .report import NOBODY, Report

FINE, CREDIT = "fine", "credit"
NO_PAYEE = "(no payee)"  # a credit whose subject names no customer


class Entry(NamedTuple):
    """One line of the ledger: a fine (paid by `party`) or a credit (owed to `party`)."""

    direction: str
    at: float
    party: str
    subject: str
    kind: str
    line: int
    rule: str  # the penalty or credit
    clauses: tuple[str, ...]
    owed: Decimal  # before the credit limits
    amount: Decimal  # paid
    factor: float  # a fine's multiplier (1 for a credit)
    reason: str
    limited_by: tuple[str, ...] = ()  # the credit limits that cut it


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)
    totals: dict[tuple[str, str, str], tuple[Decimal, int]] = field(default_factory=dict)  # (period, direction, party)
    not_computed: list[str] = field(default_factory=list)  # credits and limits a fee was missing for
    measured: list[Measured] = field(default_factory=list)  # the availability the credits rest on


@dataclass
class _Owed:
    """A credit while the limits are applied."""

    entry: Entry
    version: str
    attributes: Mapping[str, Any]
    order: int


def settle(report: Report, versions: Sequence[Policy]) -> Ledger:
    """Fines and credits, the limits applied, with totals per report period, direction and party."""
    ledger = Ledger()
    if not versions:
        return ledger
    tz = versions[-1].tz
    by_version = {p.version: p for p in versions}
    owed: list[_Owed] = []
    for c in report.credits:
        entry = Entry(CREDIT, c.at, c.payee or NO_PAYEE, c.subject, c.kind, c.line, c.credit, c.clauses, c.amount, c.amount, 1.0,
                      c.reason)
        owed.append(_Owed(entry, c.version, c.attributes, len(owed)))
    if any(p.availability for p in versions):
        ledger.measured = measure(report.outages, versions, tz, report.now())
        for row in ledger.measured:
            owed += _by_availability(row, by_version[row.version], len(owed), ledger.not_computed)
    for policy in versions:
        for limit in policy.credit_limits:
            _limit(limit, [o for o in owed if o.version == policy.version and o.entry.rule in limit.credits], tz,
                   ledger.not_computed)
    fines = [Entry(FINE, c.at, c.payer or NOBODY, c.subject, c.kind, c.line, c.penalty, c.clauses, c.amount, c.amount, c.factor,
                   c.reason) for c in report.charges]
    ledger.entries = sorted([*fines, *(o.entry for o in owed)], key=lambda e: (e.at, e.line, e.rule))
    for e in ledger.entries:
        key = (period_key(dt.datetime.fromtimestamp(e.at, tz), report.period), e.direction, e.party)
        total, count = ledger.totals.get(key, (Decimal(0), 0))
        ledger.totals[key] = (total + e.amount, count + 1)
    return ledger


def _by_availability(row: Measured, policy: Policy, order: int, not_computed: list[str]) -> list[_Owed]:
    """The credits a service's availability in a period earns: the band it falls in, of each credit on its measure."""
    found: list[_Owed] = []
    attrs = {**(row.service.attributes if row.service is not None else {}), **row.labels}
    what = f"{' / '.join(row.key)} in {row.period}"
    for credit in policy.credits:
        if credit.availability != row.measure.id:
            continue
        band = next((b for b in credit.bands if _holds(b, row.availability)), None)
        if band is None:
            continue
        amount = amount_of(band.credit, [attrs])
        if amount is None:
            not_computed.append(f"credit {credit.id} for {what} could not be computed: no number '{_fee(band.credit)}' "
                                "(give the service's subject the fee)")
            continue
        payee = attrs.get(credit.payee)
        service = row.service
        reason = f"{row.measure.id} availability {percent(row.availability)}{' so far' if row.open else ''} in {row.period}: {_band(band)}"
        entry = Entry(CREDIT, row.start, NO_PAYEE if payee in (None, "") else str(payee),
                      service.subject if service is not None else " / ".join(row.key), _kind(policy, row), service.line if service else 0,
                      credit.id, credit.clauses, amount, amount, 1.0, reason)
        found.append(_Owed(entry, row.version, attrs, order + len(found)))
    return found


def _kind(policy: Policy, row: Measured) -> str:
    services = row.measure.services
    return services.subject if services is not None else policy.metrics[row.measure.downtime].subject


def _holds(band: Band, availability: Fraction) -> bool:
    low = Fraction(band.at_least.fraction) if band.at_least is not None else Fraction(0)
    high = Fraction(band.below.fraction) if band.below is not None else None
    return low <= availability and (high is None or availability < high)


def _band(band: Band) -> str:
    parts = [f"≥ {band.at_least}" if band.at_least else "", f"< {band.below}" if band.below else ""]
    return f"{' and '.join(p for p in parts if p) or 'any'} earns {band.credit}"


def _fee(amount: Amount) -> str:
    return amount.fee if isinstance(amount, OfFee) else ""


def amount_of(amount: Amount, attributes: Sequence[Mapping[str, Any]], cap: bool = False) -> Decimal | None:
    """Money as it is; a share of the greatest fee the subjects give (None when none gives it), to the hundredth: a
    credit half to even, a cap down (25 % of 99.90 is at most 24.97: "no more than" is never passed by a rounding)."""
    if not isinstance(amount, OfFee):
        return amount
    fees = [f for attrs in attributes if (f := fee_of(attrs, amount.fee)) is not None]
    if not fees:
        return None
    exact = amount.share.fraction * max(fees)
    return exact.quantize(CENT, ROUND_DOWN) if cap else hundredths(exact)


def _limit(limit: CreditLimit, owed: list[_Owed], tz: dt.tzinfo, not_computed: list[str]) -> None:
    groups: dict[tuple[Any, ...], list[_Owed]] = {}
    for o in owed:
        who = tuple(o.attributes.get(p) for p in limit.per) if limit.per else (o.entry.party,)
        groups.setdefault((*who, period_key(dt.datetime.fromtimestamp(o.entry.at, tz), limit.period)), []).append(o)
    for key, group in groups.items():
        if limit.highest:
            best = max(group, key=lambda o: (o.entry.amount, -limit.credits.index(o.entry.rule), -o.order))
            for o in group:
                if o is not best and o.entry.amount:
                    _cut(o, Decimal(0), limit)
        if limit.max is not None:
            cap = amount_of(limit.max, [o.attributes for o in group], cap=True)
            if cap is None:
                not_computed.append(f"credit limit {limit.id} for {' / '.join(map(str, key))} could not be applied: no number "
                                    f"'{_fee(limit.max)}'")
                continue
            left = cap
            for o in sorted(group, key=lambda o: (o.entry.at, o.order)):
                paid = min(o.entry.amount, left)
                if paid < o.entry.amount:
                    _cut(o, paid, limit)
                left -= paid


def _cut(o: _Owed, amount: Decimal, limit: CreditLimit) -> None:
    o.entry = o.entry._replace(amount=amount, limited_by=(*o.entry.limited_by, limit.id))


def percent(value: Fraction) -> str:
    """An availability as a percentage, cut (not rounded) to 4 decimals: never more than was measured."""
    cut = Fraction(int(value * 1_000_000), 1_000_000) * 100
    return f"{Decimal(cut.numerator) / Decimal(cut.denominator):.4f}%"

"""What a policy test case expects of what is owed: the ledger's totals per period and party (fines by their
payer, credits to their payee), its credits after the limits, a subject's credits, and each service's
availability per period. Only the fields an expectation lists are compared, money as exact decimals, an
availability to the digits the case writes (the rest cut off, as outputs cut it), a downtime as a duration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..calendar.durations import DurationError, parse_duration
from ..kpi.availability import Measured
from ..kpi.ledger import CREDIT, FINE, Entry, Ledger
from ..kpi.periods import period_key
from ..policy.build_owed import AmountError, parse_share
from ..policy.model import Policy
from ..sim.outcome import CreditOwed, money

Instant = Callable[[str, Any, Any], bool]  # whether an expected value of a field is the actual one (instants as instants)


def same_money(written: Any, amount: Decimal) -> bool:
    """An expected amount as the case writes it (12.35, a YAML float) against the exact amount: compared as decimals."""
    return not isinstance(written, bool) and isinstance(written, (int, float)) and Decimal(str(written)) == amount


def expect_ledger(wants: Iterable[Mapping[str, Any]], ledger: Ledger, checks: set[str]) -> list[str]:
    """Per period and party: the total, and the number of charges (fines) or credits."""
    failures = []
    for want in wants:
        direction, party = (FINE, want["payer"]) if "payer" in want else (CREDIT, want["payee"])
        totals = [v for (period, d, p), v in ledger.totals.items()
                  if d == direction and p == party and ("period" not in want or period == want["period"])]
        label = f"ledger {'payer' if direction == FINE else 'payee'} {party}" + (f" ({want['period']})" if "period" in want else "")
        checks |= {c for e in ledger.entries if e.direction == direction and e.party == party for c in e.clauses}
        if not totals:
            parties = ", ".join(sorted({p for (_, d, p) in ledger.totals if d == direction})) or "none"
            failures.append(f"{label}: expected {'charges' if direction == FINE else 'credits'}, actual none (listed: {parties})")
            continue
        amount = sum((v[0] for v in totals), Decimal(0))
        count = sum(v[1] for v in totals)
        if "amount" in want and not same_money(want["amount"], amount):
            failures.append(f"{label}.amount: expected {want['amount']}, actual {money(amount)}")
        counted = "charges" if direction == FINE else "credits"
        if counted in want and count != want[counted]:
            failures.append(f"{label}.{counted}: expected {want[counted]}, actual {count}")
    return failures


def expect_settled(wants: Iterable[Mapping[str, Any]], ledger: Ledger, policies: Sequence[Policy], tz: dt.tzinfo,
                   checks: set[str]) -> list[str]:
    """A history's credits as the ledger pays them: owed, paid after the limits, and the limits that cut them."""
    credits = [e for e in ledger.entries if e.direction == CREDIT]
    limits = {limit.id: limit.clauses for p in policies for limit in p.credit_limits}
    failures = []
    for want in wants:
        matched = [e for e in credits if _entry_matches(want, e, tz)]
        checks |= {c for e in matched for c in (*e.clauses, *(c for name in e.limited_by for c in limits.get(name, ())))}
        if not matched:
            listed = "; ".join(f"{e.rule} {money(e.owed)} → {money(e.amount)} to {e.party} in {_period(e.at, tz)}"
                               for e in credits) or "none"
            failures.append(f"credit {_describe(want)}: expected; in the ledger: {listed}")
    return failures


def _entry_matches(want: Mapping[str, Any], e: Entry, tz: dt.tzinfo) -> bool:
    return (want["credit"] == e.rule and ("payee" not in want or want["payee"] == e.party)
            and ("period" not in want or str(want["period"]) == _period(e.at, tz))
            and ("owed" not in want or same_money(want["owed"], e.owed))
            and ("amount" not in want or same_money(want["amount"], e.amount))
            and ("limited_by" not in want or list(want["limited_by"]) == list(e.limited_by)))


def _period(at: float, tz: dt.tzinfo) -> str:
    return period_key(dt.datetime.fromtimestamp(at, tz), "month")


def expect_credits(wants: Iterable[Mapping[str, Any]], owed: Sequence[CreditOwed], same: Instant, checks: set[str]) -> list[str]:
    """The credits a subject earns its customer (before the ledger's limits)."""
    failures = []
    for want in wants:
        matched = [c for c in owed if want["credit"] == c.credit.id and ("payee" not in want or want["payee"] == c.payee)
                   and ("amount" not in want or same_money(want["amount"], c.amount))
                   and ("at" not in want or same("at", want["at"], c.at))]
        checks |= {c for o in matched for c in o.credit.clauses}
        if not matched:
            listed = "; ".join(f"{c.credit.id} {money(c.amount)} to {c.payee} ({c.reason})" for c in owed) or "none"
            failures.append(f"credit {_describe(want)}: expected; earned: {listed}")
    return failures


def expect_availability(wants: Iterable[Mapping[str, Any]], measured: Sequence[Measured], checks: set[str]) -> list[str]:
    """Each service's availability in a period: as a share cut to the digits written, its downtime as counted, its
    interruptions, whether it is so far."""
    failures = []
    for want in wants:
        service = {k: str(v) for k, v in (want.get("service") or {}).items()}
        rows = [r for r in measured if r.measure.id == want["measure"] and ("period" not in want or r.period == str(want["period"]))
                and all(r.labels.get(k) == v for k, v in service.items())]
        label = f"availability {want['measure']}" + "".join(f" {v}" for v in service.values()) + (f" ({want['period']})" if "period" in want else "")
        if not rows:
            found = "; ".join(f"{' / '.join(r.key)} {r.period}" for r in measured if r.measure.id == want["measure"]) or "none"
            failures.append(f"{label}: expected a measured period, actual none (measured: {found})")
            continue
        row = rows[0]
        checks |= {*row.measure.clauses, *(c for s in row.measure.short_outages for c in s.clauses),
                   *(row.measure.maintenance.clauses if row.measure.maintenance is not None else ())}
        failures += [f"{label}.{problem}" for problem in _compare(want, row)]
    return failures


def _compare(want: Mapping[str, Any], row: Measured) -> list[str]:
    problems = []
    if "availability" in want:
        try:
            written = parse_share(str(want["availability"])).fraction
        except AmountError as exc:
            return [f"availability: {exc}"]
        exponent = written.as_tuple().exponent
        scale = 10 ** max(-exponent if isinstance(exponent, int) else 0, 0)
        cut = Fraction(int(row.availability * scale), scale)
        if cut != Fraction(written):
            shown = Decimal(cut.numerator) / Decimal(cut.denominator) * 100
            problems.append(f"availability: expected {want['availability']}, actual {shown.normalize():f}% (cut to the digits written)")
    for key, have in (("downtime", row.downtime), ("total", row.total)):
        if key in want:
            try:
                expected = parse_duration(str(want[key]))
            except DurationError as exc:
                problems.append(f"{key}: {exc}")
                continue
            if expected.kind != "seconds" or expected.seconds != have:
                problems.append(f"{key}: expected {want[key]}, actual {have:g}s")
    for key, value in (("interruptions", row.interruptions), ("so_far", row.open)):
        if key in want and want[key] != value:
            problems.append(f"{key}: expected {want[key]}, actual {value}")
    return problems


def _describe(e: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in e.items())

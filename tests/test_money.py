"""Money is exact: amounts are decimals from the policy to the ledger, multiplied exactly and rounded
to the hundredth half to even once, and written as the exact numbers they are (never through a float)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from slapolicy.output.encode import dumps
from slapolicy.sim.outcome import SubjectOutcome, money
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy

AS_OF = dt.datetime(2025, 12, 31, tzinfo=dt.UTC).timestamp()
POLICY = """\
policy: money
version: "1.0"
effective_from: 2025-01-01
timezone: Asia/Shanghai
currency: CNY
calendars: {always: 24x7}
severities: {P1: {name: urgent}}
roles: {lead: team lead}
attributes:
  vip: {type: boolean, default: false}
metrics:
  first_response: {start: created, stop: responded}
targets:
  - {first_response: 1h}
penalties:
  - {id: late, breach: first_response, amount: AMOUNT, payer: [{role: lead}], multipliers: [{factor: FACTOR, when: {vip: true}}]}
"""


def _charge(tmp_path: Path, amount: str, factor: str) -> SubjectOutcome:
    path = tmp_path / "money.yaml"
    path.write_text(POLICY.replace("AMOUNT", amount).replace("FACTOR", factor), encoding="utf-8")
    ticket = {"id": "T-1", "attributes": {"severity": "P1", "vip": True},
              "events": [{"at": "2025-03-03T09:00:00+08:00", "type": "created"}, {"at": "2025-03-03T11:00:00+08:00", "type": "responded"}]}
    (outcome,) = simulate(PolicySet.of([open_policy(path)]), [RawItem(ticket, 1)], "python", AS_OF)
    assert isinstance(outcome, SubjectOutcome)
    return outcome


def test_a_multiplied_amount_is_rounded_half_to_even_on_the_exact_product(tmp_path: Path) -> None:
    """1.15 × 1.1 is 1.265 exactly: half to even gives 1.26 (in binary floating point the product is
    1.2650000000000001 and was rounded up to 1.27)."""
    (charge,) = _charge(tmp_path, "1.15", "1.1").charges
    assert charge.amount == Decimal("1.26")


def test_money_is_written_as_people_write_it() -> None:
    assert [money(Decimal(a)) for a in ("50.00", "12.50", "0.10", "100")] == [50, Decimal("12.5"), Decimal("0.1"), 100]
    assert dumps([money(Decimal("12.50")), money(Decimal("50.00"))]) == b"[12.5,50]"

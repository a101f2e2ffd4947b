"""What a provider owes its customers, as typed, frozen objects: availability measured from outages
(`Availability`), the service credits that fall due on it or on a late clock (`Credit`), and the limits
on what one customer is credited (`CreditLimit`). `build_owed` makes them from a schema-valid document.

Shares and money are exact decimals: 99.975 % is 0.99975, not the binary fraction next to it. Each
object keeps its JSON path: the document locates it when an output names its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..calendar.durations import Duration
from .conditions import Condition
from .loader import JsonPath


@dataclass(frozen=True)
class Share:
    """A share as written, `99.975%`: exactly `fraction` (0.99975)."""

    fraction: Decimal

    def __str__(self) -> str:
        return f"{(self.fraction * 100).normalize():f}%"


@dataclass(frozen=True)
class OfFee:
    """A share of a fee the subject carries, as agreements write it: `10% of monthly_fee`."""

    share: Share
    fee: str  # the number attribute that holds the fee

    def __str__(self) -> str:
        return f"{self.share} of {self.fee}"


Amount = OfFee | Decimal  # a share of a fee, or an amount of money in the policy's currency


@dataclass(frozen=True)
class ShortOutage:
    """An interruption shorter than `under` counts as `counts` long (0s: not at all)."""

    under: Duration
    counts: Duration
    path: JsonPath
    clauses: tuple[str, ...] = ()
    choice: str | None = None


@dataclass(frozen=True)
class Maintenance:
    """Announced maintenance: the subjects of kind `subject` whose creation is the announcement and whose two
    datetime attributes `window` give the window; downtime inside a window announced at least `notice` before it
    starts does not count."""

    subject: str
    window: tuple[str, str]
    notice: Duration
    path: JsonPath
    clauses: tuple[str, ...] = ()
    choice: str | None = None


@dataclass(frozen=True)
class Services:
    """The subjects of kind `subject` are the services measured, one per customer and `per` values: their life
    (created … the end of their life) or the days of their two date attributes `term` (first and last, inclusive)
    bound the periods."""

    subject: str
    term: tuple[str, str] | None
    path: JsonPath


@dataclass(frozen=True)
class Availability:
    """The share of each calendar period a service was available: 1 − downtime / the period's time, per the
    values of `per`. Each clock of the `downtime` metric (a metric of the outage subjects) is an interruption;
    overlapping ones count once."""

    id: str
    downtime: str
    per: tuple[str, ...]
    period: str
    services: Services | None
    maintenance: Maintenance | None
    short_outages: tuple[ShortOutage, ...]
    round_up: Duration | None  # each counted interruption rounded up to a whole number of these
    path: JsonPath
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Band:
    """Availability at least `at_least` (None: any) and below `below` (None: up to 100 %) earns `credit`."""

    at_least: Share | None
    below: Share | None
    credit: Amount
    path: JsonPath


@dataclass(frozen=True)
class LatenessStep:
    """A part of the lateness and what it earns: the `first` span at all (a lump sum), `each_started` span of the
    rest (every part of one counts whole), or `each` whole span of the rest."""

    kind: str  # first | each_started | each
    span: Duration
    credit: Amount
    path: JsonPath


@dataclass(frozen=True)
class Credit:
    """What a customer (`payee`: the attribute naming them) is credited: by availability `bands` per service and
    period, or per breached clock of `breach`, a flat `credit` or by its `lateness`. A share of a fee is of that
    attribute of the service (or of the subject whose clock was late)."""

    id: str
    when: Condition
    availability: str | None
    bands: tuple[Band, ...]
    breach: str | None
    credit: Amount | None
    lateness: tuple[LatenessStep, ...]
    payee: str
    path: JsonPath
    subject: str = "ticket"
    clauses: tuple[str, ...] = ()
    choice: str | None = None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class CreditLimit:
    """Over the `credits` owed to one group (the values of `per`) in one `period`: only the highest is paid
    (`highest`), and their sum is at most `max` (an amount, or a share of the greatest fee among them)."""

    id: str
    credits: tuple[str, ...]
    per: tuple[str, ...]
    period: str
    highest: bool
    max: Amount | None
    path: JsonPath
    clauses: tuple[str, ...] = ()
    choice: str | None = None

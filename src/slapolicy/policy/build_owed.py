"""Availability measures, service credits and credit limits read from a schema-valid document: shares and
amounts as exact decimals (`99.975%`, `10% of monthly_fee`, `50`), durations as clock time; each value
the schema cannot judge becomes a diagnostic at its place (through the builder `build` passes in)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from ..calendar.durations import Duration
from ..i18n import N_, Message
from .conditions import Condition
from .loader import JsonPath
from .model import clauses_of as _clauses
from .model import hundredths
from .owed import Amount, Availability, Band, Credit, CreditLimit, LatenessStep, Maintenance, OfFee, Services, Share, ShortOutage

_SHARE = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,12})?)\s*%")
_OF_FEE = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,12})?)\s*%\s+of\s+([A-Za-z][A-Za-z0-9_-]*)")
HUNDRED = Decimal(100)


class Builder(Protocol):
    def fail(self, path: JsonPath, message: str, code: str = "SLA104") -> None: ...

    def duration(self, value: Any, path: JsonPath) -> Duration | None: ...

    def condition(self, value: Any, path: JsonPath) -> Condition: ...


class AmountError(ValueError):
    """A share or an amount that cannot be read, with how to write it."""


def parse_share(text: str) -> Share:
    """`99.975%` exactly (0.99975); at most 100 %."""
    found = _SHARE.fullmatch(text.strip())
    if found is None:
        raise AmountError(Message(N_("'{text}' is not a share; write a percentage such as 99.975%"), text=text))
    value = Decimal(found[1])
    if value > HUNDRED:
        raise AmountError(Message(N_("'{text}' is more than 100 {percent}"), text=text, percent="%"))
    return Share(value / HUNDRED)


def parse_amount(value: Any) -> Amount:
    """An amount of money (a number: 50, 12.5; exact to the hundredth) or a share of a fee the subject carries,
    as agreements write it: `10% of monthly_fee` (a share may exceed 100 % of a fee: `200% of monthly_fee`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(str(value))
        if not amount.is_finite() or amount < 0:
            raise AmountError(Message(N_("{value} is not an amount; write a number of at least 0, such as 50 or 12.5"), value=value))
        return hundredths(amount)
    text = str(value).strip()
    found = _OF_FEE.fullmatch(text)
    if found is not None:
        return OfFee(Share(Decimal(found[1]) / HUNDRED), found[2])
    if _SHARE.fullmatch(text):
        raise AmountError(Message(N_("'{text}' is a share of nothing; say of which fee the subject carries: '{text} of monthly_fee'"),
                                  text=text))
    raise AmountError(Message(N_("'{text}' is not an amount; write a number (50) or a share of a fee ('10{percent} of monthly_fee')"),
                              text=text, percent="%"))


class OwedBuilder:
    """The parts of a policy that say what a provider owes, built with `build`'s builder."""

    def __init__(self, b: Builder, data: Mapping[str, Any]) -> None:
        self.b = b
        self.metrics: Mapping[str, Any] = data.get("metrics") or {}
        self.measures = {a["id"]: a for a in data.get("availability") or []}

    def share(self, value: Any, path: JsonPath) -> Share | None:
        try:
            return parse_share(str(value))
        except AmountError as exc:
            self.b.fail(path, exc.args[0])  # a Message
            return None

    def amount(self, value: Any, path: JsonPath) -> Amount:
        try:
            return parse_amount(value)
        except AmountError as exc:
            self.b.fail(path, exc.args[0])
            return Decimal(0)

    def clock_time(self, value: Any, path: JsonPath, what: str) -> Duration | None:
        """A duration in hours, minutes and seconds (30s, 2m, 48h): interruptions and notices are clock time,
        lateness the working time of the late clock's calendar; days that end at midnight are neither."""
        found = self.b.duration(value, path)
        if found is not None and found.kind != "seconds":
            self.b.fail(path, Message(N_("{what} is hours and minutes, such as 2m or 48h, not '{found}'"), what=Message(what), found=str(found)))
            return None
        return found

    def availability(self, a: Mapping[str, Any], path: JsonPath) -> Availability:
        services = None
        if "services" in a:
            s = a["services"]
            services = Services(s["subject"], tuple(s["term"]) if "term" in s else None, path + ("services",))
        maintenance = None
        if "maintenance" in a:
            m, where = a["maintenance"], path + ("maintenance",)
            notice = self.clock_time(m["notice"], where + ("notice",), N_("a notice period"))
            maintenance = Maintenance(m["subject"], tuple(m["window"]), notice or Duration("seconds", 0, "0s"),
                                      where, _clauses(m), m.get("choice"))
        short = []
        for i, s in enumerate(a.get("short_outages") or []):
            where = path + ("short_outages", i)
            under = self.clock_time(s["under"], where + ("under",), N_("an interruption's length"))
            counts = self.clock_time(s["counts"], where + ("counts",), N_("what an interruption counts as"))
            if under is not None and counts is not None:
                short.append(ShortOutage(under, counts, where, _clauses(s), s.get("choice")))
        round_up = self.clock_time(a["round_up"], path + ("round_up",), N_("a rounding step")) if "round_up" in a else None
        if round_up is not None and round_up.seconds == 0:
            self.b.fail(path + ("round_up",), Message(N_("interruptions are rounded up to a whole number of a step longer than 0s, such as 1m")))
            round_up = None
        return Availability(a["id"], a["downtime"], tuple(a["per"]), a.get("period", "month"), services, maintenance,
                            tuple(short), round_up, path, _clauses(a), a.get("choice"))

    def credit(self, c: Mapping[str, Any], path: JsonPath) -> Credit:
        for key, needs, why in (("availability", "bands", N_("the bands of availability and what each earns")),
                                ("bands", "availability", N_("the availability measure the bands are of")),
                                ("lateness", "breach", N_("the metric whose breaches are late"))):
            if key in c and needs not in c:
                self.b.fail(path, Message(N_("credit {credit} with `{key}` needs `{needs}`: {why}"), credit=c["id"], key=key, needs=needs,
                                          why=Message(why)), "SLA102")
        if "availability" not in c and "breach" not in c:
            self.b.fail(path, Message(N_("credit {credit} is owed by `availability` (with `bands`) or per `breach` of a metric; give one "
                                         "of them"), credit=c["id"]), "SLA102")
        bands = []
        for i, band in enumerate(c.get("bands") or []):
            where = path + ("bands", i)
            low = self.share(band["at_least"], where + ("at_least",)) if "at_least" in band else None
            high = self.share(band["below"], where + ("below",)) if "below" in band else None
            bands.append(Band(low, high, self.amount(band["credit"], where + ("credit",)), where))
        steps = []
        for i, step in enumerate(c.get("lateness") or []):
            where = path + ("lateness", i)
            kinds = [k for k in ("first", "each_started", "each") if k in step]
            if len(kinds) != 1:
                self.b.fail(where, Message(N_("a step of lateness is one of `first`, `each_started` or `each`, with its `credit`{has}"),
                                           has=Message(N_("; this one has {kinds}"), kinds=" and ".join(kinds)) if kinds else ""), "SLA102")
                continue
            kind = kinds[0]
            span, credit = self.clock_time(step[kind], where + (kind,), N_("a span of lateness")), self.amount(step["credit"], where + ("credit",))
            if span is not None and span.seconds == 0:
                self.b.fail(where + (kind,), Message(N_("a span of lateness is longer than 0s, such as 30m")))
            elif span is not None:
                steps.append(LatenessStep(kind, span, credit, where))
        breach = c.get("breach")
        measure = self.measures.get(str(c.get("availability")))
        metric = self.metrics.get(str(breach if breach is not None else measure["downtime"] if measure else ""))
        subject = metric.get("subject", "ticket") if isinstance(metric, Mapping) else "ticket"
        if measure is not None and isinstance(measure.get("services"), Mapping) and breach is None:
            subject = measure["services"]["subject"]  # a credit by availability is owed per service
        return Credit(c["id"], self.b.condition(c.get("when"), path + ("when",)), c.get("availability"), tuple(bands), breach,
                      self.amount(c["credit"], path + ("credit",)) if "credit" in c else None, tuple(steps), c["payee"], path,
                      subject, _clauses(c), c.get("choice"))

    def limit(self, c: Mapping[str, Any], path: JsonPath) -> CreditLimit:
        if "pay" not in c and "max" not in c:
            self.b.fail(path, Message(N_("credit limit {limit} says `pay: highest` (of these credits, only the highest), `max` (at most "
                                         "this much), or both"), limit=c["id"]), "SLA102")
        return CreditLimit(c["id"], tuple(c["credits"]), tuple(c.get("per") or ()), c.get("period", "month"),
                           c.get("pay") == "highest", self.amount(c["max"], path + ("max",)) if "max" in c else None, path,
                           _clauses(c), c.get("choice"))


def build_owed(b: Builder, data: Mapping[str, Any]) -> tuple[tuple[Availability, ...], tuple[Credit, ...], tuple[CreditLimit, ...]]:
    """The policy's availability measures, credits and credit limits."""
    owed = OwedBuilder(b, data)
    return (tuple(owed.availability(a, ("availability", i)) for i, a in enumerate(data.get("availability") or [])),
            tuple(owed.credit(c, ("credits", i)) for i, c in enumerate(data.get("credits") or [])),
            tuple(owed.limit(c, ("credit_limits", i)) for i, c in enumerate(data.get("credit_limits") or [])))

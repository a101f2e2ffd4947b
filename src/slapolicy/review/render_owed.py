"""What a provider owes, as the document people read: the availability measures (how downtime is
counted), the service credits (bands, lateness steps, flat amounts, to whom) and the limits on them,
each row with its clause or choice. `render` places these sections after the penalties.
"""

from __future__ import annotations

from decimal import Decimal

from ..policy.conditions import All
from ..policy.owed import Amount, Availability, Band, Credit, CreditLimit, LatenessStep, OfFee
from .sections import Section, Table
from .sections import Writer as _Writer
from .words import PERIODS

# key -> (zh, en): the words of these sections
OWED_WORDS: dict[str, tuple[str, str]] = {
    "availability": ("服务可用性", "Service availability"), "downtime": ("不可用时长", "Downtime"),
    "per": ("按", "Per"), "counting": ("计算规则", "How downtime counts"),
    "credits": ("服务补偿", "Service credits"), "payee": ("补偿对象", "Paid to"),
    "credit_limits": ("补偿上限", "Limits on credits"), "limit": ("限制", "Limit"),
    "availability_of": ("{} 在每{}内的可用性", "availability of {} in each {}"),
    "formula": ("可用性 =（周期时长 − 不可用时长）÷ 周期时长；重叠的中断只计一次",
                "availability = (the period's time − downtime) ÷ the period's time; overlapping interruptions count once"),
    "term": ("周期按服务期（{} 至 {}）截取", "periods cut to the term ({} to {})"),
    "life": ("周期按服务存续期截取", "periods cut to the service's life"),
    "maintenance": ("提前至少 {notice} 通知的 {what}，其窗口内的不可用时长不计",
                    "downtime inside a window of {what} announced at least {notice} before it does not count"),
    "short": ("短于 {under} 的中断：{counts}", "an interruption shorter than {under}: {counts}"),
    "not_counted": ("不计", "not counted"), "counted_as": ("按 {} 计", "counted as {}"),
    "round_up": ("每次中断向上取整至 {} 的整数倍", "each interruption rounded up to whole {}"),
    "band": ("可用性 {}：{}", "availability {}: {}"), "any": ("任何", "any"),
    "breach": ("{} 超时", "a breach of {}"), "first": ("超时的最初 {}：{}", "the first {} late: {}"),
    "each_started": ("每满或不满 {}：{}", "each started {}: {}"), "each": ("每满 {}：{}", "each whole {}: {}"),
    "then": ("此后", "after that, "),
    "highest": ("只补偿其中最高的一项", "only the highest is paid"), "max": ("合计不超过 {}", "at most {} in all"),
    "of_fee": ("{fee} 的 {share}", "{share} of {fee}"),
    "group": ("按 {} 每{}", "per {} each {}"),
}
_UNITS = {"day": ("日", "day"), "week": ("周", "week"), "month": ("月", "month"), "quarter": ("季度", "quarter"), "year": ("年", "year")}


def owed_sections(w: _Writer) -> tuple[Section, ...]:
    """The availability, credits and credit-limit sections the policy has (none without them)."""
    return tuple(s for s in (_availability(w), _credits(w), _limits(w)) if s.tables)


def _w(w: _Writer, key: str) -> str:
    return OWED_WORDS[key][w.en]


def _period(w: _Writer, period: str) -> str:
    return _UNITS[period][w.en]


def _availability(w: _Writer) -> Section:
    rows, bases = [], []
    for a in w.p.availability:
        per = ", ".join(w.field(name) for name in a.per)
        rows.append((w.entry(a.path, a.id), w.metric(a.downtime), per, PERIODS[a.period][w.en], _joined(w, _counting(w, a))))
        bases.append(w.basis(w.label("availability", a.id), a.path, a.clauses, a.choice))
    table = Table("", (w.w("id"), _w(w, "downtime"), _w(w, "per"), w.w("period"), _w(w, "counting")), tuple(rows), tuple(bases))
    return Section("availability", _w(w, "availability"), (table,) if rows else ())


def _counting(w: _Writer, a: Availability) -> list[str]:
    lines = [_w(w, "formula")]
    if a.services is not None:
        term = a.services.term
        lines.append(_w(w, "term").format(*(w.field(t) for t in term)) if term else _w(w, "life"))
    if a.maintenance is not None:
        what = w.named(w.p.subjects.get(a.maintenance.subject), a.maintenance.subject)
        lines.append(_w(w, "maintenance").format(notice=w.duration(a.maintenance.notice), what=what))
    for s in a.short_outages:
        counts = _w(w, "not_counted") if s.counts.seconds == 0 else _w(w, "counted_as").format(w.duration(s.counts))
        lines.append(_w(w, "short").format(under=w.duration(s.under), counts=counts))
    if a.round_up is not None:
        lines.append(_w(w, "round_up").format(w.duration(a.round_up)))
    return lines


def _credits(w: _Writer) -> Section:
    rows, bases = [], []
    for c in w.p.credits:
        if c.availability is not None:
            measure = next((a for a in w.p.availability if a.id == c.availability), None)
            period = _period(w, measure.period) if measure is not None else ""
            occurs = _w(w, "availability_of").format(w.entry(measure.path, c.availability) if measure else w.code(c.availability), period)
        else:
            occurs = _w(w, "breach").format(w.metric(c.breach or ""))
        if c.when != All(()):
            occurs += w.w("when_only").format(w.condition(c.when))
        rows.append((w.entry(c.path, c.id), occurs, _joined(w, _earns(w, c)), w.field(c.payee)))
        bases.append(w.basis(w.label("credit", c.id), c.path, c.clauses, c.choice))
    table = Table("", (w.w("id"), w.w("occurs"), w.w("amount"), _w(w, "payee")), tuple(rows), tuple(bases))
    return Section("credits", _w(w, "credits"), (table,) if rows else ())


def _earns(w: _Writer, c: Credit) -> list[str]:
    if c.bands:
        return [_w(w, "band").format(_range(w, b), _amount(w, b.credit)) for b in c.bands]
    if c.lateness:
        return [(_w(w, "then") if i and s.kind != "first" else "") + _step(w, s) for i, s in enumerate(c.lateness)]
    return [_amount(w, c.credit)] if c.credit is not None else []


def _range(w: _Writer, band: Band) -> str:
    parts = [f"≥ {band.at_least}" if band.at_least else "", f"< {band.below}" if band.below else ""]
    return w.w("and").join(p for p in parts if p) or _w(w, "any")


def _step(w: _Writer, s: LatenessStep) -> str:
    return _w(w, s.kind).format(w.duration(s.span), _amount(w, s.credit))


def _amount(w: _Writer, amount: Amount) -> str:
    if isinstance(amount, OfFee):
        return _w(w, "of_fee").format(share=amount.share, fee=w.field(amount.fee))
    return f"{_money(amount)} {w.p.currency or ''}".strip()


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _limits(w: _Writer) -> Section:
    rows, bases = [], []
    for limit in w.p.credit_limits:
        rules = [_w(w, "highest")] if limit.highest else []
        if limit.max is not None:
            rules.append(_w(w, "max").format(_amount(w, limit.max)))
        named = {c.id: w.entry(c.path, c.id) for c in w.p.credits}
        rows.append((w.entry(limit.path, limit.id), ", ".join(named.get(c, c) for c in limit.credits), _group(w, limit),
                     _joined(w, rules)))
        bases.append(w.basis(w.label("credit_limit", limit.id), limit.path, limit.clauses, limit.choice))
    table = Table("", (w.w("id"), _w(w, "credits"), _w(w, "per"), _w(w, "limit")), tuple(rows), tuple(bases))
    return Section("credit_limits", _w(w, "credit_limits"), (table,) if rows else ())


def _group(w: _Writer, limit: CreditLimit) -> str:
    who = ", ".join(w.field(p) for p in limit.per) if limit.per else _w(w, "payee")
    return _w(w, "group").format(who, _period(w, limit.period))


def _joined(w: _Writer, parts: list[str]) -> str:
    return ("; " if w.en else "；").join(parts)

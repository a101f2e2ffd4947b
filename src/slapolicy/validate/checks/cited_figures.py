"""A figure that cites a clause is the clause's figure. The register gives each clause's figures
in its own words (`figures:` — durations, rates, counts, amounts, periods, each with the metric
or measure it concerns where that is clear); a target, objective threshold or period, coverage
window, duty period, penalty amount, multiplier or correlation count and window that cites the
clause must be one of the figures the clause gives for it.

Where the clause gives no figure of that kind for it, the figure is the company's: the rule
says so (`choice:`). A figure with a choice of its own (a target value's or window's
`choice`, an `every` metric's `choice`) is the company's, whatever the clause says; the choice
of a whole rule does not overrule a figure its clause gives (it may be about something else,
such as the period). Durations compare by length (`6h` is `6 working hours`: the calendar is
the target's own matter); rates, counts and amounts exactly.

Applies to policies that name the clause registers they implement.

Passes::

    targets:
      - {id: p2, clause: R-000-05, when: {severity: P2}, first_response: 30m, resolution: 4h}

Fails::

    targets:
      - {id: p2, clause: R-000-05, when: {severity: P2}, resolution: 3h}
        # SLA705 R-000-05 says 4小时内处理 (4h) for resolution; this rule says 3h
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...calendar.durations import DurationError, parse_duration
from ...i18n import N_, Message, alternatives, listing
from ...policy.loader import JsonPath
from ...policy.model import Policy, TargetValue
from ...policy.register import Clause, Figure, Value, figure_value
from .base import Problem, implemented_clauses

CODE = "SLA705"

_KIND_WORDS = {"duration": N_("duration"), "rate": N_("rate"), "count": N_("number"), "amount": N_("amount"), "period": N_("period")}
_NOUNS = {noun: noun for noun in (N_("rule"), N_("metric"), N_("objective"), N_("penalty"), N_("multiplier"), N_("correlation"))}


@dataclass(frozen=True)
class _Cited:
    """A figure of the policy that cites clauses: its kind, value, what it concerns and whose choice it may be."""

    path: JsonPath
    kind: str
    value: Value
    text: str
    clauses: tuple[str, ...]
    metric: str | None = None
    measure: str | None = None
    own_choice: bool = False  # the figure says it is the company's
    rule_choice: bool = False  # the rule says something is the company's
    noun: str = "rule"
    window: bool = False  # a coverage window: one the clauses do not give at all is SLA704's


def check(policy: Policy) -> Iterator[Problem]:
    known = implemented_clauses(policy)
    if known is None:
        return
    for cited in _figures(policy):
        clauses = [known[c] for c in cited.clauses if c in known]
        if clauses and not cited.own_choice:
            yield from _judge(cited, clauses)


def _judge(cited: _Cited, clauses: list[Clause]) -> Iterator[Problem]:
    given = [(c, f) for c in clauses for f in c.figures if f.kind == cited.kind]
    relevant = [(c, f) for c, f in given if f.metric in (None, cited.metric) and f.measure in (None, cited.measure)]
    if relevant:
        if cited.value not in {f.value for _, f in relevant}:
            yield Problem(cited.path, Message(N_("{says}; this {noun} says {text}"), says=_says(relevant), noun=Message(_NOUNS[cited.noun]),
                                              text=cited.text))
        return
    if not cited.rule_choice and not cited.window:
        kind = Message(_KIND_WORDS[cited.kind])
        ids = ", ".join(c.id for c in clauses)
        gives = Message(N_("{says}, not for this"), says=_says(given)) if given else \
            Message(N_("{clauses} gives no {kind}") if len(clauses) == 1 else N_("{clauses} give no {kind}"), clauses=ids, kind=kind)
        yield Problem(cited.path, Message(N_("{gives}; the {kind} {text} is the company's: say why ({fix})"), gives=gives, kind=kind,
                                          text=cited.text, fix='choice: "…"'))


def _says(figures: list[tuple[Clause, Figure]]) -> str:
    by_clause: dict[str, list[Figure]] = {}
    for clause, figure in figures:
        by_clause.setdefault(clause.id, []).append(figure)
    return listing([Message(N_("{clause} says {figures}"), clause=cid,
                            figures=alternatives([Message("{words} ({text}){what}", words=f.words, text=f.text, what=_for(f)) for f in found]))
                    for cid, found in by_clause.items()], "; ")


def _for(figure: Figure) -> str:
    return Message(N_(" for {what}"), what=figure.metric or figure.measure) if figure.metric or figure.measure else ""


def _figures(policy: Policy) -> Iterator[_Cited]:
    """Every figure of the policy that cites a clause."""
    for rule in policy.targets:
        for value in rule.values.values():
            if value.duration is not None:  # a time agreed with the subject alone is no written figure
                yield _duration(value, value.clauses or rule.clauses, value.metric, None, rule.choice is not None)
    for metric in policy.metrics.values():
        if metric.every:
            yield _Cited(metric.path + ("every",), "period", metric.every, metric.every, metric.clauses, metric.id,
                         own_choice=metric.choice is not None, noun="metric")
    for o in policy.objectives:
        raw = _raw(policy, o.path)
        for bound in ("min", "max"):
            if bound in raw:
                kind, threshold = _threshold(raw[bound])
                yield _Cited(o.path + (bound,), kind, threshold, str(raw[bound]), o.clauses, o.metric, o.measure,
                             rule_choice=o.choice is not None, noun="objective")
        if "period" in raw:
            yield _Cited(o.path + ("period",), "period", o.period, o.period, o.clauses, o.metric, o.measure,
                         rule_choice=o.choice is not None, noun="objective")
        if o.within is not None:
            yield dataclasses.replace(_duration(o.within, o.clauses, None, "coverage", o.choice is not None),
                                      noun="objective", window=True)
    for pen in policy.penalties:
        amount = pen.amount
        yield _Cited(pen.path + ("amount",), "amount", amount.normalize(), f"{amount:f}", pen.clauses,
                     rule_choice=pen.choice is not None, noun="penalty")
        for m in pen.multipliers:
            factor = Decimal(str(m.factor)).normalize()
            yield _Cited(m.path + ("factor",), "count", factor, f"×{factor:f}", m.clauses or pen.clauses,
                         rule_choice=(m.choice or pen.choice) is not None, noun="multiplier")
    for c in policy.correlations:
        if c.count is not None:
            yield _Cited(c.path + ("count",), "count", Decimal(c.count), str(c.count), c.clauses, rule_choice=c.choice is not None,
                         noun="correlation")
        if c.within is not None:
            yield _Cited(c.path + ("within",), "duration", (c.within.kind, c.within.amount), c.within.text, c.clauses,
                         rule_choice=c.choice is not None, noun="correlation")


def _duration(value: TargetValue, clauses: tuple[str, ...], metric: str | None, measure: str | None, rule_choice: bool) -> _Cited:
    d = value.duration
    assert d is not None
    return _Cited(value.path, "duration", (d.kind, d.amount), d.text, clauses, metric, measure,
                  own_choice=value.choice is not None, rule_choice=rule_choice)


def _threshold(written: Any) -> tuple[str, Value]:
    """An objective's bound as written: a rate (98%), a duration (4h) or a number (80)."""
    if isinstance(written, (int, float)):
        return "count", Decimal(str(written)).normalize()
    text = str(written).strip()
    if text.endswith("%"):
        return "rate", figure_value("rate", text)
    try:
        d = parse_duration(text)
    except DurationError:
        return "count", text  # the model reported it
    return "duration", (d.kind, d.amount)


def _raw(policy: Policy, path: JsonPath) -> Mapping[str, Any]:
    data: Any = policy.document.data
    for part in path:
        data = data[part]
    return data if isinstance(data, Mapping) else {}

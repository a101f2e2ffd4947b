"""Property-based tests of the parsers and lookups issue 20 adds: date periods (`12-13` to `01-11`
every year, or dates of one year) against a day-by-day oracle, the search for a day two spans
share, a lookup table's settlement of a derived attribute against its definition, and the
completeness check (SLA510) against the cells a matrix leaves out."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from slapolicy.calendar.periods import DaySpan, PeriodError, parse_day, parse_span, shared_day
from slapolicy.policy.derived import Lookup
from slapolicy.policy.model import Source
from slapolicy.sim.derive import _settle

days = st.dates(dt.date(2000, 1, 1), dt.date(2060, 12, 31))
month_days = st.dates(dt.date(2023, 1, 1), dt.date(2023, 12, 31)).map(lambda d: (d.month, d.day))  # no 02-29


def spans() -> st.SearchStrategy[DaySpan]:
    dated = st.tuples(days, st.integers(0, 500)).map(lambda p: parse_span(p[0].isoformat(), (p[0] + dt.timedelta(days=p[1])).isoformat()))
    yearly = st.tuples(month_days, month_days).map(lambda p: parse_span(f"{p[0][0]:02d}-{p[0][1]:02d}", f"{p[1][0]:02d}-{p[1][1]:02d}"))
    return st.one_of(dated, yearly)


def oracle(span: DaySpan, day: dt.date) -> bool:
    """Whether a span holds a day, by walking its days in the day's year and the year before (a span of every
    year that crosses the new year starts in the year before)."""
    if not span.yearly:
        assert isinstance(span.first, dt.date) and isinstance(span.last, dt.date)
        return any(span.first + dt.timedelta(days=k) == day for k in range((span.last - span.first).days + 1))
    assert isinstance(span.first, tuple) and isinstance(span.last, tuple)
    for year in (day.year - 1, day.year):
        first = dt.date(year, *span.first)
        last = dt.date(year + (span.last < span.first), *span.last)
        if first <= day <= last:
            return True
    return False


@given(days)
def test_a_date_reads_back_as_itself(day: dt.date) -> None:
    assert parse_day(day.isoformat()) == day


@given(month_days)
def test_a_day_of_every_year_reads_back_as_its_month_and_day(md: tuple[int, int]) -> None:
    assert parse_day(f"{md[0]:02d}-{md[1]:02d}") == md


@given(st.text(max_size=12))
def test_any_text_is_a_day_or_a_period_error(text: str) -> None:
    try:
        parse_day(text)
    except PeriodError as exc:
        assert str(exc)


@settings(max_examples=300)
@given(spans(), days)
def test_a_span_holds_exactly_the_days_the_oracle_walks(span: DaySpan, day: dt.date) -> None:
    assert span.holds(day) == oracle(span, day)


@settings(max_examples=200)
@given(spans(), spans())
def test_a_shared_day_is_held_by_both_spans_and_none_means_none(a: DaySpan, b: DaySpan) -> None:
    found = shared_day(a, b)
    window = [dt.date(2021, 1, 1) + dt.timedelta(days=k) for k in range(366 * 4)]  # 2021-2024: a leap year and others
    both = [d for d in window if a.holds(d) and b.holds(d)]
    if found is None:  # no day at all: none in the window either
        assert both == []
    elif found.endswith("every year"):
        month, day = map(int, found.split()[0].split("-"))
        assert any((d.month, d.day) == (month, day) for d in both)
    else:
        day = dt.date.fromisoformat(found)
        assert a.holds(day) and b.holds(day)


values = st.sampled_from(["P1", "P2", "P3"])


@given(values, values, st.one_of(st.none(), values), st.sampled_from(["finding", "precedence"]))
def test_a_lookup_settles_an_attribute_as_its_given_rule_says(cell: str, other: str, given_value: str | None, mode: str) -> None:
    table = Lookup("severity", "impact", None, {("HIGH",): cell, ("LOW",): other}, None, ("lookups", "severity"),
                   Source("p.yaml", 1, 1), mode)
    attrs: dict[str, object] = {"impact": "HIGH", **({"severity": given_value} if given_value is not None else {})}
    found = table.cell(attrs)
    assert found == (("HIGH",), cell)
    d = _settle(attrs, "severity", table, cell, (("impact", "HIGH"),), 0.0)
    expected = cell if given_value is None or mode == "finding" else given_value
    assert d.value == expected == attrs["severity"]
    assert d.differs == (given_value is not None and given_value != cell)


names = st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), min_size=1, max_size=4, unique=True)


@settings(max_examples=60, deadline=None)
@given(names, names.map(lambda v: [x.lower() for x in v]), st.data())
def test_the_completeness_check_names_exactly_the_missing_cells(rows: list[str], columns: list[str], data: st.DataObject) -> None:
    """SLA510 on any matrix with any cells left out: silent when none is missing, else one message naming
    each missing rows × columns combination (all of them up to 8, then how many more)."""
    import itertools

    import yaml

    from slapolicy.policy.build import build_policy
    from slapolicy.policy.loader import load_text
    from slapolicy.validate.checks import lookup_cells

    combos = list(itertools.product(rows, columns))
    kept = data.draw(st.sets(st.sampled_from(combos)) if combos else st.just(set()))
    cells: dict[str, dict[str, str]] = {}
    for r, c in sorted(kept):
        cells.setdefault(r, {})[c] = "P1"
    doc = {"policy": "m", "version": "1", "effective_from": "2025-01-01", "timezone": "UTC",
           "severities": {"P1": {"name": "one"}},
           "attributes": {"urgency": {"values": rows}, "impact": {"values": columns}},
           "lookups": {"severity": {"rows": "urgency", "columns": "impact", "cells": cells, "choice": "a test matrix"}},
           "metrics": {"response": {"start": "created", "stop": "responded"}}, "targets": [{"response": "1h", "choice": "a test"}]}
    document, problems = load_text(yaml.safe_dump(doc), "m.yaml")
    policy, errors = build_policy(document)
    assert policy is not None and not problems and not errors
    messages = [p.message for p in lookup_cells.check(policy)]
    missing = [f"{r} × {c}" for r, c in combos if (r, c) not in kept]
    if not missing:
        assert messages == []
        return
    (message,) = messages
    named = message.removeprefix("the severity table has no cell for ").partition(": add them")[0]
    shown = missing[:8]
    assert named == ", ".join(shown) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")

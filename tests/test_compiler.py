"""The compiled ruleset is pure data (golden), and both engine backends give the same
decisions as the reference evaluator on random policies and tickets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, pretty_json
from slapolicy.policy.build import build_policy
from slapolicy.policy.conditions import evaluate
from slapolicy.policy.loader import load_text
from slapolicy.rules.compiler import BUDGET, ConditionTooLarge, compile_policy, operators
from slapolicy.rules.engine import EngineError, durable_available, get_backend, refusal
from slapolicy.validate.repository import open_policy

FIELDS = {"severity": ["P1", "P2", "P3"], "tier": ["basic", "gold"], "channel": ["hotline", "email", "chat"], "score": [1, 5, 9]}


def test_compiled_ruleset_golden(golden: Callable[[Path, str], None]) -> None:
    compiled = compile_policy(open_policy(ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml"))
    golden(ROOT / "tests" / "golden" / "compiled_minimal.json", pretty_json(compiled.to_json()))


def test_compiled_ruleset_avoids_durable_pitfalls() -> None:
    compiled = compile_policy(open_policy(ROOT / "policies" / "after-sales" / "2025.1.yaml"))
    text = json.dumps(compiled.rules)
    assert '"id"' not in text and '"sid"' not in text and "$not" not in text and "$in" not in text
    assert all(rule["run"] == name for name, rule in compiled.rules.items())


def test_unknown_engine_is_an_error() -> None:
    with pytest.raises(EngineError, match="unknown engine 'drools'"):
        get_backend("drools")


def comparisons() -> st.SearchStrategy[dict[str, Any]]:
    def one(field: str) -> st.SearchStrategy[dict[str, Any]]:
        values = st.sampled_from(FIELDS[field])
        return st.one_of(
            values.map(lambda v: {field: v}),
            st.lists(values, min_size=1, max_size=2).map(lambda vs: {field: vs}),
            st.tuples(st.sampled_from(["eq", "ne"]), values).map(lambda p: {field: {p[0]: p[1]}}),
            st.tuples(st.sampled_from(["in", "not_in"]), st.lists(values, max_size=2)).map(lambda p: {field: {p[0]: p[1]}}),
            st.booleans().map(lambda b: {field: {"exists": b}}),
            *(
                [st.tuples(st.sampled_from(["lt", "le", "gt", "ge"]), values).map(lambda p: {field: {p[0]: p[1]}})]
                if field == "score" else
                [st.sampled_from(["P.*", "h.*", "g[a-z]+", "x"]).map(lambda r: {field: {"matches": r}})]
            ),
        )

    return st.sampled_from(sorted(FIELDS)).flatmap(one)


conditions = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, max_size=3).map(lambda xs: {"any": xs}),
        st.lists(inner, max_size=2).map(lambda xs: {"none": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=6,
)
tickets = st.fixed_dictionaries({}, optional={f: st.sampled_from(v) for f, v in FIELDS.items()})


def policy_with(whens: list[dict[str, Any]]) -> Any:
    targets = "\n".join(f"  - {{when: {json.dumps(w)}, first_response: {i + 1}m}}" for i, w in enumerate(whens))
    text = f"""policy: random
version: "1"
effective_from: 2025-01-01
timezone: UTC
calendars: {{always: 24x7}}
severities: {{P1: {{name: a}}, P2: {{name: b}}, P3: {{name: c}}}}
tiers: {{basic: {{name: basic}}, gold: {{name: gold}}}}
attributes: {{channel: {{values: [hotline, email, chat]}}, score: {{type: number}}}}
metrics: {{first_response: {{start: created, stop: responded}}}}
targets:
{targets}
"""
    doc, problems = load_text(text, "random.yaml")
    assert problems == []
    policy, problems = build_policy(doc)
    assert policy is not None, problems
    return policy


BACKENDS = [get_backend("python")] + ([get_backend("durable")] if durable_available() else [])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=1, max_size=4), st.lists(tickets, min_size=1, max_size=6))
def test_backends_agree_with_the_reference_evaluator(whens: list[dict[str, Any]], attrs_list: list[dict[str, Any]]) -> None:
    policy = policy_with(whens)
    compiled = compile_policy(policy)
    for attrs in attrs_list:
        expected = {f"target:first_response:{r.index}" for r in policy.targets if evaluate(r.when, attrs)}
        fact = compiled.ticket_fact(attrs)
        for backend in BACKENDS:
            fired = {n for n in backend.matches(compiled, fact) if n.startswith("target:")}
            assert fired == expected, (backend.name, whens, attrs)


# the shape durable-rules refused (error 113): an `any` of many alternatives holding negations and lists
alternatives = st.lists(comparisons(), min_size=1, max_size=4).map(lambda xs: {"all": xs})
large_any = st.lists(st.one_of(alternatives, conditions), min_size=1, max_size=16).map(lambda xs: {"any": xs})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(large_any, st.lists(large_any, min_size=2, max_size=2).map(lambda xs: {"all": xs})),
       st.lists(tickets, min_size=1, max_size=6))
def test_large_conditions_compile_into_rules_both_engines_take(when: dict[str, Any], attrs_list: list[dict[str, Any]]) -> None:
    """An `any` of up to 16 alternatives (and an `all` of two) is split into rules of at most BUDGET operators
    that share the action: durable-rules registers them and both engines answer as the reference evaluator."""
    policy = policy_with([when])
    compiled = compile_policy(policy)
    assert all(operators(rule["all"][0]["m"]) <= BUDGET for rule in compiled.rules.values())
    assert refusal(compiled) is None
    for attrs in attrs_list:
        expected = {"target:first_response:0"} if evaluate(policy.targets[0].when, attrs) else set()
        fact = compiled.ticket_fact(attrs)
        for backend in BACKENDS:
            fired = {n for n in backend.matches(compiled, fact) if n.startswith("target:")}
            assert fired == expected, (backend.name, when, attrs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(alternatives, min_size=2, max_size=8).map(lambda xs: {"any": xs}), min_size=2, max_size=3)
       .map(lambda xs: {"none": xs}))
def test_a_condition_too_large_for_the_engine_is_an_error_of_validate(when: dict[str, Any]) -> None:
    """`none` of large `any`s multiplies out (each alternative negated is an `any` of its comparisons): where
    that needs more than MAX_PARTS rules, compiling refuses it and validate says so at the condition."""
    from slapolicy.validate.validation import validate_document

    policy = policy_with([when])
    try:
        compile_policy(policy)
    except ConditionTooLarge as exc:
        assert exc.path == ("targets", 0, "when")
        _, problems = validate_document(policy.document)
        assert [d.json_path for d in problems if d.code == "SLA506"] == ["$.targets[0].when"]


def test_seven_alternatives_with_a_negation_are_two_rules_with_one_action() -> None:
    """The reproduction of issue 19: seven alternatives like {a: x, b: y, severity: {ne: P2}} made durable-rules refuse
    the ruleset (error 113) while validate passed; `simulate` exited 2 naming no rule and `test` printed a traceback."""
    any_of = {"any": [{"channel": c, "score": n, "severity": {"ne": "P2"}} for c in ("hotline", "email", "chat") for n in (1, 5, 9)][:7]}
    policy = policy_with([any_of])
    compiled = compile_policy(policy)
    parts = {name: rule for name, rule in compiled.rules.items() if rule["run"] == "target:first_response:0"}
    assert sorted(parts) == ["target:first_response:0#1", "target:first_response:0#2"]
    assert [operators(rule["all"][0]["m"]) for rule in parts.values()] == [14, 2]
    assert refusal(compiled) is None
    for backend in BACKENDS:
        for attrs, fires in (({"channel": "chat", "score": 1, "severity": "P1"}, True),  # the 7th alternative: part 2
                             ({"channel": "chat", "score": 1, "severity": "P2"}, False),
                             ({"channel": "chat", "score": 5, "severity": "P1"}, False),
                             ({"channel": "hotline", "score": 9}, True)):  # ne holds where severity is missing
            assert ("target:first_response:0" in backend.matches(compiled, compiled.ticket_fact(attrs))) is fires, backend.name


@pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python")
@pytest.mark.parametrize("policy_dir", sorted(p.name for p in (ROOT / "policies").iterdir() if p.is_dir()))
def test_both_engines_give_identical_outcomes(policy_dir: str) -> None:
    """The differential test on whole outcomes: a generated history replayed on each backend."""
    import datetime as dt

    from slapolicy.output.encode import Encoder
    from slapolicy.sim.generate import generate
    from slapolicy.sim.replay import simulate
    from slapolicy.sim.tickets import RawItem
    from slapolicy.validate.repository import open_policy_set

    policies = open_policy_set(ROOT / "policies" / policy_dir)
    items = [RawItem(t, i) for i, t in enumerate(generate(policies.latest, 300, seed=4, start=dt.date(2025, 1, 1)), 1)]
    as_of = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    runs = [[Encoder().outcome(o) for o in simulate(policies, items, name, as_of)] for name in ("python", "durable")]
    assert runs[0] == runs[1]
    assert len(items) >= 300  # the tickets, and for an availability agreement its services, outages and maintenance
    assert sum(r["status"] == "ok" for r in runs[0]) == len(items)


@pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python")
def test_a_generated_year_with_penalties_and_findings_is_the_same_on_both_engines(tmp_path: Path) -> None:
    """Issue 12: a year of tickets, calls and a roster through `report` (correlations, penalties, invariants)."""
    import datetime as dt

    from slapolicy.kpi.report import Aggregator
    from slapolicy.sim.generate import generate, roster
    from slapolicy.sim.replay import Plan, replay
    from slapolicy.sim.roster import Roster, shift_from
    from slapolicy.validate.repository import open_policy_set

    policies = open_policy_set(ROOT / "policies" / "company-service")
    start = dt.date(2025, 1, 1)
    path = tmp_path / "year.jsonl"
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n"
                            for t in generate(policies.latest, 1500, seed=12, start=start, calls=True)), encoding="utf-8")
    on_duty = Roster(shift_from(s, "generated", policies.tz) for s in roster(policies.latest, start, 365))
    as_of = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
    reports = []
    for engine in ("python", "durable"):
        total = Aggregator(policies.tz, "month", ())
        replay(Plan((policies,), as_of, engine, lambda: Aggregator(policies.tz, "month", ()), roster=on_duty),
               str(path), None, total, jobs=1)
        reports.append(total.report)
    python, durable = reports
    assert python.charges == durable.charges
    assert {k: g.findings for k, g in python.groups.items()} == {k: g.findings for k, g in durable.groups.items()}
    assert python.simulated == 3000 and python.rejected == 0
    assert {c.penalty for c in python.charges} == {"unanswered-call", "complaint-found-true"}
    assert sum(g.findings["recurrence"] for g in python.groups.values()) > 0

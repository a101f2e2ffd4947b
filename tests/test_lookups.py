"""Priority from a matrix and conditions on the time of year (issue 20, items 1 and 7), on the desk
fixture after the University of Sussex IT Services' SLA page (tests/fixtures/lookups/desk.yaml):
"A combination of service criticality and impact give the priority", the criticality of a service
depends on "the time of year", targets are "Based on working days Monday to Friday 09:00 - 17:00".
Expected values are read off the page's tables by hand, in each docstring; every test runs on each
rules-engine backend available here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from slapolicy.output.encode import Encoder
from slapolicy.review.testing import run_tests
from slapolicy.rules.engine import durable_available, get_backend
from slapolicy.sim.outcome import ClockStatus, Rejection, SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy

POLICY = FIXTURES / "lookups" / "desk.yaml"
ENGINES = ["python"] + (["durable"] if durable_available() else [])
AS_OF = dt.datetime(2026, 6, 30, tzinfo=dt.UTC).timestamp()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def replay(engine: str, attributes: dict[str, Any], *events: tuple[str, str] | tuple[str, str, dict[str, Any]],
           policy: Path = POLICY) -> SubjectOutcome | Rejection:
    evs = [{"at": e[0], "type": e[1], **({"attributes": e[2]} if len(e) > 2 else {})} for e in events]  # type: ignore[misc]
    (outcome,) = simulate(PolicySet.of([open_policy(policy)]), [RawItem({"id": "D-1", "attributes": attributes, "events": evs}, 1)],
                          engine, AS_OF)
    return outcome


def settled(outcome: SubjectOutcome | Rejection, name: str) -> list[tuple[Any, Any, Any, dict[str, Any]]]:
    assert isinstance(outcome, SubjectOutcome), outcome
    return [(d.value, d.derived, d.given, dict(d.inputs)) for d in outcome.derived if d.attribute == name]


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def test_the_matrix_gives_the_priority_from_criticality_and_impact(engine: str) -> None:
    """Monday 20 October 2025, 10:00 in London (term time): email is High in term time (the desk's table);
    "High Criticality P1 P2 P3" under "High Impact | Medium Impact | Low Impact" gives P2 for a MEDIUM impact,
    and "Priority 2 1 hours" on working days 09:00-17:00 is due at 11:00."""
    o = replay(engine, {"service": "email", "impact": "MEDIUM"}, ("2025-10-20T10:00:00+01:00", "created"),
               ("2025-10-20T10:40:00+01:00", "responded"))
    assert settled(o, "severity") == [("P2", "P2", None, {"criticality": "High", "impact": "MEDIUM"})]
    assert settled(o, "criticality") == [("High", "High", None, {"service": "email", "season": "term_time"})]
    assert isinstance(o, SubjectOutcome)
    (clock,) = o.clocks
    assert (clock.due, clock.status) == (at("2025-10-20T11:00:00+01:00"), ClockStatus.MET)
    assert o.findings == ()


@pytest.mark.parametrize(("created", "season", "severity", "due"), [
    # registration: printing is High; "High Criticality P1" for a HIGH impact; "Priority 1 15 minutes"
    ("2025-09-22T10:00:00+01:00", "registration", "P1", "2025-09-22T10:15:00+01:00"),
    # Christmas vacation: printing is Low; "Low Criticality P3"; "Priority 3 2 hours"
    ("2025-12-15T10:00:00+00:00", "christmas_vacation", "P3", "2025-12-15T12:00:00+00:00"),
    # term time: printing is Medium; "Medium Criticality P2"; "Priority 2 1 hours"
    ("2025-11-10T10:00:00+00:00", "term_time", "P2", "2025-11-10T11:00:00+00:00"),
])
def test_the_time_of_year_changes_the_criticality(engine: str, created: str, season: str, severity: str, due: str) -> None:
    """"some services are more critical at registration than during the Christmas vacation": one printing
    outage with a HIGH impact, raised on a Monday at 10:00 in three seasons."""
    o = replay(engine, {"service": "printing", "impact": "HIGH"}, (created, "created"))
    assert isinstance(o, SubjectOutcome)
    assert o.attributes["season"] == season and o.attributes["severity"] == severity
    assert o.clocks[0].due == at(due)


@pytest.mark.parametrize(("created", "season"), [
    ("2026-01-11T16:00:00+00:00", "christmas_vacation"),  # 01-11 is the period's last day, the new year crossed
    ("2026-01-12T00:30:00+00:00", "term_time"),
    ("2025-12-12T23:30:00-05:00", "christmas_vacation"),  # 13 December, 04:30 in London: the policy's zone decides
    ("2025-12-12T23:30:00+00:00", "term_time"),
])
def test_a_period_of_every_year_crosses_the_new_year_on_the_local_day(engine: str, created: str, season: str) -> None:
    o = replay(engine, {"service": "wifi", "impact": "LOW"}, (created, "created"))
    day = dt.datetime.fromisoformat(created).astimezone(open_policy(POLICY).tz).date().isoformat()
    assert settled(o, "season") == [(season, season, None, {"created": day})]


def test_a_given_priority_that_differs_is_a_finding_and_the_matrix_applies(engine: str) -> None:
    """Email in term time is High; "High Criticality … P3" for a LOW impact: the agent's P1 differs. The
    matrix's P3 applies ("Priority 3 2 hours": due 12:00) and the ticket carries a given_differs finding."""
    o = replay(engine, {"service": "email", "impact": "LOW", "severity": "P1"}, ("2025-10-20T10:00:00+01:00", "created"))
    assert isinstance(o, SubjectOutcome)
    assert settled(o, "severity") == [("P3", "P3", "P1", {"criticality": "High", "impact": "LOW"})]
    assert o.clocks[0].due == at("2025-10-20T12:00:00+01:00")
    assert [(f.code, f.message, f.rule) for f in o.findings] == [
        ("given_differs", "severity 'P1' given, but the severity table (criticality High × impact LOW) gives 'P3': that applies",
         "severity")]


def test_precedence_keeps_the_given_priority(engine: str, tmp_path: Path) -> None:
    """Under `given: precedence` the agent's P1 applies ("Priority 1 15 minutes": 10:15), the matrix's P3 is
    shown beside it, and nothing is a finding."""
    variant = tmp_path / "desk.yaml"
    variant.write_text(POLICY.read_text(encoding="utf-8").replace("    description: priority matrix\n",
                                                                  "    description: priority matrix\n    given: precedence\n"),
                       encoding="utf-8")
    o = replay(engine, {"service": "email", "impact": "LOW", "severity": "P1"}, ("2025-10-20T10:00:00+01:00", "created"),
               policy=variant)
    assert isinstance(o, SubjectOutcome)
    assert settled(o, "severity") == [("P1", "P3", "P1", {"criticality": "High", "impact": "LOW"})]
    assert o.clocks[0].due == at("2025-10-20T10:15:00+01:00")
    assert o.findings == ()


def test_an_update_of_the_impact_derives_the_priority_again(engine: str) -> None:
    """Email in term time, first LOW (P3, "2 hours": 12:00), at 10:30 HIGH ("High Criticality P1": "15 minutes"
    from the clock's original start, 10:15): answered at 10:40, breached at 10:15."""
    o = replay(engine, {"service": "email", "impact": "LOW"}, ("2025-10-20T10:00:00+01:00", "created"),
               ("2025-10-20T10:30:00+01:00", "update", {"impact": "HIGH"}), ("2025-10-20T10:40:00+01:00", "responded"))
    assert settled(o, "severity") == [("P3", "P3", None, {"criticality": "High", "impact": "LOW"}),
                                      ("P1", "P1", None, {"criticality": "High", "impact": "HIGH"})]
    assert isinstance(o, SubjectOutcome)
    (clock,) = o.clocks
    assert (clock.status, clock.breached_at) == (ClockStatus.BREACHED, at("2025-10-20T10:15:00+01:00"))
    assert [str(c.target.duration) if c.target else None for c in clock.changes] == ["2h", "15m"]


def test_without_impact_and_severity_the_ticket_cannot_be_replayed(engine: str) -> None:
    o = replay(engine, {"service": "email"}, ("2025-10-20T10:00:00+01:00", "created"))
    assert isinstance(o, Rejection)
    assert [(r.code, r.message) for r in o.reasons] == [
        ("unknown_severity", "the ticket has no severity, and the table that gives it (criticality × impact) cannot be read: "
                             "no impact; give one of: P1, P2, P3, P4, P5")]


def test_a_condition_reads_the_period(engine: str) -> None:
    """The desk's notice: a P1 in the Christmas vacation goes to the duty manager; wifi is High all year, so a
    HIGH impact is P1 in both seasons, and only the vacation one is told."""
    vacation = replay(engine, {"service": "wifi", "impact": "HIGH"}, ("2025-12-15T10:00:00+00:00", "created"))
    term = replay(engine, {"service": "wifi", "impact": "HIGH"}, ("2025-11-10T10:00:00+00:00", "created"))
    assert isinstance(vacation, SubjectOutcome) and isinstance(term, SubjectOutcome)
    assert [(n.notice.id, n.at) for n in vacation.notices] == [("vacation-p1", at("2025-12-15T10:00:00+00:00"))]
    assert term.notices == ()


def test_the_outcome_shows_each_derived_value_and_its_cell() -> None:
    o = replay("python", {"service": "email", "impact": "LOW", "severity": "P1"}, ("2025-10-20T10:00:00+01:00", "created"))
    doc = Encoder().outcome(o)
    assert doc["derived"][-1] == {
        "attribute": "severity", "value": "P3", "derived": "P3", "given": "P1",
        "from": {"criticality": "High", "impact": "LOW"}, "by": "lookups.severity",
        "rule": f"{POLICY}:{open_policy(POLICY).lookups['severity'].source.line}", "at": "2025-10-20T10:00:00+01:00"}


def test_policy_tests_expect_derived_values() -> None:
    """desk.test.yaml: two cases whose `derived` expectations hold, one that names the wrong cell."""
    run = run_tests([FIXTURES / "lookups"], get_backend("python"))
    assert run.diagnostics == []
    assert [c.outcome for c in run.cases] == ["passed", "passed", "failed"]
    assert run.cases[2].failures == [
        "derived severity (1).value: expected P1, actual P2",
        "derived severity (1).from: expected {'criticality': 'Low', 'impact': 'MEDIUM'}, actual {'criticality': 'High', 'impact': 'MEDIUM'}"]


def test_render_prints_the_matrix_as_a_table_in_both_languages() -> None:
    """The page's matrix as it reads there: criticality down, impact across, the priority in each cell, by the
    severities' names; the periods with their days."""
    from slapolicy.review.render import document

    policy = open_policy(POLICY)
    words = {  # en: attribute names (no description_en); zh: the same, as the descriptions are English (no Chinese label)
        "en": ("Severity by criticality × impact", "criticality / impact", "service / season", "every year 12-13 to 01-11"),
        "zh": ("严重等级：按criticality × impact查表", "criticality / impact", "service / season", "每年 12-13 至 01-11")}
    for lang, (caption, corner, criticality_corner, every_year) in words.items():
        (section,) = [s for s in document(policy, lang).sections if s.anchor == "derived"]
        season, criticality, severity = section.tables
        assert severity.caption == caption
        assert severity.header == (corner, "HIGH", "MEDIUM", "LOW")
        assert severity.rows == (("High", "Priority 1", "Priority 2", "Priority 3"),
                                 ("Medium", "Priority 2", "Priority 3", "Priority 4"),
                                 ("Low", "Priority 3", "Priority 4", "Priority 5"))
        assert season.rows[1] == ("christmas_vacation", every_year)
        assert criticality.header == (criticality_corner, "registration", "christmas_vacation", "term_time")


def test_diff_names_the_changed_cells(tmp_path: Path) -> None:
    newer = tmp_path / "desk-2.yaml"
    newer.write_text(POLICY.read_text(encoding="utf-8").replace('version: "2021.1"', 'version: "2021.2"')
                     .replace("Low: {HIGH: P3, MEDIUM: P4, LOW: P5}", "Low: {HIGH: P3, MEDIUM: P5, LOW: P5}")
                     .replace("christmas_vacation: [{from: 12-13, to: 01-11}]", "christmas_vacation: [{from: 12-16, to: 01-11}]"),
                     encoding="utf-8")
    from slapolicy.review.policydiff import diff_policies

    changes = [(c.section, c.item, c.kind, c.old, c.new) for c in diff_policies(open_policy(POLICY), open_policy(newer)).changes
               if c.section in ("lookups", "periods")]
    assert changes == [("periods", "season christmas_vacation", "changed", "every year 12-13..01-11", "every year 12-16..01-11"),
                       ("lookups", "severity Low × MEDIUM", "changed", "P4", "P5")]


def test_report_groups_by_a_period(run_cli: Any) -> None:
    """Before: `--by season` was refused (a period was no attribute the policy declares). D-1 is created 20 October
    (term time), D-2 on 15 December (the Christmas vacation: 12-13 to 01-11)."""
    result = run_cli("report", str(POLICY.relative_to(FIXTURES.parent.parent)), "tests/fixtures/lookups/tickets.jsonl",
                     "--as-of", "2026-01-31T00:00:00+00:00", "--by", "season", "--format", "json")
    assert result.exit_code == 0, result.output
    groups = [(g["period"], g["season"], g["tickets"]) for g in json.loads(result.stdout)["groups"]]
    assert groups == [("2025-10", "term_time", 1), ("2025-12", "christmas_vacation", 1)]


def test_a_key_another_table_could_not_give_says_why(engine: str) -> None:
    """Before: 'cannot be read: no criticality', not saying that the criticality table has no row for the service
    (fax is none of the desk's email, printing, wifi); 20 October is term time."""
    o = replay(engine, {"service": "fax", "impact": "HIGH"}, ("2025-10-20T10:00:00+01:00", "created"))
    assert isinstance(o, Rejection)
    assert [(r.code, r.message) for r in o.reasons] == [
        ("unknown_severity", "the ticket has no severity, and the table that gives it (criticality × impact) cannot be read: "
                             "no criticality (the criticality table has no cell for service fax, season term_time); give one "
                             "of: P1, P2, P3, P4, P5")]

"""`severities` and `calendars` may be left out (issue 20, item 10): a policy that grades no ticket and
times everything round the clock validates, replays, renders, diffs and generates like any other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import FIXTURES
from slapolicy.review.policydiff import diff_policies
from slapolicy.review.render import document
from slapolicy.sim.generate import generate
from slapolicy.sim.outcome import ClockStatus, Rejection, SubjectOutcome
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem
from slapolicy.validate.repository import PolicySet, open_policy

POLICY = FIXTURES / "optional" / "outages.yaml"
TZ = dt.timezone(dt.timedelta(hours=8))


def test_a_policy_without_severities_or_calendars_validates(run_cli: Callable[..., Result]) -> None:
    result = run_cli("validate", str(POLICY.relative_to(FIXTURES.parent.parent)), "--strict")
    assert result.exit_code == 0, result.output
    policy = open_policy(POLICY)
    assert policy.severities == {} and list(policy.calendars) == ["24x7"]


def test_its_tickets_carry_no_severity_and_one_that_gives_one_is_rejected() -> None:
    """Created Saturday 1 March 2025 22:00, due 4 h later round the clock (no calendar: 24x7), Sunday
    02:00; resolved 01:30, met. A ticket that gives a severity names what the policy does not grade."""
    items = [
        {"id": "O-1", "events": [{"at": "2025-03-01T22:00:00+08:00", "type": "created"},
                                 {"at": "2025-03-02T01:30:00+08:00", "type": "resolved"}]},
        {"id": "O-2", "attributes": {"severity": "P1"}, "events": [{"at": "2025-03-01T22:00:00+08:00", "type": "created"}]},
    ]
    done, rejected = simulate(PolicySet.of([open_policy(POLICY)]), [RawItem(t, n) for n, t in enumerate(items, 1)],
                              "python", dt.datetime(2025, 4, 1, tzinfo=TZ).timestamp())
    assert isinstance(done, SubjectOutcome)
    (clock,) = done.clocks
    assert (clock.status, clock.due, clock.calendar) == (ClockStatus.MET, dt.datetime(2025, 3, 2, 2, tzinfo=TZ).timestamp(), "24x7")
    assert isinstance(rejected, Rejection)
    assert [(r.code, r.message) for r in rejected.reasons] == [
        ("unknown_severity", "severity 'P1' given, but the policy grades no subject by severity (it declares no "
                             "severities); leave it out")]


def test_render_shows_one_column_for_every_ticket_and_no_empty_sections() -> None:
    doc = document(open_policy(POLICY), "en")
    assert [s.anchor for s in doc.sections] == ["targets"]
    targets = doc.sections[0].tables[0]
    assert targets.header == ("Clock", "Every ticket")
    assert targets.rows == (("restore", "4 h (clock time)"),)


def test_diff_compares_the_targets_of_every_ticket(tmp_path: Path) -> None:
    newer = tmp_path / "outages-1.1.yaml"
    newer.write_text(POLICY.read_text(encoding="utf-8").replace('"1.0"', '"1.1"').replace("restore: 4h", "restore: 8h"),
                     encoding="utf-8")
    changes = [(c.section, c.item, c.old, c.new) for c in diff_policies(open_policy(POLICY), open_policy(newer)).changes]
    assert ("targets", "restore for every ticket", "4h around the clock", "8h around the clock") in changes


def test_generate_writes_tickets_without_severity() -> None:
    history = list(generate(open_policy(POLICY), 20, seed=5, start=dt.date(2025, 1, 1)))
    assert history and all("severity" not in t["attributes"] for t in history)


def test_report_refuses_to_group_by_a_severity_the_policy_does_not_grade(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    """Before: `--by severity` grouped every ticket under one empty severity ('severity='), without a word."""
    history = tmp_path / "outages.jsonl"
    history.write_text('{"id": "O-1", "events": [{"at": "2025-03-01T22:00:00+08:00", "type": "created"}]}\n', encoding="utf-8")
    policy = str(POLICY.relative_to(FIXTURES.parent.parent))
    result = run_cli("report", policy, str(history), "--as-of", "2025-04-01T00:00:00+08:00", "--by", "severity")
    assert result.exit_code == 2
    assert result.stderr == ("error: --by 'severity': policy outages declares no such attribute. Group by one it declares: "
                             "tier (--by tier)\n")


def test_a_policy_without_tickets_renders_no_empty_ticket_tables(run_cli: Callable[..., Result]) -> None:
    """Before: a policy that times no ticket (one department's monthly report) rendered a targets table and a
    'how each clock runs' table with a header and no row; its target rule is still listed."""
    duties = FIXTURES / "optional" / "duties.yaml"
    assert run_cli("validate", str(duties.relative_to(FIXTURES.parent.parent)), "--strict").exit_code == 0
    for lang in ("zh", "en"):
        (targets,) = [s for s in document(open_policy(duties), lang).sections if s.anchor == "targets"]
        assert targets.tables == ()
        assert [r.title for r in targets.rules] == ["monthly"]

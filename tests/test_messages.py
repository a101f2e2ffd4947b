"""The messages a quality manager reads, one fixture each: `slapolicy validate` on
tests/fixtures/messages/<case>.yaml prints exactly <case>.expected (regenerate with
pytest --update-golden and review the diff), and a rejected ticket says what is wrong.

Each fixture is tests/fixtures/valid/minimal.yaml with one mistake people make: the
message names the key at fault, says what is wrong and how to write it, once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import FIXTURES
from slapolicy.sim.outcome import Rejection
from slapolicy.sim.replay import simulate
from slapolicy.sim.tickets import RawItem, decode_line
from slapolicy.validate.repository import open_policy_set

CASES = sorted((FIXTURES / "messages").glob("*.yaml"))
MINIMAL = FIXTURES / "valid" / "minimal.yaml"
AS_OF = dt.datetime(2025, 4, 1, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_message(run_cli: Callable[..., Result], case: Path, golden: Callable[[Path, str], None]) -> None:
    result = run_cli("validate", str(case.relative_to(FIXTURES.parent.parent)))
    assert result.exit_code == 1
    golden(case.with_suffix(".expected"), result.output)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_one_root_cause_one_message(case: Path) -> None:
    """Each fixture holds one mistake: one diagnostic, never a cascade."""
    lines = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[-1] == "1 file checked: 1 error, 0 warnings"


def test_every_case_differs_from_the_valid_policy_in_one_place() -> None:
    """The fixtures stay one mistake away from a policy that validates cleanly."""
    base = MINIMAL.read_text(encoding="utf-8").splitlines()
    for case in CASES:
        changed = [line for line in case.read_text(encoding="utf-8").splitlines() if line not in base]
        assert 1 <= len(changed) <= 3, case.name


def test_root_causes_come_first(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    """A misspelt calendar leaves the declared one unused: the misspelling (SLA201, line 22) is the root
    cause and is listed before what follows from it (SLA408, line 7), which file order put first."""
    path = tmp_path / "p.yaml"
    path.write_text(MINIMAL.read_text(encoding="utf-8").replace("calendar: office}}", "calendar: ofice}}"), encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.output.splitlines() == [
        f"{path}:22:45: SLA201 error: unknown calendar 'ofice'; did you mean 'office'? (declared: 24x7, office)",
        f"{path}:7:3: SLA408 warning: calendar 'office' is used by no target, metric or objective: its hours apply nowhere; "
        "use it (calendar: office) or remove it",
        "1 file checked: 1 error, 1 warning",
    ]


def _rejection(line: dict[str, object]) -> Rejection:
    policies = open_policy_set(MINIMAL)
    outcome = decode_line(json.dumps(line).encode(), 1, policies.tz)
    if not isinstance(outcome, Rejection):
        (outcome,) = simulate(policies, [RawItem(line, 1)], "python", AS_OF)
    assert isinstance(outcome, Rejection)
    return outcome


def _ticket(severity: str, *types: str, **attributes: str) -> dict[str, object]:
    events = [{"at": f"2025-03-07T1{i}:00:00+08:00", "type": t} for i, t in enumerate(types)]
    return {"id": "T-1", "attributes": {"severity": severity, **attributes}, "events": events}


@pytest.mark.parametrize(("types", "message"), [
    (("Created", "resolved"), "unknown event type 'Created'; did you mean 'created'? (event types are written in lower case)"),
    (("creatd",), "unknown event type 'creatd'; did you mean 'created'? (every ticket starts with a 'created' event)"),
])
def test_a_misspelt_created_event_is_named_not_missing(types: tuple[str, ...], message: str) -> None:
    reasons = _rejection(_ticket("P1", *types)).reasons
    assert [(r.code, r.message) for r in reasons] == [("unknown_event_type", message)]


def test_a_ticket_without_created_says_how_to_write_it() -> None:
    reasons = _rejection(_ticket("P1", "responded")).reasons
    assert [(r.code, r.message) for r in reasons] == [
        ("missing_created", "the ticket has no 'created' event; every ticket starts with one, e.g. "
                            '{"at": "2025-03-07T09:00:00+08:00", "type": "created"}')]


def test_an_event_type_in_capitals_gets_its_lower_case_name() -> None:
    reasons = _rejection(_ticket("P1", "created", "Resolved")).reasons
    assert [(r.code, r.message) for r in reasons] == [("unknown_event_type", "unknown event type 'Resolved'; did you mean 'resolved'?")]


def test_a_ticket_with_several_problems_shows_all_of_them() -> None:
    reasons = _rejection(_ticket("P4", "created", "solved", "closd", tier="gold")).reasons
    assert [(r.code, r.message) for r in reasons] == [
        ("unknown_event_type", "unknown event type 'solved'; did you mean 'resolved'?"),
        ("unknown_event_type", "unknown event type 'closd'; did you mean 'closed'?"),
        ("unknown_severity", "unknown severity 'P4'; use one of: P1, P2"),
        ("unknown_tier", "unknown tier 'gold'; use one of: basic"),
    ]


def test_every_bad_timestamp_of_a_line_is_named() -> None:
    line = _ticket("P1", "created", "resolved")
    line["events"] = [{"at": "2025-03-07 25:00", "type": "created"}, {"at": "yesterday", "type": "resolved"}]
    reasons = _rejection(line).reasons
    assert [(r.code, r.message) for r in reasons] == [
        ("bad_timestamp", "event 1: '2025-03-07 25:00' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00"),
        ("bad_timestamp", "event 2: 'yesterday' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00"),
    ]


@pytest.mark.parametrize(("value", "message"), [
    (".nan", ".nan and .inf are not numbers a policy can use; write a finite number such as 50"),
    (".inf", "inf is more than the most allowed here, 1000000000; write a number within the bounds"),
    ("0", "0 must be more than 0; write a number within the bounds"),
])
def test_a_number_json_cannot_hold_is_a_message_not_a_traceback(value: str, message: str) -> None:
    """jsonschema takes .nan where jsonschema-rs refuses it; the penalty builder then crashed (found by
    test_fuzz.test_every_schema_violation_gets_a_message)."""
    from slapolicy.policy.loader import load_text
    from slapolicy.validate.validation import validate_document

    source = FIXTURES.parent.parent / "policies" / "company-service" / "2025.1.yaml"
    doc, _ = load_text(source.read_text(encoding="utf-8").replace("    amount: 50\n", f"    amount: {value}\n", 1), "p.yaml")
    policy, problems = validate_document(doc)
    assert policy is None
    line = source.read_text(encoding="utf-8").split("    amount: 50\n")[0].count("\n") + 1
    assert [d.format() for d in problems] == [f"p.yaml:{line}:13: SLA104 error: {message}"]


def test_an_unknown_severity_in_a_shipped_policy_is_one_message(tmp_path: Path) -> None:
    """After-sales with P4 for P1 in its first target rule gave six diagnostics (SLA501, SLA502, SLA201 and
    three SLA504 on the steps that rule's metric feeds); the root cause alone remains, with the valid ones."""
    from conftest import ROOT
    from slapolicy.validate.repository import scan

    (tmp_path / "regulation").symlink_to(ROOT / "regulation")
    (tmp_path / "policies" / "after-sales").mkdir(parents=True)
    text = (ROOT / "policies" / "after-sales" / "2025.1.yaml").read_text(encoding="utf-8")
    head, rule, tail = text.partition("    when: {severity: P1}\n")
    target = tmp_path / "policies" / "after-sales" / "2025.1.yaml"
    target.write_text(head + rule.replace("P1", "P4") + tail, encoding="utf-8")
    line = head.count("\n") + 1
    assert [d.format() for d in scan([target]).diagnostics] == [
        f"{target}:{line}:11: SLA201 error: unknown severity 'P4'; use one of: P1, P2, P3"]


_M1 = {"id": "M1", "attributes": {"severity": "P4", "tier": "gold", "region": "moon"},
       "events": [{"at": "2025-03-07T17:50:00+08:00", "type": "Created"}, {"at": "2025-03-07T18:00:00+08:00", "type": "answered"}]}
_POLICY_REASONS = [
    ("unknown_event_type", "unknown event type 'answered'; declare it under the policy's events: or correct the name"),
    ("unknown_severity", "unknown severity 'P4'; use one of: P1, P2, P3"),
    ("unknown_tier", "unknown tier 'gold'; use one of: basic, standard, value_added"),
]  # region='moon' is no reason to reject: a value outside the listed ones is a finding on a replayed subject


@pytest.mark.parametrize(("events", "first"), [
    (_M1["events"], ("unknown_event_type", "unknown event type 'Created'; did you mean 'created'? (event types are written "
                                           "in lower case)")),
    ([{"at": "2025-03-07T17:50:00+08:00", "type": "created"}, {"at": "2025-03-07 25:00", "type": "answered"}],
     ("bad_timestamp", "event 2: '2025-03-07 25:00' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00")),
    ([{"at": "2025-03-07 25:00", "type": "created"}, {"at": "2025-03-07T18:00:00+08:00", "type": "answered"}],
     ("bad_timestamp", "event 1: '2025-03-07 25:00' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00")),
], ids=["misspelt-created", "bad-timestamp", "bad-created-timestamp"])
@pytest.mark.parametrize("fmt", ["jsonl", "yaml"])
def test_a_ticket_that_cannot_be_read_whole_still_gets_every_policy_problem(
        run_cli: Callable[..., Result], tmp_path: Path, events: list[object], first: tuple[str, str], fmt: str) -> None:
    """A typo'd created event or a bad timestamp hid the severity, tier, value and other event type problems
    (issue 13: every problem at once), on the JSONL path and the plain-data path (YAML, CSV) alike."""
    from conftest import ROOT

    ticket = {**_M1, "events": events}
    tickets = tmp_path / f"t.{fmt}"
    tickets.write_text(json.dumps(ticket, ensure_ascii=False) + "\n" if fmt == "jsonl" else json.dumps([ticket]), encoding="utf-8")
    result = run_cli("simulate", "-f", "json", "--as-of", "2025-04-01", str(ROOT / "policies" / "after-sales"), str(tickets))
    assert result.exit_code == 1
    (outcome,) = json.loads(result.stdout)["tickets"]
    assert [(e["code"], e["message"]) for e in outcome["errors"]] == [first, *_POLICY_REASONS]

"""Webhook profiles: each shipped helpdesk's sample payload maps to the events written out by hand
below (from the payload's own fields and the profile's maps), with ids that only depend on what an
event says; a stream of payloads becomes tickets the after-sales policy replays; a bad payload is a
rejection naming the JSON path, a bad profile a diagnostic at its key; no payload crashes the mapper."""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.diagnostics.codes import CODES
from slapolicy.sim.imports import ProfileError, load_profile, shipped
from slapolicy.sim.outcome import Rejection
from slapolicy.sim.webhooks import SubjectEvents, map_webhook, read_payloads
from test_fuzz import FUZZ, HOSTILE_JSON, no_hang

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "webhooks"
HELPDESKS = ("jira", "zammad", "zendesk", "znuny")


def sample(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return payload


def mapped(name: str, payload: dict[str, Any] | bytes) -> SubjectEvents:
    result = map_webhook(load_profile(f"{name}-webhook"), payload)
    assert isinstance(result, SubjectEvents), result
    return result


# Each sample's events, read off the payload by hand: the timestamp paths the profile lists (a null one is
# no event), then the event the payload reports; the severity by the profile's priority map.
EXPECTED: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "zammad": ("31042", [  # ticket.number; priority "3 high" -> P1; state "pending reminder" -> waiting_on_customer
        {"at": "2025-03-07T09:50:00+00:00", "type": "created", "attributes": {"severity": "P1"}},  # ticket.created_at
        {"at": "2025-03-07T09:50:00+00:00", "type": "registered"},
        {"at": "2025-03-07T09:58:12+00:00", "type": "responded"},  # ticket.first_response_at
        {"at": "2025-03-08T00:55:40+00:00", "type": "responded"},  # ticket.last_contact_agent_at; close_at is null
        {"at": "2025-03-08T01:00:05+00:00", "type": "status", "status": "waiting_on_customer",  # ticket.updated_at
         "actor": "zhang.wei@support.example.cn", "assignee": "zhang.wei@support.example.cn", "group": "Technical Support",
         "attributes": {"severity": "P1"}},
    ]),
    "znuny": ("2025030710000042", [  # "4 high" -> P2; times without an offset in Znuny's system zone, UTC by default
        {"at": "2025-03-07T09:50:00+00:00", "type": "created", "attributes": {"severity": "P2"}},
        {"at": "2025-03-07T09:50:00+00:00", "type": "registered"},
        # Event ArticleCreate, an agent's article the customer sees: "ArticleCreate agent 1" -> responded; State open
        {"at": "2025-03-07T10:10:30+00:00", "type": "responded", "status": "in_progress", "assignee": "zhang.wei",
         "group": "Support::Technical", "attributes": {"severity": "P2"}},
    ]),
    "jira": ("SD-42", [  # issue.key; High -> P2; resolutiondate is null
        {"at": "2025-03-08T08:30:00+08:00", "type": "created", "attributes": {"severity": "P2"}},
        {"at": "2025-03-08T08:30:00+08:00", "type": "registered"},
        # timestamp 1741397400000 ms: 1741392000 s is 2025-03-08 00:00 UTC (1735689600 + 66 days), + 5400 s = 01:30
        {"at": "2025-03-08T01:30:00+00:00", "type": "status", "status": "waiting_on_customer", "actor": "Zhang Wei",
         "assignee": "Zhang Wei", "attributes": {"severity": "P2"}},
    ]),
    "zendesk": ("35436", [  # detail.id; HIGH -> P2; a public comment by staff: "... comment_added true true" -> responded
        {"at": "2025-03-07T09:50:00+00:00", "type": "created", "attributes": {"severity": "P2"}},
        {"at": "2025-03-07T09:50:00+00:00", "type": "registered"},
        {"at": "2025-03-07T10:04:30+00:00", "type": "responded", "status": "in_progress", "actor": "1900000000012",
         "assignee": "1900000000012", "group": "360000000042", "attributes": {"severity": "P2"}},
    ]),
}


def test_every_helpdesk_has_a_webhook_profile_and_a_sample() -> None:
    assert sorted(n for n in shipped() if load_profile(n).rows == "webhook") == [f"{h}-webhook" for h in HELPDESKS]
    assert sorted(p.stem for p in SAMPLES.glob("*.json")) == list(HELPDESKS)


@pytest.mark.parametrize("name", HELPDESKS)
def test_each_sample_maps_to_its_events(name: str) -> None:
    result = mapped(name, (SAMPLES / f"{name}.json").read_bytes())
    subject, events = EXPECTED[name]
    assert result.subject == subject and result.kind is None
    assert [e.data for e in result.events] == events
    assert all(re.fullmatch(r"[0-9a-f]{32}", e.id) for e in result.events)
    assert len({e.id for e in result.events}) == len(events)


@pytest.mark.parametrize("name", HELPDESKS)
def test_each_sample_replays_without_a_rejection(run_cli: Run, name: str) -> None:
    """Through `simulate --profile`: every mapped event is where the clocks say it is."""
    result = run_cli("simulate", "policies/after-sales", f"examples/webhooks/{name}.json", "--profile", f"{name}-webhook",
                     "--as-of", "2025-03-09T00:00:00+08:00", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert ticket["id"] == EXPECTED[name][0] and ticket["status"] == "ok"
    registration = next(c for c in ticket["clocks"] if c["metric"] == "registration")
    assert registration["stopped_at"] == registration["started_at"]  # registered when created
    responded = [e["at"] for e in EXPECTED[name][1] if e["type"] == "responded"]
    first = next(c for c in ticket["clocks"] if c["metric"] == "first_response")
    if responded:
        assert _same_instant(first["stopped_at"], responded[0])
    else:  # Jira's status change is no response: the clock runs on
        assert first["stopped_at"] is None


def _same_instant(a: str, b: str) -> bool:
    import datetime as dt

    def read(text: str) -> dt.datetime:
        when = dt.datetime.fromisoformat(text)
        return when if when.tzinfo else when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))  # the policy's zone

    return read(a) == read(b)


# ---- ids: what an event says, not how or how often it was sent -------------------------------------

def test_a_payload_sent_again_maps_to_the_same_ids() -> None:
    once, again = mapped("zammad", sample("zammad")), mapped("zammad", sample("zammad"))
    assert once == again


def test_an_id_does_not_depend_on_how_the_time_is_written() -> None:
    """2025-03-07T09:50:00.000Z is 17:50 in +08:00: the same instant, the same created event."""
    payload = sample("zammad")
    payload["ticket"]["created_at"] = "2025-03-07T17:50:00+08:00"
    assert mapped("zammad", payload).events[0].id == mapped("zammad", sample("zammad")).events[0].id


def test_an_id_does_not_depend_on_the_order_of_keys() -> None:
    payload = sample("zendesk")
    reordered = {k: payload[k] for k in reversed(payload)}
    reordered["detail"] = {k: payload["detail"][k] for k in sorted(payload["detail"], reverse=True)}
    assert mapped("zendesk", reordered) == mapped("zendesk", payload)


def test_created_is_identified_by_its_time_other_events_by_what_they_say() -> None:
    """A later payload repeats the ticket's creation with its priority of now: the same created event (a
    consumer keeps the first, with the priority it was created with); its reported event is a new one."""
    later = sample("zammad")
    later["ticket"]["priority"]["name"] = "2 normal"
    first, second = mapped("zammad", sample("zammad")), mapped("zammad", later)
    assert [e.data["type"] for e in second.events] == ["created", "registered", "responded", "responded", "status"]
    assert second.events[0].id == first.events[0].id and second.events[0].data["attributes"] == {"severity": "P2"}
    assert second.events[1:4] == first.events[1:4]  # no attributes on them: nothing changed
    assert second.events[4].id != first.events[4].id and second.events[4].data["attributes"] == {"severity": "P2"}


def _zammad_stream(tmp_path: Path) -> Path:
    """The life of ticket 31042 as Zammad's trigger sends it: created (new, not yet answered), the sample
    (sent twice: a retry), and closed with its priority lowered to 2 normal."""
    created = copy.deepcopy(sample("zammad"))
    t = created["ticket"]
    t.update(state="new", first_response_at=None, last_contact_agent_at=None, owner=None, updated_at=t["created_at"])
    closed = copy.deepcopy(sample("zammad"))
    closed["ticket"].update(state="closed", close_at="2025-03-09T02:30:00.000Z", updated_at="2025-03-09T02:30:00.000Z")
    closed["ticket"]["priority"]["name"] = "2 normal"
    path = tmp_path / "zammad.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in (created, sample("zammad"), sample("zammad"), closed)),
                    encoding="utf-8")
    return path


def test_a_stream_of_payloads_becomes_one_ticket_each_event_once(run_cli: Run, tmp_path: Path) -> None:
    stream = _zammad_stream(tmp_path)
    out = tmp_path / "tickets.jsonl"
    result = run_cli("import", "--profile", "zammad-webhook", str(stream), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "4 rows: 1 ticket imported, 0 rejected\n"
    (ticket,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(e["type"], e["at"], e.get("status"), e.get("attributes")) for e in ticket["events"]] == [
        ("created", "2025-03-07T09:50:00+00:00", None, {"severity": "P1"}),  # from the first payload, kept
        ("registered", "2025-03-07T09:50:00+00:00", None, None),
        ("status", "2025-03-07T09:50:00+00:00", "new", {"severity": "P1"}),
        ("responded", "2025-03-07T09:58:12+00:00", None, None),
        ("responded", "2025-03-08T00:55:40+00:00", None, None),
        ("status", "2025-03-08T01:00:05+00:00", "waiting_on_customer", {"severity": "P1"}),
        ("resolved", "2025-03-09T02:30:00+00:00", None, None),  # ticket.close_at
        ("status", "2025-03-09T02:30:00+00:00", "closed", {"severity": "P2"}),  # a change of priority, carried here
    ]
    assert len({e["id"] for e in ticket["events"]}) == 8
    sim = run_cli("simulate", "policies/after-sales", str(out), "--as-of", "2025-03-10T00:00:00+08:00", "--format", "json")
    assert sim.exit_code == 0, sim.stderr
    (replayed,) = json.loads(sim.stdout)["tickets"]
    resolution = [c for c in replayed["clocks"] if c["metric"] in ("resolution_plan", "resolution")]
    assert resolution and all(c["stopped_at"] == "2025-03-09T10:30:00+08:00" for c in resolution if c["stopped_at"])
    # the same stream read directly by simulate --profile: the same outcome
    direct = run_cli("simulate", "policies/after-sales", str(stream), "--profile", "zammad-webhook", "--as-of",
                     "2025-03-10T00:00:00+08:00", "--format", "json")
    assert direct.exit_code == 0
    strip = lambda doc: {k: v for k, v in doc.items() if k != "line"}  # noqa: E731 (the input line differs)
    assert strip(json.loads(direct.stdout)["tickets"][0]) == strip(replayed)


# ---- bad payloads: a rejection naming the path; bad files and profiles: a one-line usage error -----

def test_a_value_outside_the_map_is_rejected_naming_the_path() -> None:
    payload = sample("zammad")
    payload["ticket"]["priority"]["name"] = "4 urgent"
    result = map_webhook(load_profile("zammad-webhook"), payload, line=7)
    assert isinstance(result, Rejection)
    assert (result.id, result.line) == ("31042", 7)
    assert [(r.code, r.message) for r in result.reasons] == [
        ("uncovered_value", "ticket.priority.name: '4 urgent' is not in the profile's map for attributes.severity (3 high, "
                            "2 normal, 1 low); add it under attributes.severity.map or give a default")]


def test_every_problem_of_a_payload_is_reported_at_once() -> None:
    payload = sample("jira")
    del payload["issue"]["key"]
    payload["issue"]["fields"]["created"] = "gestern"
    payload["timestamp"] = "1741397400000"  # text where the profile reads milliseconds: read as a date-time, and refused
    payload["issue"]["fields"]["priority"] = "High"
    result = map_webhook(load_profile("jira-webhook"), payload)
    assert isinstance(result, Rejection) and result.id is None
    assert [r.code for r in result.reasons] == ["unparseable", "bad_timestamp", "bad_timestamp", "bad_timestamp"]
    assert result.reasons[0].message == "id: issue.key is not in the payload; every payload names its ticket"
    assert result.reasons[1].message.startswith("issue.fields.created: 'gestern' is not a date-time that can be read")


def test_an_object_where_a_value_belongs_names_a_field_inside_it() -> None:
    payload = sample("zendesk")
    payload["detail"]["priority"] = {"name": "HIGH"}
    result = map_webhook(load_profile("zendesk-webhook"), payload)
    assert isinstance(result, Rejection)
    assert [r.message for r in result.reasons] == [
        "attributes.severity: detail.priority holds an object, not a value; name a field inside it (detail.priority.name)"]


def test_a_number_for_a_time_needs_its_unit() -> None:
    payload = sample("zammad")
    payload["ticket"]["updated_at"] = 1741395605
    result = map_webhook(load_profile("zammad-webhook"), payload)
    assert isinstance(result, Rejection)
    assert result.reasons[0].message == ("ticket.updated_at: 1741395605 is a number; say what it counts: timestamps: "
                                         "[epoch_ms] (milliseconds since 1970) or [epoch] (seconds)")


def test_a_payload_whose_only_event_is_skipped_is_counted(tmp_path: Path) -> None:
    """A customer's comment on Zendesk: no event of its own, and the payload carries no created_at: skipped."""
    payload = sample("zendesk")
    payload["event"]["comment"]["author"]["is_staff"] = False
    del payload["detail"]["created_at"]
    assert mapped("zendesk", payload).events == ()
    imported = read_payloads(load_profile("zendesk-webhook"), json.dumps(payload).encode())
    assert (imported.rows, imported.skipped, imported.items) == (1, 1, [])


@pytest.mark.parametrize(("status", "expected"), [("SOLVED", ("resolved", "resolved")), ("CLOSED", ("closed", "closed")),
                                                  ("PENDING", ("status", "waiting_on_customer"))])
def test_the_most_specific_key_wins(status: str, expected: tuple[str, str]) -> None:
    """Zendesk's status change: "...status_changed SOLVED" is in the map; "...status_changed PENDING" is not, so its
    shorter key "...status_changed" is: a status event."""
    payload = sample("zendesk")
    payload["type"] = "zen:event-type:ticket.status_changed"
    payload["event"] = {"current": status, "previous": "OPEN"}
    payload["detail"]["status"] = status
    event = mapped("zendesk", payload).events[-1].data
    assert (event["type"], event["status"]) == expected


def test_a_bad_payload_in_a_stream_rejects_its_ticket(run_cli: Run, tmp_path: Path) -> None:
    good, bad = sample("znuny"), sample("znuny")
    bad["Ticket"]["State"] = "frozen"
    path = tmp_path / "znuny.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = run_cli("import", "-p", "znuny-webhook", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:1: uncovered_value: payload 3: Ticket.State: 'frozen' is not in the profile's map for event.status (new, "
        "open, pending reminder, pending auto close+, pending auto close-, closed successful, closed unsuccessful, merged, "
        "removed); did you mean 'open'?; add it under event.status.map or give a default", "2 rows: 0 tickets imported, 1 rejected"]


@pytest.mark.parametrize(("text", "message"), [
    ('{"ticket": {"number": "1",\n  "created_at": }\n', "error: {path}:2: column 17: the file is not JSON (JSON is malformed: "
                                                         "invalid character); a webhook profile reads a JSON payload, or one a line"),
    ("[1, 2]", "error: {path}:1: the file holds no payload: a JSON object, or one a line"),
])
def test_a_file_that_is_not_payloads_is_a_usage_error(run_cli: Run, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    result = run_cli("import", "-p", "zammad-webhook", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == message.format(path=path) + "\n"


def test_payloads_are_utf8_json_whatever_encoding_is_asked(run_cli: Run) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/webhooks/zammad.json", "--profile", "zammad-webhook",
                     "--encoding", "gb18030")
    assert result.exit_code == 2
    assert result.stderr == ("error: --profile zammad-webhook reads webhook payloads, which are JSON and always UTF-8; "
                             "leave out --encoding gb18030\n")


@pytest.mark.parametrize(("profile", "where"), [
    ("profile: p\nrows: webhook\nid: ticket..number\nevents: [{type: created, path: ticket.created_at}]\n", (3, 5, "SLA914")),
    ("profile: p\nrows: webhook\nid: ticket.number\nevents: [{type: created, column: Created}]\n", (4, 26, "SLA913")),
    ("profile: p\nrows: webhook\nid: ticket.number\nattributes:\n  severity: {column: Priority}\n"
     "events: [{type: created, path: a}]\n", (5, 14, "SLA913")),
    ("profile: p\nrows: ticket\nid: Id\nattributes:\n  severity: {path: a.b}\nevents: [{type: created, column: C}]\n",
     (5, 14, "SLA913")),
    ("profile: p\nrows: ticket\nid: Id\ntimestamps: [epoch_ms]\nevents: [{type: created, column: C}]\n", (4, 14, "SLA912")),
    ("profile: p\nrows: webhook\nid: t.id\nevents: [{type: created, path: a}, {type: responded, path: b, minutes_after: created}]\n",
     (4, 78, "SLA913")),
    ("profile: p\nrows: webhook\nid: t.id\n", (2, 7, "SLA913")),
    ("profile: p\nrows: webhook\nid: t.id\nevent: {at: t.at, type: {path: [kind, 'a[x]']}}\n", (4, 39, "SLA914")),
])
def test_a_bad_webhook_profile_is_reported_at_its_key(tmp_path: Path, profile: str, where: tuple[int, int, str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(profile, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    assert [(d.line, d.column, d.code) for d in info.value.problems] == [where], [d.format() for d in info.value.problems]


# ---- never a crash: hostile payloads and mutated samples ----------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63) | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=30),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
                    max_leaves=20)


def _mutate(payload: Any, rng: random.Random) -> Any:
    """The payload with a few values replaced by hostile ones, removed, or nulled, at any depth."""
    payload = copy.deepcopy(payload)
    for _ in range(rng.randint(1, 5)):
        node = payload
        while isinstance(node, (dict, list)) and node and rng.random() < 0.7:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
                op = rng.randrange(3)
                if op == 0:
                    node[key] = rng.choice(HOSTILE_JSON)
                elif op == 1 and isinstance(node, dict):
                    del node[key]
                else:
                    node[key] = None
                break
            node = node[key]
    return payload


def _accounted(result: SubjectEvents | Rejection) -> None:
    if isinstance(result, Rejection):
        assert result.reasons and all(r.code in CODES and "\n" not in r.message for r in result.reasons)
    else:
        assert result.subject and all(re.fullmatch(r"[0-9a-f]{32}", e.id) and isinstance(e.data["at"], str)
                                      for e in result.events)


@FUZZ
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(HELPDESKS))
def test_mutated_samples_map_or_are_rejected(seed: int, name: str) -> None:
    rng = random.Random(seed)
    payload = _mutate(sample(name), rng)
    profile = load_profile(f"{name}-webhook")
    with no_hang():
        result = map_webhook(profile, payload)
        again = map_webhook(profile, json.dumps(payload).encode("utf-8"))
    _accounted(result)
    if "\\ud8" not in json.dumps(payload) and "\\udc" not in json.dumps(payload):  # a lone surrogate is no JSON text
        assert again == result  # bytes or decoded: the same answer


@FUZZ
@given(JSON, st.sampled_from(HELPDESKS))
def test_any_json_maps_or_is_rejected(value: Any, name: str) -> None:
    with no_hang():
        result = map_webhook(load_profile(f"{name}-webhook"), json.dumps(value).encode("utf-8"))
    _accounted(result)
    if not isinstance(value, dict):
        assert isinstance(result, Rejection) and result.reasons[0].message == "the payload is not a JSON object"


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_map_or_are_rejected(raw: bytes) -> None:
    with no_hang():
        _accounted(map_webhook(load_profile("zammad-webhook"), raw))
        imported = read_payloads(load_profile("zammad-webhook"), raw)
    assert all(isinstance(i, Rejection) or i.data["events"] for i in imported.items)


def test_a_webhook_profile_and_an_input_format_together_are_a_usage_error(run_cli: Run) -> None:
    result = run_cli("simulate", "policies/after-sales", "examples/webhooks/jira.json", "--profile", "jira-webhook",
                     "--input-format", "json")
    assert result.exit_code == 2
    assert result.stderr == "error: --profile reads the input as webhook payloads (JSON); leave out --input-format json\n"


def omitting_profile(folder: Path) -> Path:
    """znuny-webhook with a ticket type read through a map that lacks 'Incident', left out (`unmapped: omit`)."""
    shipped_text = (ROOT / "src" / "slapolicy" / "sim" / "profiles" / "znuny-webhook.yaml").read_text(encoding="utf-8")
    path = folder / "omit-webhook.yaml"
    path.write_text(shipped_text.replace("profile: znuny-webhook", "profile: omit-webhook").replace(
        "attributes:\n", "attributes:\n  request_type: {path: Ticket.Type, map: {Problem: problem}, unmapped: omit}\n", 1), encoding="utf-8")
    return path


def test_values_a_webhook_profile_omits_are_counted(run_cli: Run, tmp_path: Path) -> None:
    """Nothing left out silently: each payload whose value the map lacks (`unmapped: omit`) is counted, by profile key, in
    the mapping and in the import's summary."""
    profile = omitting_profile(tmp_path)
    result = map_webhook(load_profile(str(profile)), (SAMPLES / "znuny.json").read_bytes())
    assert isinstance(result, SubjectEvents) and result.omitted == ("attributes.request_type",)
    assert all("request_type" not in e.data.get("attributes", {}) for e in result.events)
    stream = tmp_path / "znuny.jsonl"
    stream.write_text(json.dumps(sample("znuny")) + "\n" + json.dumps(sample("znuny") | {"Event": {"Event": "TicketPriorityUpdate"}}) + "\n",
                      encoding="utf-8")
    imported = run_cli("import", "-p", str(profile), str(stream))
    assert imported.exit_code == 0
    assert imported.stderr == ("2 rows: 1 ticket imported, 0 rejected, 2 values not in the profile's map left out "
                               "(attributes.request_type: 2)\n")

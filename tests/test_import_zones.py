"""The export's own time zone, apart from the policy's: offset-less times read in the profile's
`timezone:` (or --source-tz), times with an offset kept, and a wall time a daylight-saving
change makes ambiguous or impossible rejected, never guessed. Instants are worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from slapolicy.calendar.instants import InstantError, wall_time, zone
from slapolicy.sim.imports import load_profile, read_export
from slapolicy.sim.outcome import Rejection
from slapolicy.sim.webhooks import map_webhook
from test_fuzz import FUZZ

Run = Callable[..., Result]
SAMPLES = ROOT / "examples" / "imports"
HEADER = "Ticket Number;Priority;Created;FirstResponse;Closed;Customer Name\n"


def _export(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "znuny.csv"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def _created(result: Result) -> dict[str, str]:
    return {t["id"]: t["events"][0]["at"] for t in map(json.loads, result.stdout.splitlines())}


def test_znuny_utc_times_land_at_the_right_instant_of_a_shanghai_policy(run_cli: Run) -> None:
    sample = SAMPLES / "znuny-ticket-search.csv"
    first = read_export(load_profile("znuny-ticket-search"), sample.read_bytes()).tickets[0].data
    assert first["events"][0] == {"at": "2025-03-03T01:12:00+00:00", "type": "created"}  # Znuny's UTC, as written
    result = run_cli("simulate", "policies/after-sales", str(sample), "--profile", "znuny-ticket-search",
                     "--as-of", "2025-12-31", "--format", "json")
    ticket = json.loads(result.stdout)["tickets"][0]
    assert ticket["created_at"] == "2025-03-03T09:12:00+08:00"  # 01:12 UTC is 09:12 in Shanghai (UTC+8)
    assert ticket["clocks"][1]["stopped_at"] == "2025-03-03T09:21:00+08:00"  # FirstResponse 01:21 UTC


def test_source_tz_overrides_the_profiles_zone_and_an_offset_is_kept(run_cli: Run, tmp_path: Path) -> None:
    path = _export(tmp_path, "1;3 normal;2025-03-07 09:00:00;;", "2;3 normal;2025-03-07 09:00:00+08:00;;")
    assert _created(run_cli("import", "-p", "znuny-ticket-search", str(path))) == {
        "1": "2025-03-07T09:00:00+00:00", "2": "2025-03-07T09:00:00+08:00"}
    shanghai = run_cli("import", "-p", "znuny-ticket-search", str(path), "--source-tz", "Asia/Shanghai")
    assert shanghai.exit_code == 0
    assert _created(shanghai) == {"1": "2025-03-07T09:00:00+08:00", "2": "2025-03-07T09:00:00+08:00"}
    simulated = run_cli("simulate", "policies/after-sales", str(path), "--profile", "znuny-ticket-search",
                        "--source-tz", "Europe/Berlin", "--as-of", "2025-12-31", "--format", "json")
    assert [t["created_at"] for t in json.loads(simulated.stdout)["tickets"]] == [
        "2025-03-07T16:00:00+08:00",  # 09:00 in Berlin (UTC+1 in March) is 16:00 in Shanghai
        "2025-03-07T09:00:00+08:00"]  # its own offset, whatever --source-tz says


def test_an_ambiguous_or_skipped_wall_time_is_a_rejection_naming_both_offsets(run_cli: Run, tmp_path: Path) -> None:
    path = _export(tmp_path,
                   "1;3 normal;2025-10-26 01:59:00;2025-10-26 03:30:00;",  # before and after the repeated hour
                   "2;3 normal;2025-10-26 02:30:00;;",  # 02:00-03:00 happened twice on 26 October 2025
                   "3;3 normal;2025-03-30 02:30:00;;",  # 02:00-03:00 never happened on 30 March 2025
                   "4;3 normal;2025-10-26 02:30:00+01:00;;")  # the offset says which
    result = run_cli("import", "-p", "znuny-ticket-search", str(path), "--source-tz", "Europe/Berlin")
    assert result.exit_code == 1
    assert _created(result) == {"1": "2025-10-26T01:59:00+02:00", "4": "2025-10-26T02:30:00+01:00"}
    assert json.loads(result.stdout.splitlines()[0])["events"][2]["at"] == "2025-10-26T03:30:00+01:00"
    errors = result.stderr.splitlines()
    assert errors[0] == (f"{path}:3: bad_timestamp: row 3, column C 'Created': 2025-10-26 02:30:00 happened twice in "
                         "Europe/Berlin (daylight saving time ended, the hour was repeated: UTC+02:00 and UTC+01:00); give "
                         "the time with its UTC offset, export the times in UTC and read them with --source-tz UTC, or say "
                         "which in the profile (repeated_hour: earlier)")
    assert errors[1].startswith(f"{path}:4: bad_timestamp: row 4, column C 'Created': 2025-03-30 02:30:00 never happened "
                                "in Europe/Berlin")
    assert errors[2] == "4 rows: 2 tickets imported, 2 rejected"


def test_a_webhook_payloads_ambiguous_time_is_rejected_too() -> None:
    berlin = replace(load_profile("znuny-webhook"), timezone=zone("Europe/Berlin"))
    payload = (ROOT / "examples" / "webhooks" / "znuny.json").read_text(encoding="utf-8")
    payload = payload.replace("2025-03-07 09:50:00", "2025-10-26 02:30:00")
    mapped = map_webhook(berlin, payload.encode("utf-8"))
    assert isinstance(mapped, Rejection)
    assert [r.code for r in mapped.reasons] == ["bad_timestamp", "bad_timestamp"]  # Ticket.Created, read as created and registered
    assert all("happened twice in Europe/Berlin" in r.message for r in mapped.reasons)


def test_source_tz_needs_a_profile_and_a_known_zone(run_cli: Run) -> None:
    alone = run_cli("simulate", "policies/after-sales", "examples/tickets.jsonl", "--source-tz", "UTC")
    assert (alone.exit_code, alone.stderr) == (2, "error: --source-tz names the zone of an export's times: give the "
                                                  "export's --profile too\n")
    unknown = run_cli("import", "-p", "znuny-ticket-search", "examples/imports/znuny-ticket-search.csv", "--source-tz", "Mars/Base")
    assert unknown.exit_code == 2 and "unknown time zone 'Mars/Base'" in unknown.stderr and "Traceback" not in unknown.stderr


ZONES = ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]


@FUZZ
@given(st.datetimes(min_value=dt.datetime(1971, 1, 2), max_value=dt.datetime(2199, 12, 30)), st.sampled_from(ZONES))
def test_a_wall_time_is_placed_exactly_or_refused(when: dt.datetime, name: str) -> None:
    tz = zone(name)
    try:
        placed = wall_time(when, tz)
    except InstantError as exc:
        assert "happened twice" in str(exc) or "never happened" in str(exc)
        assert when.replace(tzinfo=tz).utcoffset() != when.replace(tzinfo=tz, fold=1).utcoffset()
        return
    assert placed.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == when  # the clock showed it, once


def test_the_profile_may_say_which_of_a_repeated_hour_was_meant(tmp_path: Path) -> None:
    shipped = (ROOT / "src" / "slapolicy" / "sim" / "profiles" / "znuny-ticket-search.yaml").read_text(encoding="utf-8")
    raw = (HEADER + "1;3 normal;2025-10-26 02:30:00;;\n2;3 normal;2025-03-30 02:30:00;;\n").encode("utf-8")
    for repeated, offset in [("earlier", "+02:00"), ("later", "+01:00")]:
        path = tmp_path / f"{repeated}.yaml"
        path.write_text(shipped.replace("timezone: UTC", f"timezone: Europe/Berlin\nrepeated_hour: {repeated}"), encoding="utf-8")
        imported = read_export(load_profile(str(path)), raw)
        assert imported.tickets[0].data["events"][0]["at"] == f"2025-10-26T02:30:00{offset}"
        assert [r.line for r in imported.rejections] == [3]  # a skipped hour is never resolved: it did not happen


def _znuny_payloads(*changes: tuple[str, str, str]) -> str:
    """examples/webhooks/znuny.json as Znuny sends it for each (event, created, changed), one a line."""
    sample = (ROOT / "examples" / "webhooks" / "znuny.json").read_text(encoding="utf-8")
    lines = []
    for event, created, changed in changes:
        payload = json.loads(sample.replace("2025-03-07 09:50:00", created).replace("2025-03-07 10:10:30", changed))
        payload["Event"]["Event"] = event
        lines.append(json.dumps(payload, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def test_znuny_webhook_times_are_read_in_its_system_zone_across_a_daylight_saving_change(run_cli: Run, tmp_path: Path) -> None:
    """Znuny writes its system zone's wall time without an offset (OTRSTimeZone, UTC by default): znuny-webhook reads
    it as UTC, as the ticket search's CSV; a Znuny in Berlin is read with --source-tz. On 30 March 2025 Berlin's clocks
    went from 02:00 to 03:00: created 01:30 (UTC+01:00) and answered 03:30 (UTC+02:00) are one hour apart, not two;
    a payload at 02:30, an hour that never happened there, is rejected, not guessed."""
    path = tmp_path / "znuny.jsonl"
    path.write_text(_znuny_payloads(("ArticleCreate", "2025-03-30 01:30:00", "2025-03-30 03:30:00")), encoding="utf-8")
    utc = json.loads(run_cli("import", "-p", "znuny-webhook", str(path)).stdout)
    assert [(e["type"], e["at"]) for e in utc["events"]] == [
        ("created", "2025-03-30T01:30:00+00:00"), ("registered", "2025-03-30T01:30:00+00:00"), ("responded", "2025-03-30T03:30:00+00:00")]
    berlin = json.loads(run_cli("import", "-p", "znuny-webhook", str(path), "--source-tz", "Europe/Berlin").stdout)
    assert [(e["type"], e["at"]) for e in berlin["events"]] == [
        ("created", "2025-03-30T01:30:00+01:00"), ("registered", "2025-03-30T01:30:00+01:00"), ("responded", "2025-03-30T03:30:00+02:00")]
    instants = [dt.datetime.fromisoformat(e["at"]) for e in berlin["events"]]
    assert instants[2] - instants[0] == dt.timedelta(hours=1)
    simulated = run_cli("simulate", "policies/after-sales", str(path), "--profile", "znuny-webhook", "--source-tz", "Europe/Berlin",
                        "--as-of", "2025-03-31T00:00:00+08:00", "--format", "json")
    (ticket,) = json.loads(simulated.stdout)["tickets"]
    first = next(c for c in ticket["clocks"] if c["metric"] == "first_response")
    assert (first["started_at"], first["stopped_at"]) == ("2025-03-30T08:30:00+08:00", "2025-03-30T09:30:00+08:00")
    path.write_text(_znuny_payloads(("ArticleCreate", "2025-03-30 01:30:00", "2025-03-30 02:30:00")), encoding="utf-8")
    skipped = run_cli("import", "-p", "znuny-webhook", str(path), "--source-tz", "Europe/Berlin")
    assert skipped.exit_code == 1 and "2025-03-30 02:30:00 never happened in Europe/Berlin" in skipped.stderr

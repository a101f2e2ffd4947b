"""The duty roster: who is on duty when (R-004-12's person on the phone), read from CSV or JSON lines;
every malformed roster is a one-line RosterError, never another exception (property tests)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from slapolicy.sim.roster import Roster, RosterError, Shift, parse_roster, read_roster

TZ = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


CSV = """person,role,from,to
王小明,phone_duty,2025-03-03T09:00,2025-03-03T15:30
李美华,phone_duty,2025-03-03T15:30,2025-03-03T22:00
陈组长,group_lead,2025-03-01T00:00,2025-04-01T00:00
张伟,,2025-03-03T12:00,2025-03-03T13:00
"""


def test_who_is_on_duty_in_a_role_and_in_any() -> None:
    roster = parse_roster(CSV, "csv", "r.csv", TZ)
    assert roster.on_duty(at("2025-03-03T10:00"), "phone_duty") == "王小明"
    assert roster.on_duty(at("2025-03-03T15:30"), "phone_duty") == "李美华"  # `to` is exclusive, `from` inclusive
    assert roster.on_duty(at("2025-03-03T22:00"), "phone_duty") is None
    assert roster.on_duty(at("2025-03-03T12:30"), "group_lead") == "陈组长"
    assert roster.on_duty(at("2025-03-03T12:30")) == "王小明"  # any role: the first listed shift that covers it
    assert roster.on_duty(at("2025-02-01T00:00")) is None


def test_json_lines_and_files(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"person": "王小明", "role": "phone_duty", "from": "2025-03-03T09:00:00+08:00",
                                "to": "2025-03-03T15:30:00+08:00"}) + "\n\n", encoding="utf-8")
    assert read_roster(path, TZ).on_duty(at("2025-03-03T09:00"), "phone_duty") == "王小明"
    bom = tmp_path / "r.csv"
    bom.write_bytes("\ufeff".encode() + CSV.encode())
    assert len(read_roster(bom, TZ)) == 4


@pytest.mark.parametrize(("text", "fmt", "message"), [
    ("name,from,to\n", "csv", "r:1: the roster's header lacks person (person,role,from,to)"),
    ("person,role,from,to\n王,,2025-03-03T10:00,2025-03-03T09:00\n", "csv",
     "r:2: the shift ends (2025-03-03T09:00) before it starts (2025-03-03T10:00)"),
    ("person,role,from,to\n,x,2025-03-03T10:00,2025-03-03T11:00\n", "csv", "r:2: a shift needs the person on duty"),
    ("person,role,from,to\n王,x,yesterday,2025-03-03T11:00\n", "csv",
     "r:2: 'yesterday' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00"),
    ('{"person": 3, "from": "2025-03-03T10:00", "to": "2025-03-03T11:00"}\n', "jsonl", "r:1: a shift needs the person on duty"),
    ("[1, 2]\n", "jsonl", "r:1: a shift is {person, role, from, to}"),
    ("{broken\n", "jsonl", "r:1: not a JSON object"),
])
def test_a_bad_roster_is_one_line_naming_the_line(text: str, fmt: str, message: str) -> None:
    with pytest.raises(RosterError) as exc:
        parse_roster(text, fmt, "r", TZ)
    assert str(exc.value) == message


def test_unreadable_and_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "missing.csv", TZ)
    latin = tmp_path / "l.csv"
    latin.write_bytes("person,role,from,to\nJosé,,2025-03-03T10:00,2025-03-03T11:00\n".encode("latin-1"))
    with pytest.raises(RosterError, match="not UTF-8 text"):
        read_roster(latin, TZ)


def test_the_cli_reports_a_bad_roster_in_one_line_exit_2(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "r.csv"
    bad.write_text("person,role,from,to\n王,x,2025-03-03T10:00,soon\n", encoding="utf-8")
    result = run_cli("report", "policies/company-service", "examples/company-service/history.jsonl", "--roster", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}:2: 'soon' is not an ISO-8601 date-time such as 2025-03-07T17:50:00+08:00"]


shift = st.fixed_dictionaries({
    "person": st.sampled_from(["王", "李", "张"]), "role": st.sampled_from([None, "phone_duty", "lead"]),
    "start": st.integers(0, 48), "hours": st.integers(1, 12)})


@given(st.lists(shift, max_size=12), st.integers(-2, 62), st.sampled_from([None, "phone_duty", "lead"]))
@settings(max_examples=300)
def test_lookup_equals_the_first_listed_covering_shift(shifts: list[dict[str, object]], hour: int, role: str | None) -> None:
    base = at("2025-03-03T00:00")
    made = [Shift(str(s["person"]), s["role"], base + int(s["start"]) * 3600,  # type: ignore[arg-type, call-overload]
                  base + (int(s["start"]) + int(s["hours"])) * 3600) for s in shifts]  # type: ignore[call-overload]
    t = base + hour * 3600 + 1800
    expected = next((s.person for s in made if s.start <= t < s.end and (role is None or s.role == role)), None)
    assert Roster(made).on_duty(t, role) == expected


@given(st.text(max_size=300), st.sampled_from(["csv", "jsonl"]))
@settings(max_examples=500)
def test_any_text_is_a_roster_or_one_line_error(text: str, fmt: str) -> None:
    try:
        parse_roster(text, fmt, "fuzz", TZ)
    except RosterError as exc:  # never another exception, and always one line naming the roster
        assert "\n" not in str(exc) and "\r" not in str(exc)
        assert str(exc).startswith("fuzz")

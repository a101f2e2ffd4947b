"""Durations: the parser reads exactly the language the JSON Schema's `duration` pattern accepts,
in both schema validators (jsonschema-rs, ECMA-262 regular expressions; jsonschema, Python's)."""

from __future__ import annotations

import json

import jsonschema_rs
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import ROOT
from slapolicy.calendar.durations import DurationError, parse_duration

PATTERN = json.loads((ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8"))["$defs"]["duration"]
FAST = jsonschema_rs.validator_for(PATTERN)
SLOW = Draft202012Validator(PATTERN)
PIECES = ["1", "15", "0", "٣", "m", "h", "d", "w", "s", " ", "\t", "\n", "\ufeff", "\u3000", "working ", "calendar ",
          "day", "days", "week", "hour", "month", "minute", "MINUTES", " of ", "of", "working hours", "days of working hours"]


def recognised(text: str) -> bool:
    """The parser reads it as a duration (too long or the wrong kind of unit are still durations)."""
    try:
        parse_duration(text)
    except DurationError as exc:  # a text too long to be one is cut in the message
        return not str(exc).startswith((f"'{text}' is not a duration", f"'{text[:30]}…' is not a duration"))
    return True


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join))
@example("15m\n")
@example("3\ufeffworking days")
@example("٣h")
@example("2 calendar weeks")
@example("3 days of working hours")
@example("1 day of working hours")
@example("3 days of working hour")
def test_parser_and_schema_read_the_same_language(text: str) -> None:
    fast, slow = FAST.is_valid(text), SLOW.is_valid(text)
    assert fast == slow, text
    if text == text.strip():  # the parser forgives surrounding blanks (command-line arguments); the schema does not
        assert recognised(text) == fast, text

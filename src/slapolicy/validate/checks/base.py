"""What a semantic check yields: a place in the policy and a message; the runner adds the
code and its registered severity."""

from __future__ import annotations

from dataclasses import dataclass

from ...policy.loader import JsonPath


@dataclass(frozen=True)
class Problem:
    path: JsonPath
    message: str
    key: bool = False  # point at the key rather than its value

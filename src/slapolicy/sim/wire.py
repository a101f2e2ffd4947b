"""A JSONL line's shape as msgspec structs, decoded in C (`slapolicy.sim.tickets` checks what they hold).

Kept apart from the code that reads them: mypyc, which compiles the replay's modules (setup.py),
rewrites a struct's annotations in a compiled module, and msgspec then refuses every line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class EventIn(msgspec.Struct):
    at: dt.datetime
    type: str
    status: str | None = None
    attributes: dict[str, Any] | None = None
    actor: str | None = None
    role: str | None = None
    assignee: str | None = None
    group: str | None = None


class TicketIn(msgspec.Struct):
    id: str | int
    events: list[EventIn]
    attributes: dict[str, Any] | None = None
    kind: str = "ticket"


class IdProbe(msgspec.Struct):
    id: Any = None


TYPED = msgspec.json.Decoder(TicketIn)
PLAIN = msgspec.json.Decoder()
PROBE = msgspec.json.Decoder(IdProbe)

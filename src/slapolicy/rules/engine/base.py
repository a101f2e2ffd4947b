"""What every rules-engine backend is: it answers "which rules of this compiled ruleset
match this fact?"; failures are EngineErrors, never swallowed."""

from __future__ import annotations

from typing import Any, Protocol

from ..compiler import CompiledPolicy, EngineError

__all__ = ["Backend", "EngineError"]


class Backend(Protocol):
    name: str

    def matches(self, compiled: CompiledPolicy, fact: dict[str, Any]) -> frozenset[str]: ...

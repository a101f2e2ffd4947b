"""Backends that answer "which rules of this compiled ruleset match this fact?".

`python` interprets the subset of durable-rules' JSON format that the compiler emits;
`durable` asks durable-rules itself (Python < 3.13 only). Both get the same compiled
ruleset; a property test holds them to identical answers. `network` works out, without
durable-rules, whether it can build a ruleset's network; `refusal` says what an available
engine refuses, for `validate`.
"""

from __future__ import annotations

import sys

from ..compiler import CompiledPolicy
from .base import Backend, EngineError
from .network import Overflow

ENGINES = ("python", "durable")
__all__ = ["ENGINES", "Backend", "EngineError", "Overflow", "durable_available", "get_backend", "refusal"]


def durable_available() -> bool:
    if sys.version_info >= (3, 13):
        return False
    try:
        import durable.engine  # noqa: F401
    except ImportError:
        return False
    return True


def get_backend(name: str | None = None) -> Backend:
    """The named backend; by default durable-rules where it imports, else pure Python."""
    if name is None:
        name = "durable" if durable_available() else "python"
    if name == "python":
        from .python import PythonBackend

        return PythonBackend()
    if name == "durable":
        if not durable_available():
            raise EngineError(
                f"durable-rules cannot be used on Python {sys.version_info.major}.{sys.version_info.minor}; "
                "use --engine python"
            )
        from .durable_adapter import DurableBackend

        return DurableBackend()
    raise EngineError(f"unknown engine '{name}'; use one of {', '.join(ENGINES)}")


def refusal(compiled: CompiledPolicy) -> Overflow | None:
    """The first rule an available engine cannot take (durable-rules where it imports; the python engine
    takes every ruleset the compiler makes), else None."""
    if not durable_available():
        return None
    from .durable_adapter import refusal

    return refusal(compiled)

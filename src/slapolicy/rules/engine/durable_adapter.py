"""The only module that imports durable-rules.

Guard rails from shared/notes/durable-rules.md: no wall-clock timer threads (`_run` is a
no-op), the ruleset dict is deep-copied before registration (durable mutates it), one
short-lived session per question, deleted at once (never near the 1024-session cap),
every session runs an action first (an `opened:*` rule; deleting a session where none
ran segfaults), an exception stored by an action is raised, not swallowed, and a ruleset
whose network durable cannot build (`network`) is refused, naming the rule, before it is
registered (durable would refuse it, or hang).
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from typing import Any

from durable import engine

from ..compiler import CompiledPolicy
from .base import EngineError
from .network import Overflow, overflow


class _QuietHost(engine.Host):  # type: ignore[misc]
    def __init__(self, fired: list[str]) -> None:
        self._fired = fired
        super().__init__()

    def _run(self) -> None:
        """No background dispatch or timer threads: time is virtual."""

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        fired = self._fired

        def action(c: Any) -> None:
            fired.append(action_name)

        return action


class DurableBackend:
    name = "durable"

    def __init__(self) -> None:
        self._fired: list[str] = []
        self._host = _QuietHost(self._fired)
        self._registered: dict[str, str] = {}  # ruleset content -> registered name
        self._sids = itertools.count()

    def _ruleset(self, compiled: CompiledPolicy) -> str:
        # keyed by content, not id(): ids are reused once an object is collected
        key = compiled.__dict__.setdefault("_durable_key", json.dumps(compiled.rules, sort_keys=True))
        if key not in self._registered:
            name = f"{compiled.name}#{len(self._registered)}"
            refused = _register(self._host, name, compiled)
            if refused is not None:
                rule = compiled.meaning.get(refused.rule, {})
                where = f" (line {rule['line']})" if "line" in rule else ""
                raise EngineError(f"durable-rules cannot take ruleset {compiled.name}: rule {refused.rule}{where}: {refused.why}; "
                                  "use --engine python")
            self._registered[key] = name
        return self._registered[key]

    def matches(self, compiled: CompiledPolicy, fact: dict[str, Any]) -> frozenset[str]:
        ruleset = self._ruleset(compiled)
        sid = f"q{next(self._sids)}"
        self._fired.clear()
        try:
            state = self._host.assert_fact(ruleset, {**fact, "sid": sid})
        except Exception as exc:
            raise EngineError(f"durable-rules failed on {fact}: {exc}") from exc
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"an engine action failed: {state['exception']}")
        try:
            self._host.delete_state(ruleset, sid)
        except Exception as exc:
            raise EngineError(f"durable-rules could not close session {sid}: {exc}") from exc
        return frozenset(self._fired)


def _register(host: engine.Host, name: str, compiled: CompiledPolicy) -> Overflow | None:
    """Register the ruleset unless its network overflows; what durable refuses, else None."""
    found = overflow(compiled)
    if found is not None:
        return found
    try:
        host.register_rulesets({name: copy.deepcopy(compiled.rules)})
    except Exception as exc:  # durable raises plain Exception subclasses
        return Overflow("", str(exc))
    return None


def refusal(compiled: CompiledPolicy) -> Overflow | None:
    """Whether durable-rules takes the ruleset: registered in a host of its own, unless its network overflows."""
    return _register(_QuietHost([]), f"{compiled.name}?", compiled)

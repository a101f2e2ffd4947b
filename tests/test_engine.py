"""The durable-rules adapter's guard rails (shared/notes/durable-rules.md)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ROOT
from slapolicy.rules.compiler import compile_policy
from slapolicy.rules.engine import EngineError, durable_available, get_backend
from slapolicy.validate.repository import open_policy

pytestmark = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python")


def compiled() -> Any:
    return compile_policy(open_policy(ROOT / "policies" / "after-sales" / "2025.1.yaml"))


def test_exception_inside_an_engine_action_is_raised_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from slapolicy.rules.engine import durable_adapter

    def failing_action(self: Any, name: str) -> Any:
        def action(c: Any) -> None:
            raise RuntimeError("boom in action")
        return action

    monkeypatch.setattr(durable_adapter._QuietHost, "get_action", failing_action)
    backend = get_backend("durable")
    c = compiled()
    with pytest.raises(EngineError, match="boom in action"):
        backend.matches(c, c.ticket_fact({"severity": "P1"}))


def test_thousands_of_questions_never_reach_the_session_cap() -> None:
    """durable-rules allows 1024 live sessions per ruleset; each question opens and deletes one."""
    backend = get_backend("durable")
    c = compiled()
    same_city = next(r.index for r in open_policy(ROOT / "policies" / "after-sales" / "2025.1.yaml").targets
                     if r.id == "on-site-same-city")
    for i in range(3000):
        fired = backend.matches(c, c.ticket_fact({"severity": ["P1", "P2", "P3"][i % 3], "region": "same_city"}))
        assert f"target:on_site_arrival:{same_city}" in fired

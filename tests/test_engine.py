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


def _many_alike(tmp_path: Any, rules: int) -> Any:
    """A policy of `rules` target rules making the same comparison (severity P1), and a test file beside it."""
    from pathlib import Path

    folder = Path(tmp_path) / "alike"
    folder.mkdir()
    body = "".join(f"  - {{when: {{severity: P1}}, first_response: {i + 1}m}}\n" for i in range(rules))
    (folder / "1.yaml").write_text(f"""policy: alike
version: "1"
effective_from: 2025-01-01
timezone: UTC
calendars: {{always: 24x7}}
severities: {{P1: {{name: a}}}}
metrics: {{first_response: {{start: created, stop: responded}}}}
targets:
{body}""", encoding="utf-8")
    (folder / "alike.test.yaml").write_text("""policy: alike
cases:
  - description: the first rule gives the target
    ticket:
      attributes: {severity: P1}
      events: [{at: 2025-03-03T10:00:00Z, type: created}]
    expect:
      clocks: {first_response: {due_at: 2025-03-03T10:01:00Z}}
""", encoding="utf-8")
    return folder


def test_a_ruleset_durable_cannot_take_is_named_by_validate_and_refused_in_one_line(run_cli: Any, tmp_path: Any) -> None:
    """300 rules ending on the same comparison overflow durable's list of 256 (error 108): validate names the
    first rule that does not fit (SLA506, silenceable); a run that goes on regardless stops with exit 2 and one
    line naming it, never a traceback; the python engine takes the ruleset."""
    folder = _many_alike(tmp_path, 300)
    result = run_cli("validate", str(folder / "1.yaml"), "--ignore", "SLA503")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{folder / '1.yaml'}:264:12: SLA506 error: durable-rules, the default rules engine here, cannot take this rule: "
        "more than 255 rules make the same comparisons; use --engine python, or fewer rules")
    result = run_cli("test", str(folder), "--ignore", "SLA506", "--ignore", "SLA503", "--engine", "durable")
    assert result.exit_code == 2
    assert result.output == ("error: durable-rules cannot take ruleset alike@1: rule target:first_response:255 (line 264): "
                             "more than 255 rules make the same comparisons; use --engine python\n")
    result = run_cli("test", str(folder), "--ignore", "SLA506", "--ignore", "SLA503", "--engine", "python")
    assert result.exit_code == 0, result.output

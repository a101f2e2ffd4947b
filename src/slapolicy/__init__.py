"""slapolicy: a service department's SLA regulation as versioned, validated, testable data.

The public API is imported on first use, so `slapolicy --help` does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "BusinessCalendar": "calendar.business", "CalendarError": "calendar.spec", "CalendarSpec": "calendar.spec",
    "Diagnostic": "diagnostics.record", "InputError": "diagnostics.record", "Severity": "diagnostics.record",
    "Duration": "calendar.durations", "parse_duration": "calendar.durations",
    "Policy": "policy.model", "PolicySet": "validate.repository", "open_policy": "validate.repository",
    "open_policy_set": "validate.repository", "scan": "validate.repository", "ValidationResult": "validate.validation",
    "SubjectOutcome": "sim.outcome", "Rejection": "sim.outcome", "ClockOutcome": "sim.outcome", "EscalationFiring": "sim.outcome",
    "Simulator": "sim.simulator", "Replayer": "sim.simulator", "outcomes": "sim.replay",
    "load_profile": "sim.mapping", "map_webhook": "sim.webhooks", "SubjectEvents": "sim.webhooks",
    "Board": "kpi.board", "board_document": "output.board", "board_page": "output.html",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    raise AttributeError(f"module 'slapolicy' has no attribute '{name}'")

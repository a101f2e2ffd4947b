"""slapolicy: a service department's SLA regulation as versioned, validated, testable data.

The public API is imported on first use, so `slapolicy --help` does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "BusinessCalendar": "business_calendar", "CalendarError": "business_calendar", "CalendarSpec": "business_calendar",
    "Diagnostic": "diagnostics", "InputError": "diagnostics", "Severity": "diagnostics",
    "Duration": "durations", "parse_duration": "durations",
    "Policy": "model", "PolicySet": "repository", "open_policy": "repository", "open_policy_set": "repository",
    "scan": "repository", "ValidationResult": "validate",
    "SubjectOutcome": "outcome", "Rejection": "outcome", "ClockOutcome": "outcome", "EscalationFiring": "outcome",
    "Simulator": "simulate", "Replayer": "simulate", "outcomes": "replay",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    raise AttributeError(f"module 'slapolicy' has no attribute '{name}'")

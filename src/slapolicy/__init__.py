"""slapolicy: a service department's SLA regulation as versioned, validated, testable data."""

from __future__ import annotations

__version__ = "0.1.0"

from .calendar import BusinessCalendar, CalendarError, CalendarSpec
from .diagnostics import Diagnostic, InputError, Severity
from .durations import Duration, parse_duration
from .model import Policy
from .validate import ValidationResult, load_policy, validate_paths

__all__ = [
    "BusinessCalendar", "CalendarError", "CalendarSpec", "Diagnostic", "Duration", "InputError", "Policy",
    "Severity", "ValidationResult", "load_policy", "parse_duration", "validate_paths",
]

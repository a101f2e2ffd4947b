"""A day cannot be both an extra holiday and an extra working day of the same calendar.

Passes::

    extra_holidays: [2025-12-31]
    extra_working_days: [2025-12-27]

Fails::

    extra_holidays: [2025-12-31]
    extra_working_days: [{from: 2025-12-29, to: 2025-12-31}]    # SLA406
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA406"


def check(policy: Policy) -> Iterator[Problem]:
    for name, path in policy.calendar_paths.items():
        spec = policy.calendars[name]
        both = sorted(spec.extra_holidays & spec.extra_working_days)
        if both:
            days = ", ".join(d.isoformat() for d in both[:5]) + (" …" if len(both) > 5 else "")
            yield Problem(path + ("extra_working_days",), Message(N_("calendar '{name}': {days} listed both as holiday and as "
                                                                     "working day; keep it in one of the two lists"),
                                                                  name=name, days=days))

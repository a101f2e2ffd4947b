"""Time zones are IANA names known to the tz database.

Passes::

    timezone: Asia/Shanghai

Fails::

    timezone: Asia/Beijing     # SLA403
"""

from __future__ import annotations

from collections.abc import Iterator

from ..calendar import CalendarError, zone
from ..diagnostics import Severity
from ..model import Policy
from . import Finding

CODE = "SLA403"
ID = "unknown-timezone"
SEVERITY = Severity.ERROR


def check(policy: Policy) -> Iterator[Finding]:
    seen = set()
    for name, path in [("", ("timezone",))] + [(n, p + ("timezone",)) for n, p in policy.calendar_paths.items()]:
        tz = policy.timezone if not name else policy.calendars[name].timezone
        located = policy.document.locate(path)
        if (tz, located) in seen:
            continue
        seen.add((tz, located))
        try:
            zone(tz)
        except CalendarError as exc:
            yield Finding(path, str(exc))

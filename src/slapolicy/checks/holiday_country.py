"""Holiday sources name a country (and subdivision) the `holidays` package knows.

Passes::

    holidays: {country: CN}

Fails::

    holidays: {country: CHN}     # SLA404
"""

from __future__ import annotations

from collections.abc import Iterator

from ..calendar import CalendarError, holiday_source
from ..diagnostics import Severity
from ..model import Policy
from . import Finding

CODE = "SLA404"
ID = "unknown-holiday-country"
SEVERITY = Severity.ERROR


def check(policy: Policy) -> Iterator[Finding]:
    for name, path in policy.calendar_paths.items():
        spec = policy.calendars[name]
        if spec.country is None:
            continue
        try:
            holiday_source(spec.country, spec.subdivision)
        except CalendarError as exc:
            yield Finding(path + ("holidays",), str(exc))

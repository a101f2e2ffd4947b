"""Holiday sources name a country (and subdivision) the `holidays` package knows.

Passes::

    holidays: {country: CN}

Fails::

    holidays: {country: CHN}     # SLA404
"""

from __future__ import annotations

from collections.abc import Iterator

from ...calendar.holiday_sources import holiday_source
from ...calendar.spec import CalendarError
from ...policy.model import Policy
from .base import Problem

CODE = "SLA404"


def check(policy: Policy) -> Iterator[Problem]:
    for name, path in policy.calendar_paths.items():
        spec = policy.calendars[name]
        if spec.country is None:
            continue
        try:
            holiday_source(spec.country, spec.subdivision)
        except CalendarError as exc:
            yield Problem(path + ("holidays",), exc.args[0])  # a Message: said in the reader's language

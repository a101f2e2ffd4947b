"""Holiday data should cover the years the policy is in force: from `effective_from` to
`effective_until` (or to the current year while open-ended). China's holidays and make-up
working days are known only once the State Council announces them, so a policy in force
in a year the installed `holidays` package has no official data for gets a warning.

Passes::

    effective_from: 2025-01-01
    effective_until: 2025-12-31
    calendars: {office: {hours: {mon-fri: ["09:00-18:00"]}, holidays: {country: CN}}}

Fails::

    effective_from: 2031-01-01     # SLA405 (no official CN data for 2031 yet)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ...calendar.holiday_sources import published_until
from ...calendar.spec import CalendarError
from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA405"


def check(policy: Policy) -> Iterator[Problem]:
    last_year = (policy.effective_until or dt.date.today()).year
    last_year = max(last_year, policy.effective_from.year)
    for name, path in policy.calendar_paths.items():
        spec = policy.calendars[name]
        if spec.country is None or spec.always:
            continue
        try:
            known = published_until(spec.country, spec.subdivision)
        except CalendarError:
            continue  # reported by SLA404
        if last_year > known:
            yield Problem(
                path + ("holidays",),
                Message(N_("calendar '{name}': official {country} holidays and make-up working days are known up to {known}, "
                           "but the policy is in force until {last_year}; update the holidays package or list the days under "
                           "extra_holidays / extra_working_days"), name=name, country=spec.country, known=known, last_year=last_year),
            )

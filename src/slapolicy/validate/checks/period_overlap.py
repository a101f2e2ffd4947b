"""The named periods of one `periods:` attribute share no day: a subject created on a shared day
would be in two periods at once, and a condition or a table could read either. A period
attribute is also a name of its own, not one declared under `attributes`.

Passes::

    periods:
      season:
        dates:
          registration: [{from: 09-15, to: 10-03}]
          christmas_vacation: [{from: 12-13, to: 01-11}]
        otherwise: term_time

Fails::

    periods:
      season:
        dates:
          registration: [{from: 09-15, to: 10-03}]
          induction: [{from: 2025-09-29, to: 2025-10-05}]   # SLA410: 2025-09-29 is in both
        otherwise: term_time
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ...calendar.periods import shared_day
from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA410"


def check(policy: Policy) -> Iterator[Problem]:
    for period in policy.periods.values():
        if period.id in policy.attributes:
            yield Problem(period.path, Message(N_("'{period}' is declared under attributes too; a period is an attribute of its "
                                                  "own (its value comes from the creation day): rename one"), period=period.id),
                          key=True)
        for (a, spans_a), (b, spans_b) in itertools.combinations(period.spans.items(), 2):
            day = next((d for x, y in itertools.product(spans_a, spans_b) if (d := shared_day(x, y)) is not None), None)
            if day is not None:
                yield Problem(period.path + ("dates", b), Message(N_("periods '{first}' and '{second}' of {period} share a day "
                                                                     "({day}); a subject created then would be in both: keep them "
                                                                     "apart"), first=a, second=b, period=period.id, day=day),
                              key=True)

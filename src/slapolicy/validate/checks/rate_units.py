"""A rate (on_time_rate, resolution_rate, share) is a share: written with a percent sign
(`98%`) or as a fraction (`0.98`). A plain number above 1 (`98`) is a rate no period can
reach, and a duration is no rate at all.

Passes::

    - {id: first-reply, measure: on_time_rate, metric: first_response, min: 98%}

Fails::

    - {id: first-reply, measure: on_time_rate, metric: first_response, min: 98}   # SLA106: write 98%
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA106"
RATES = ("on_time_rate", "resolution_rate", "share")


def check(policy: Policy) -> Iterator[Problem]:
    for objective in policy.objectives:
        if objective.measure not in RATES:
            continue
        data = policy.document.data["objectives"][policy.objectives.index(objective)]
        for bound in ("min", "max"):
            value = getattr(objective, bound)
            written = data.get(bound)
            if value is None:
                continue
            if isinstance(written, str) and not written.strip().endswith("%"):
                yield Problem(objective.path + (bound,), Message(N_("{bound}: {written} is a duration, not a rate; {measure} is a "
                                                                    "share, such as 98%"), bound=bound, written=written,
                                                                 measure=objective.measure))
            elif value > 1:
                yield Problem(objective.path + (bound,), Message(N_("{bound}: {written} is not a rate {measure} can reach; write "
                                                                    "{rate}"), bound=bound, written=f"{written:g}",
                                                                 measure=objective.measure, rate=f"{written:g}%"))

"""A warning share lies strictly between 0 % and 100 % of the target (use `breach` for 100 %).

Passes::

    - {at: 75%, notify: [team_lead]}

Fails::

    - {at: 120%, notify: [team_lead]}     # SLA303
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA303"


def check(policy: Policy) -> Iterator[Problem]:
    for steps in policy.escalations.values():
        for step in steps:
            if step.share is not None and not 0 < step.share < 1:
                yield Problem(
                    step.path + ("at",),
                    Message(N_("a warning share must be between 0% and 100% (exclusive), not {share}; use 'breach' or "
                               "'breach + 1h' for later steps"), share=f"{step.share * 100:g}%"),
                )

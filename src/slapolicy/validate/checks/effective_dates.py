"""A version is in force from `effective_from` to `effective_until` (inclusive): the end
cannot come before the start.

Passes::

    effective_from: 2025-01-01
    effective_until: 2025-12-31

Fails::

    effective_from: 2025-01-01
    effective_until: 2024-12-31     # SLA105
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA105"


def check(policy: Policy) -> Iterator[Problem]:
    if policy.effective_until is not None and policy.effective_until < policy.effective_from:
        yield Problem(("effective_until",), Message(N_("the version ends on {until}, before it takes effect ({since}); no ticket "
                                                       "could fall under it"), until=policy.effective_until, since=policy.effective_from))

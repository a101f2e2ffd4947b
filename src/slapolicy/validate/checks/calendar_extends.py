"""`extends` chains end: a calendar cannot extend itself, directly or through others.

Passes::

    office: {hours: {mon-fri: ["09:00-18:00"]}}
    office_cn: {extends: office, holidays: {country: CN}}

Fails::

    a: {extends: b}
    b: {extends: a}      # SLA407
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA407"


def check(policy: Policy) -> Iterator[Problem]:
    for name in policy.calendar_extends:
        chain = [name]
        current = policy.calendar_extends.get(name)
        while current is not None and current not in chain:
            chain.append(current)
            current = policy.calendar_extends.get(current)
        if current == name and name == min(chain):  # one finding per cycle
            yield Problem(("calendars", name, "extends"), Message(N_("calendar extends itself: {chain}; let one of them extend "
                                                                     "nothing (remove its extends:)"), chain=" -> ".join(chain + [name])))

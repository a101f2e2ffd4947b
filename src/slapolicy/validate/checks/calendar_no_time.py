"""A calendar must have working time on at least one weekday.

Passes::

    office: {hours: {mon-fri: ["09:00-18:00"]}}

Fails::

    office: {hours: {mon-fri: []}}        # SLA401
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA401"


def check(policy: Policy) -> Iterator[Problem]:
    for name, path in policy.calendar_paths.items():
        spec = policy.calendars[name]
        if not spec.always and not any(spec.hours):
            yield Problem(path, Message(N_("calendar '{name}' has no working hours on any day; no deadline could ever fall due; "
                                           "give it hours, e.g. {example}"), name=name, example='hours: {mon-fri: ["09:00-18:00"]}'),
                          key=True)

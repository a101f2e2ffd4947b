"""Nothing silently off: an attribute that carries a deadline (a metric is due `before:` it, or
a target rule's condition reads it as a date or date-time: a promised time, an appointment,
an end of contract) and says `unknown: ignore` lets a subject without it skip that deadline
with no finding. It says why a subject may lack it (`unknown: {ignore: "why"}`), or warns.

Passes::

    attributes:
      appointment_at:
        type: datetime
        unknown: {ignore: "only a request with an on-site visit has an appointment"}
    metrics:
      appointment_confirmation: {before: appointment_at, stop: appointment_confirmed}

Fails::

    attributes:
      contract_end: {type: date, subject: contract, unknown: ignore}   # SLA507
    metrics:
      expiry_notice: {subject: contract, before: contract_end, stop: expiry_notice_sent}
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.conditions import fields
from ...policy.model import Policy
from .base import Problem

CODE = "SLA507"


def check(policy: Policy) -> Iterator[Problem]:
    for attribute in policy.attributes.values():
        if attribute.warn or attribute.ignored_because:
            continue
        anchored = [m.id for m in policy.metrics.values() if m.before == attribute.id]
        read = [r.id or str(r.index + 1) for r in policy.targets if attribute.id in fields(r.when)]
        if anchored:
            carries = Message(N_("{metrics} is due before it") if len(anchored) == 1 else N_("{metrics} are due before it"),
                              metrics=", ".join(anchored))
        elif read and attribute.type in ("date", "datetime"):
            carries = Message(N_("target rule {rules} reads it"), rules=", ".join(read))
        else:
            continue
        yield Problem(attribute.path + ("unknown",), Message(
            N_("attribute {attribute} carries a deadline ({carries}), and `unknown: ignore` skips that deadline without a finding "
               "where it is missing; say why a {subject} may lack it ({ignore}), or warn ({warn})"),
            attribute=attribute.id, carries=carries, subject=attribute.subject, ignore='unknown: {ignore: "why"}', warn="unknown: warn"))

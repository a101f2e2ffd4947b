"""Escalation steps are listed in the order they fire: shares ascending, then breach, then
breach + delay ascending.

Passes::

    resolution:
      - {at: 75%, notify: [team_lead]}
      - {at: breach, notify: [service_head]}
      - {at: breach + 4h, notify: [vice_gm]}

Fails::

    resolution:
      - {at: breach, notify: [service_head]}
      - {at: 75%, notify: [team_lead]}      # SLA302 fires before step 1
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import EscalationStep, Policy
from .base import Problem

CODE = "SLA302"


def _when(step: EscalationStep) -> str:
    if step.at_start:
        return "start"
    if step.share is not None:
        return f"{step.share * 100:g}%"
    return "breach" if step.delay is None else f"breach + {step.delay}"


def check(policy: Policy) -> Iterator[Problem]:
    for steps in policy.escalations.values():
        for previous, step in zip(steps, steps[1:]):
            if step.order_key < previous.order_key:
                yield Problem(
                    step.path + ("at",),
                    Message(N_("step {step} ({at}) fires before step {previous} ({previous_at}); list steps in the order they fire"),
                            step=step.index, at=_when(step), previous=previous.index, previous_at=_when(previous)),
                )

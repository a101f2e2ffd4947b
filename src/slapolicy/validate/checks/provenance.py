"""Every figure says where it comes from: a clause of the regulation it enforces
(`clause: R-000-04`), or that it is the company's own choice (`choice: "why"`). A figure
the regulation does not give is a choice, never a clause; a rule with neither leaves a
reader unable to tell.

Applies to policies that name the clause registers they implement (`registers:`): each
target value (its own `clause` / `choice`, else its rule's), escalation step, notice,
invariant, route, correlation, penalty and multiplier, identity rule, objective, metric, availability
measure, credit and credit limit (a short-outage step or a maintenance notice without its own: its measure's),
lookup table (the priority matrix) and date period.

Passes::

    registers: [../../regulation/000.yaml]
    targets:
      - {when: {severity: P1}, clause: R-000-04, first_response: 15m}
    escalations:
      first_response:
        - {at: 75%, notify: [team_lead], choice: "warning at 75 %: company practice"}

Fails::

    registers: [../../regulation/000.yaml]
    escalations:
      first_response:
        - {at: 75%, notify: [team_lead]}      # SLA701: neither clause nor choice
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from .base import Problem

CODE = "SLA701"


_FIX = Message(N_("; add clause: R-… (the clause that gives it) or choice: \"why\""))


def _unsourced(what: Message) -> Message:
    """`{what} says neither which clause gives it nor that it is a choice; add clause: …`"""
    return Message(N_("{what} says neither which clause gives it nor that it is a choice{fix}"), what=what, fix=_FIX)


def check(policy: Policy) -> Iterator[Problem]:
    if not policy.registers:
        return
    for rule in policy.targets:
        for metric, value in rule.values.items():
            if not (value.clauses or value.choice or rule.clauses or rule.choice):
                yield Problem(value.path, Message(N_("the {metric} target {duration} says neither which clause gives it "
                                                     "(clause: R-…) nor that it is a choice (choice: \"why\")"),
                                                  metric=metric, duration=value.duration), key=True)
    for steps in policy.escalations.values():
        for step in steps:
            if not (step.clauses or step.choice):
                yield Problem(step.path, _unsourced(Message(N_("escalation step {step} of {metric}"), step=step.index,
                                                            metric=step.metric)))
    for kind, items in ((N_("notice"), policy.notices), (N_("invariant"), policy.invariants), (N_("route"), policy.routes),
                        (N_("correlation"), policy.correlations), (N_("penalty"), policy.penalties),
                        (N_("objective"), policy.objectives), (N_("availability"), policy.availability),
                        (N_("credit"), policy.credits), (N_("credit limit"), policy.credit_limits)):
        for item in items:
            if not (item.clauses or item.choice):
                yield Problem(item.path, _unsourced(Message(N_("{kind} {id}"), kind=Message(kind), id=item.id)))
    for section, derived in ((N_("lookup table"), policy.lookups), (N_("period"), policy.periods)):
        for name, table in derived.items():
            if not (table.clauses or table.choice):
                yield Problem(table.path, _unsourced(Message(N_("{kind} {id}"), kind=Message(section), id=name)), key=True)
    for penalty in policy.penalties:
        for multiplier in penalty.multipliers:
            if not (multiplier.clauses or multiplier.choice):
                yield Problem(multiplier.path, _unsourced(Message(N_("multiplier ×{factor} of penalty {penalty}"),
                                                                  factor=f"{multiplier.factor:g}", penalty=penalty.id)))
    identity = policy.identity
    if identity is not None and not (identity.clauses or identity.choice):
        yield Problem(identity.path, _unsourced(Message(N_("identity"))), key=True)
    for measured in policy.metrics.values():
        if not (measured.clauses or measured.choice):
            yield Problem(measured.path, Message(N_("metric {metric} says neither which clause it measures nor that it is a "
                                                    "choice{fix}"), metric=measured.id, fix=_FIX), key=True)

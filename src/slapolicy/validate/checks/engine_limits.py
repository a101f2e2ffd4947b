"""The rules engine takes what the policy says: its conditions are compiled and, where
durable-rules imports (the default engine there), the ruleset is registered with it, so a
policy that validates is never refused by `simulate`. A condition is split into several
rules where it holds more `any` / `all` / list / `ne` operators than durable-rules takes in
one (15); one that would need more than 64 such rules is reported, and so is a ruleset whose
network durable-rules cannot build (more than 479 different comparisons after the same
ones, 255 rules making the same comparisons, 4095 rules). `--engine python` takes any
ruleset the compiler makes.

Passes::

    notices:
      - id: big
        when: {any: [{a: x1, b: y1, severity: {ne: P2}}, …, {a: x7, b: y7, severity: {ne: P2}}]}  # split in two rules
        notify: [lead]

Fails::

    targets:
      - when: {all: [{a: {in: [x1, x2]}}, {b: {in: [y1, y2]}}, …]}   # SLA506: 20 lists in one `all`
        first_response: 1h
"""

from __future__ import annotations

from collections.abc import Iterator

from ...i18n import N_, Message
from ...policy.model import Policy
from ...rules.compiler import ConditionTooLarge, compile_policy
from ...rules.engine import refusal
from .base import Problem

CODE = "SLA506"


def check(policy: Policy) -> Iterator[Problem]:
    try:
        compiled = compile_policy(policy)
    except ConditionTooLarge as exc:
        yield Problem(exc.path, exc.message)
        return
    refused = refusal(compiled)
    if refused is not None:
        yield Problem(compiled.paths.get(refused.rule, ()), Message(N_("durable-rules, the default rules engine here, cannot "
                                                                       "take this rule: {why}; use --engine python, or fewer rules"),
                                                                    why=refused.why))

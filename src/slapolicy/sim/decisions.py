"""The rules engine's decisions, asked once per distinct question and cached: for a subject's
attributes, which target rule times each metric, which escalation steps, notices, invariants,
route, correlations, penalties and credits apply, and which rules could not be decided for want of an
attribute; for an event, what it does to each metric's clock and which notices it triggers.

The engine is a backend of `slapolicy.rules.engine` on the compiled ruleset; the simulator only
applies its answers in time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..diagnostics.record import shorten
from ..i18n import N_, Message
from ..policy.conditions import evaluate_partial, fields
from ..policy.model import (
    Attribute,
    Correlation,
    EscalationStep,
    Invariant,
    Metric,
    Notice,
    Penalty,
    Policy,
    Route,
    TargetRule,
    TargetValue,
)
from ..policy.owed import Credit
from ..rules.compiler import CompiledPolicy, event_field
from ..rules.engine import Backend
from .checks import Checks, mistyped
from .outcome import Finding
from .tickets import TicketError

# what an event does to a metric's clock, as bits (cheaper to test than names on the hot path)
RESTART, START, STOP, CANCEL, PAUSE, RESUME, PAUSE_WHILE, FAIL = 1, 2, 4, 8, 16, 32, 64, 128
ACTION_BITS = {"restart_on": RESTART, "start": START, "stop": STOP, "cancel_on": CANCEL, "pause_on": PAUSE,
               "resume_on": RESUME, "pause_while": PAUSE_WHILE, "fail_on": FAIL}

# (kind of subject, event type, status of a status event, then the event's own fields the metrics' filters read)
EventKey = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one combination of attribute values."""

    targets: dict[str, TargetValue]
    rules: dict[str, TargetRule]
    steps: dict[str, tuple[EscalationStep, ...]]
    notices: tuple[Notice, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    route: Route | None = None  # the first route that matches
    correlations: tuple[Correlation, ...] = ()  # those the subject takes part in
    penalties: tuple[Penalty, ...] = ()  # those whose `when` holds
    multiplied: frozenset[tuple[str, int]] = frozenset()  # (penalty, multiplier index) whose `when` holds
    # rules that could not be decided for want of an attribute (metric, or notice/invariant/route id -> findings)
    undecided: dict[str, tuple[Finding, ...]] | None = None
    unlisted: tuple[tuple[Attribute, Any, str], ...] = ()  # values outside an attribute's list, and why (`Checks.unlisted`)
    credits: tuple[Credit, ...] = ()  # credits per breach whose `when` holds


@dataclass(frozen=True, slots=True)
class EventActions:
    """What one event does: to each metric's clock (ACTION_BITS), and which notices it triggers."""

    clocks: tuple[tuple[Metric, int], ...]
    notices: frozenset[str]


class Snapshot:
    """The subject's attributes from `at` on, and what the engine decided for them."""

    __slots__ = ("at", "attributes", "decision")

    def __init__(self, at: float, attributes: dict[str, Any], decision: Decision) -> None:
        self.at = at
        self.attributes = attributes
        self.decision = decision


def snapshot_at(snapshots: list[Snapshot], t: float) -> Snapshot:
    """The snapshot in force at `t` (the first one before the subject's first change)."""
    found = snapshots[0]
    for snapshot in snapshots:
        if snapshot.at <= t:
            found = snapshot
    return found


class Decider:
    """One policy version's compiled ruleset, its engine, and the answers it gave."""

    def __init__(self, policy: Policy, compiled: CompiledPolicy, backend: Backend, checks: Checks) -> None:
        self.policy = policy
        self.compiled = compiled
        self.backend = backend
        self.checks = checks
        self.warned = frozenset(a.id for a in policy.attributes.values() if a.warn)
        # the attributes calendar choices read choose a target's calendar: part of what is decided
        chosen_by = [c.attribute for c in policy.calendar_choices.values()]
        self._key_fields = tuple(dict.fromkeys([*compiled.fields, *checks.fields, *chosen_by]))
        # typed attributes the decisions read: a value not of its type is asked of no engine (the two compare
        # such values differently: durable-rules finds "P2" > 5 true); the others are checked by the findings
        self.typed = {k: tuple(a for a in typed if a.id in self._key_fields) for k, typed in checks.typed.items()}
        self._decisions: dict[tuple[Any, ...], Decision | TicketError] = {}
        # what events do, by EventKey: read directly on the per-event path, filled by `ask_event`
        self.event_actions: dict[EventKey, EventActions] = {}
        self._metrics = {k: tuple(m for m in policy.metrics.values() if m.subject == k) for k in policy.kinds}
        self._notices = {notice.id: notice for notice in policy.notices}
        self._invariants = {invariant.id: invariant for invariant in policy.invariants}
        self._correlations = {c.id: c for c in policy.correlations}
        self._penalties = {p.id: p for p in policy.penalties}
        self._credits = {c.id: c for c in policy.credits}

    def decide(self, kind: str, attributes: dict[str, Any]) -> Decision:
        """The engine's decision for these attributes; TicketError if the policy does not cover them."""
        key = (kind, *[attributes.get(f) for f in self._key_fields])
        found = self._decisions.get(key)
        if found is None:
            try:
                self.checks.attributes(kind, attributes)
                wrong = mistyped(self.typed[kind], attributes)
                found = self._ask_engine(kind, {k: v for k, v in attributes.items() if k not in {a.id for a, _, _ in wrong}}
                                         if wrong else attributes, wrong)
            except TicketError as exc:
                found = exc
            self._decisions[key] = found
        if isinstance(found, TicketError):
            raise found
        return found

    def _ask_engine(self, kind: str, attributes: dict[str, Any], mistyped: tuple[tuple[Attribute, Any, str], ...] = ()) -> Decision:
        fired = self.backend.matches(self.compiled, self.compiled.ticket_fact(attributes))
        meaning = self.compiled.meaning
        targets: dict[str, TargetValue] = {}
        rules: dict[str, TargetRule] = {}
        steps: dict[str, list[EscalationStep]] = {}
        notices: list[Notice] = []
        invariants: set[Invariant] = set()
        route: Route | None = None
        correlations: list[Correlation] = []
        penalties: list[Penalty] = []
        multiplied: set[tuple[str, int]] = set()
        uncounted: dict[str, TargetRule] = {}  # metric -> the winning rule whose calendar choice picks nothing
        credits: set[Credit] = set()
        for name in sorted(fired, key=lambda n: meaning.get(n, {}).get("rule", meaning.get(n, {}).get("step", 0))):
            m = meaning.get(name)
            if m is None:
                continue
            if m["kind"] == "target" and m["metric"] not in targets and m["metric"] not in uncounted:
                rule = self.policy.targets[m["rule"]]
                value = self._counted(rule.values[m["metric"]], attributes)
                if value is None:  # its calendar is chosen by an attribute that chooses none for this subject
                    uncounted[m["metric"]] = rule
                    continue
                targets[m["metric"]] = value
                rules[m["metric"]] = rule
            elif m["kind"] == "escalation":
                steps.setdefault(m["metric"], []).append(self.policy.escalations[m["metric"]][m["step"] - 1])
            elif m["kind"] == "notice" and self._notices[m["notice"]].subject == kind:
                notices.append(self._notices[m["notice"]])
            elif m["kind"] == "invariant":
                invariants.add(self._invariants[m["invariant"]])
            elif m["kind"] == "correlation" and self._correlations[m["correlation"]].subject == kind:
                correlations.append(self._correlations[m["correlation"]])
            elif m["kind"] == "penalty" and self._penalties[m["penalty"]].subject == kind:
                penalties.append(self._penalties[m["penalty"]])
            elif m["kind"] == "multiplier":
                multiplied.add((m["penalty"], m["index"]))
            elif m["kind"] == "credit" and self._credits[m["credit"]].subject == kind:
                credits.add(self._credits[m["credit"]])
            elif m["kind"] == "route":
                candidate = self.policy.routes[m["route"]]
                if candidate.subject == kind and (route is None or candidate.index < route.index):
                    route = candidate
        return Decision(targets, rules, {k: tuple(v) for k, v in steps.items()},
                        tuple(n for n in self.policy.notices if n in notices),
                        tuple(v for v in self.policy.invariants if v in invariants and v.subject == kind), route,
                        tuple(c for c in self.policy.correlations if c in correlations),
                        tuple(p for p in self.policy.penalties if p in penalties), frozenset(multiplied),
                        self._uncounted(kind, attributes, uncounted, self._undecided(kind, attributes, rules, route)),
                        (*mistyped, *self.checks.unlisted(kind, attributes)),
                        tuple(c for c in self.policy.credits if c in credits))

    def _counted(self, value: TargetValue, attributes: dict[str, Any]) -> TargetValue | None:
        """The target on the calendar the subject is counted on: its calendar choice's pick for these attributes
        (None: the choice has no calendar for them)."""
        choice = self.policy.calendar_choices.get(value.calendar)
        if choice is None:
            return value
        picked = choice.pick(attributes)
        return None if picked is None else dataclasses.replace(value, calendar=picked, chosen_by=choice.name)

    def _uncounted(self, kind: str, attributes: dict[str, Any], uncounted: dict[str, TargetRule],
                   undecided: dict[str, tuple[Finding, ...]] | None) -> dict[str, tuple[Finding, ...]] | None:
        """`undecided` with a finding per target that could not be applied because its calendar choice picks no
        calendar for the subject (whatever the attribute's `unknown:` says: without a calendar no deadline)."""
        if not uncounted:
            return undecided
        out = dict(undecided or {})
        for metric, rule in uncounted.items():
            value = rule.values[metric]
            choice = self.policy.calendar_choices[value.calendar]
            have = attributes.get(choice.attribute)
            why = (Message(N_("has no '{attribute}', by which calendar choice '{choice}' picks its calendar"),
                           attribute=choice.attribute, choice=choice.name) if have is None
                   else Message(N_("has {attribute}={value}, for which calendar choice '{choice}' picks no calendar"),
                                attribute=choice.attribute, value=shorten(repr(have)), choice=choice.name))
            out[metric] = (*out.get(metric, ()), Finding(
                "undecided_rule", Message(N_("{what} could not be applied: the {kind} {why}"), what=_target(metric, rule),
                                          kind=kind, why=why),
                None, value.clauses or rule.clauses, rule.source))
        return out

    def _undecided(self, kind: str, attributes: dict[str, Any], winners: dict[str, TargetRule],
                   route: Route | None) -> dict[str, tuple[Finding, ...]] | None:
        """Rules that could not be evaluated for want of an attribute the policy asks to be warned about,
        or of the subject's tier (built in, so always warned about)."""
        warned = {a.id for a in self.policy.attributes.values() if a.warn and a.subject == kind} | {"tier"}
        missing = warned - {k for k, v in attributes.items() if v is not None}
        if not missing:
            return None
        known = frozenset(attributes) | frozenset(self.policy.attributes) - missing | {"severity", "tier"} - missing
        out: dict[str, list[Finding]] = {}

        def note(key: str, what: str, cond: Any, clauses: tuple[str, ...], source: Any, rule: str | None = None) -> None:
            needed = sorted(set(fields(cond)) & missing)
            if needed and evaluate_partial(cond, attributes, known) is None:
                names = ", ".join(f"'{n}'" for n in needed)
                out.setdefault(key, []).append(Finding(
                    "undecided_rule", Message(N_("{what} could not be applied: the {kind} has no {names}"), what=what, kind=kind,
                                              names=names), None, clauses, source, rule))

        for metric in self._metrics.get(kind, ()):
            winner = winners.get(metric.id)
            for rule in self.policy.targets:
                if rule is winner:
                    break
                if metric.id in rule.values:
                    note(metric.id, _target(metric.id, rule), rule.when,
                         rule.values[metric.id].clauses or rule.clauses, rule.source)
            for step in self.policy.escalations.get(metric.id, ()):
                step_words = (Message(N_("escalation step {step} of {metric} ({id})"), step=step.index, metric=metric.id, id=step.id)
                              if step.id else Message(N_("escalation step {step} of {metric}"), step=step.index, metric=metric.id))
                note(metric.id, step_words, step.when,
                     step.clauses, step.source)
        for notice in self.policy.notices:
            if notice.subject == kind:
                note(f"notice:{notice.id}", Message(N_("notice {id}"), id=notice.id), notice.when, notice.clauses, notice.source, notice.id)
        for invariant in self.policy.invariants:
            if invariant.subject == kind:
                note(f"invariant:{invariant.id}", Message(N_("invariant {id}"), id=invariant.id), invariant.when, invariant.clauses,
                     invariant.source, invariant.id)
        for candidate in self.policy.routes:
            if candidate is route:
                break
            if candidate.subject == kind:
                note(f"route:{candidate.id}", Message(N_("route {id}"), id=candidate.id), candidate.when, candidate.clauses, candidate.source,
                     candidate.id)
        return {k: tuple(v) for k, v in out.items()} or None

    def ask_event(self, key: EventKey) -> EventActions:
        """What an event of this key does (the engine asked once; then in `event_actions`)."""
        kind, event_type, status, *own = key
        fact: dict[str, Any] = {"t": "event", "type": event_type}
        if status is not None:
            fact["status"] = status
        for name, value in zip(self.compiled.event_fields, own):
            if value is not None:
                fact[event_field(name)] = value
        found: dict[str, int] = {}
        notices: set[str] = set()
        for name in self.backend.matches(self.compiled, fact):
            m = self.compiled.meaning.get(name)
            if m is None:
                continue
            if m["kind"] == "clock":
                found[m["metric"]] = found.get(m["metric"], 0) | ACTION_BITS[m["action"]]
            elif m["kind"] == "notice_on" and self._notices[m["notice"]].subject == kind:
                notices.add(m["notice"])
        metrics = self.policy.metrics
        actions = self.event_actions[key] = EventActions(
            tuple((metrics[k], found[k]) for k in metrics if k in found and metrics[k].subject == kind), frozenset(notices))
        return actions


def _target(metric: str, rule: TargetRule) -> str:
    """`the resolution target of p1 (file:line)`: what a finding says could not be applied."""
    return Message(N_("the {metric} target of {rule} ({source})"), metric=metric, rule=rule.id or Message(N_("the rule")),
                   source=rule.source)

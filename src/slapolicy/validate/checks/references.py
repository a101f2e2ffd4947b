"""Every name a policy uses must be declared: severities, tiers, roles, calendars, metrics,
events, statuses, attributes, kinds of subject, the invariants, routes and correlations an
objective or a penalty counts, the roles and attributes that pay a penalty, and the metrics,
attributes, availability measures and credits that availability, credits and credit limits name
(with "did you mean" for near misses).

Passes::

    severities: {P1: {name: 紧急}}
    targets:
      - when: {severity: P1}
        first_response: 15m

Fails::

    targets:
      - when: {severity: P0}        # SLA201 unknown severity 'P0'; use one of: P1
        first_respons: 15m          # SLA201 unknown metric 'first_respons'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ...diagnostics.record import choices, named, shorten
from ...i18n import N_, Message
from ...policy.conditions import Compare, Condition, compares
from ...policy.derived import cell_key
from ...policy.loader import JsonPath
from ...policy.model import BUILTIN_ATTRIBUTES, Policy
from ...policy.owed import OfFee
from .base import Problem

CODE = "SLA201"


# where a name of each kind is declared: the fix when no near miss can be named
SECTIONS = {"severity": "severities", "tier": "tiers", "role": "roles", "payer role": "roles", "calendar": "calendars",
            "metric": "metrics", "event type": "events", "status": "statuses", "attribute": "attributes"}
# the kinds of name, in words (translated where shown)
KINDS = {kind: Message(kind) for kind in (
    N_("severity"), N_("tier"), N_("role"), N_("payer role"), N_("calendar"), N_("metric"), N_("event type"), N_("status"),
    N_("attribute"), N_("kind of subject"), N_("invariant, route or correlation"), N_("invariant or route"),
    N_("correlation"), N_("availability measure"), N_("credit"))}


def _value_of(field: str) -> Message:
    """`severity`, or `value of 'region'`: what a value of the field is called."""
    return KINDS[field] if field in BUILTIN_ATTRIBUTES else Message(N_("value of '{attribute}'"), attribute=field)


_CHINESE_COMMAS = re.compile("[，、]")


def _joined(name: str, known: Iterable[Any]) -> str:
    """`: two names joined by a full-width (Chinese) comma '，'; write [P1, P2] with a half-width comma`
    when every part of the text split at '，' or '、' is a declared name, else ''."""
    parts = [p.strip() for p in _CHINESE_COMMAS.split(name)]
    names = set(map(str, known))
    if len(parts) < 2 or not all(p in names for p in parts):
        return ""
    mark = next(c for c in name if _CHINESE_COMMAS.match(c))
    return Message(N_(": {count} names joined by a full-width (Chinese) comma '{mark}'; write {fixed} with the half-width "
                      "comma ','"), count=len(parts), mark=mark, fixed=f"[{', '.join(parts)}]")


def _unknown(kind: str, name: str, known: Mapping[str, Any] | tuple[str, ...], path: JsonPath, key: bool = False) -> Iterator[Problem]:
    if name not in known:
        hint = _joined(name, known) or choices(name, tuple(map(str, known)))
        if not hint and kind in SECTIONS:
            hint = Message(N_("; declare it under {section}: or correct the name"), section=SECTIONS[kind])
        yield Problem(path, Message(N_("unknown {kind} '{name}'{hint}"), kind=KINDS[kind], name=shorten(name), hint=hint), key)


def _condition(policy: Policy, cond: Condition, path: JsonPath) -> Iterator[Problem]:
    fields = (*BUILTIN_ATTRIBUTES, *policy.attributes, *policy.periods)
    for c in compares(cond):
        yield from _unknown("attribute", c.field, fields, path)
        if c.field in fields:
            yield from _values(policy, c, path)


def _values(policy: Policy, c: Compare, path: JsonPath) -> Iterator[Problem]:
    domain = policy.values_of(c.field)
    if domain is None or c.op not in ("eq", "ne", "in", "not_in"):
        return
    for value in (c.value if c.op in ("in", "not_in") else (c.value,)):
        if value not in domain:
            hint = _joined(value, domain) if isinstance(value, str) else ""
            yield Problem(path, Message(N_("unknown {kind} '{name}'{hint}"), kind=_value_of(c.field), name=shorten(value),
                                        hint=hint or choices(str(value), tuple(map(str, domain)))))


def _events(policy: Policy, names: tuple[str, ...], path: JsonPath) -> Iterator[Problem]:
    for i, event in enumerate(names):
        yield from _unknown("event type", event, policy.events, path + ((i,) if len(names) > 1 else ()))


def _roles(policy: Policy, names: tuple[str, ...], path: JsonPath) -> Iterator[Problem]:
    for i, role in enumerate(names):
        yield from _role(policy, role, path + (i,))


def _role(policy: Policy, role: str, path: JsonPath, kind: str = "role") -> Iterator[Problem]:
    """A role named; one written by its display name (`组长` for `team_lead: 组长`) is told its id."""
    key = named(role, {r.id: r.name for r in policy.roles.values()}) if role not in policy.roles else None
    if key is not None:
        yield Problem(path, Message(N_("unknown {kind} '{name}': it is the name of role '{id}'; write its id, {id}"),
                                    kind=KINDS[kind], name=shorten(role), id=key))
    else:
        yield from _unknown(kind, role, policy.roles, path)


def _named_calendars(policy: Policy) -> tuple[str, ...]:
    """What a rule may name as its calendar: a declared calendar, or a calendar chosen by the subject."""
    return (*policy.calendars, *policy.calendar_choices)


def _calendar_choices(policy: Policy) -> Iterator[Problem]:
    """A choice reads a declared attribute, maps its declared values, and picks declared calendars (not choices)."""
    for choice in policy.calendar_choices.values():
        path = choice.path
        yield from _unknown("attribute", choice.attribute, (*BUILTIN_ATTRIBUTES, *policy.attributes), path + ("by",))
        attribute = policy.attributes.get(choice.attribute)
        domain = (tuple(policy.severities) if choice.attribute == "severity" else tuple(policy.tiers)
                  if choice.attribute == "tier" else attribute.values if attribute is not None else None)
        for value, calendar in choice.calendars.items():
            if domain is not None and value not in domain:
                yield Problem(path + ("calendars", value), Message(N_("unknown {kind} '{name}'{hint}"),
                                                                   kind=Message(N_("value of '{attribute}'"), attribute=choice.attribute),
                                                                   name=shorten(value), hint=choices(str(value), tuple(map(str, domain)))), True)
            yield from _picked(policy, choice.name, calendar, path + ("calendars", value))
        if choice.fallback is not None:
            yield from _picked(policy, choice.name, choice.fallback, path + ("fallback",))


def _picked(policy: Policy, choice: str, calendar: str, path: JsonPath) -> Iterator[Problem]:
    if calendar in policy.calendar_choices:
        yield Problem(path, Message(N_("'{calendar}' is a calendar chosen by the subject too; calendar choice '{choice}' picks "
                                       "declared calendars, each with its hours: name one of them"), calendar=calendar, choice=choice))
    else:
        yield from _unknown("calendar", calendar, policy.calendars, path)


def _agreed(policy: Policy, name: str, metric: str, path: JsonPath) -> Iterator[Problem]:
    """A deadline from data reads a declared date, date-time or duration attribute, of a clock timed from its start."""
    attribute = policy.attributes.get(name)
    if attribute is None:
        yield from _unknown("attribute", name, policy.attributes, path)
    elif attribute.type not in ("date", "datetime", "duration"):
        yield Problem(path, Message(N_("attribute '{name}' must have type date or datetime (the time agreed) or duration (the "
                                       "time agreed for it) to give a deadline; it is {type}"), name=name, type=attribute.type))
    if metric in policy.metrics and policy.metrics[metric].before is not None:
        yield Problem(path, Message(N_("{metric} is due before {before}; a deadline before a date is not also agreed: time it "
                                       "from a start event to take an agreed time"), metric=metric, before=policy.metrics[metric].before))


def check(policy: Policy) -> Iterator[Problem]:
    calendars = _named_calendars(policy)
    kinds = policy.kinds
    for name, base in policy.calendar_extends.items():
        yield from _unknown("calendar", base, policy.calendars, ("calendars", name, "extends"))
    yield from _calendar_choices(policy)
    for declared in policy.attributes.values():
        yield from _unknown("kind of subject", declared.subject, kinds, declared.path + ("subject",))
    for metric in policy.metrics.values():
        yield from _unknown("kind of subject", metric.subject, kinds, metric.path + ("subject",))
        if metric.calendar is not None:
            yield from _unknown("calendar", metric.calendar, calendars, metric.path + ("calendar",))
        for role, names in metric.events().items():
            for event in names:
                yield from _unknown("event type", event, policy.events, metric.path + (role,))
        for action, found in metric.filters.items():
            for cond in found.values():
                for c in compares(cond):
                    if c.field == "role" and c.op in ("eq", "ne", "in", "not_in"):
                        for role_name in (c.value if c.op in ("in", "not_in") else (c.value,)):
                            yield from _role(policy, str(role_name), metric.path + (action,))
        if metric.owed_if_late is not None:
            yield from _unknown("event type", metric.owed_if_late, policy.events, metric.path + ("owed_if_late",))
        if policy.statuses is not None:
            for status in metric.pause_statuses:
                yield from _unknown("status", status, policy.statuses, metric.path + ("pause_while", "status"))
        if metric.before is not None:
            attribute = policy.attributes.get(metric.before)
            if attribute is None:
                yield from _unknown("attribute", metric.before, policy.attributes, metric.path + ("before",))
            elif attribute.type not in ("date", "datetime"):
                yield Problem(
                    metric.path + ("before",),
                    Message(N_("attribute '{name}' must have type date or datetime to anchor a deadline before it"), name=metric.before),
                )
    for rule in policy.targets:
        yield from _condition(policy, rule.when, rule.path + ("when",))
        for value in rule.values.values():
            yield from _unknown("metric", value.metric, policy.metrics, value.path, key=True)
            yield from _unknown("calendar", value.calendar, calendars, value.path + ("calendar",))
            if value.agreed is not None:
                yield from _agreed(policy, value.agreed, value.metric, value.path + ("agreed",))
    for metric_name, steps in policy.escalations.items():
        yield from _unknown("metric", metric_name, policy.metrics, ("escalations", metric_name), key=True)
        for step in steps:
            yield from _roles(policy, step.notify, step.path + ("notify",))
            yield from _condition(policy, step.when, step.path + ("when",))
    yield from _rules_on_no_clock(policy)
    yield from _objectives(policy)
    yield from _lookups(policy)
    yield from _owed(policy)


def _lookups(policy: Policy) -> Iterator[Problem]:
    """A table gives severity, tier or a declared attribute (a period's value comes from the date), reads
    attributes that are declared, and names in its cells only the values they list."""
    known = (*BUILTIN_ATTRIBUTES, *policy.attributes, *policy.periods)
    for table in policy.lookups.values():
        if table.attribute in policy.periods:
            yield Problem(table.path, Message(N_("'{attribute}' is a period: the creation day gives its value, not a table; look up "
                                                 "another attribute"), attribute=table.attribute), key=True)
        else:
            yield from _unknown("attribute", table.attribute, (*BUILTIN_ATTRIBUTES, *policy.attributes), table.path, key=True)
        for axis, name in (("rows", table.rows), ("columns", table.columns)):
            if name is not None:
                yield from _unknown("attribute", name, known, table.path + (axis,))
        for key, value in table.cells.items():
            where = table.path + ("cells", *_written(policy, table, key))
            for name, part in zip(table.keys, key):
                yield from _listed(policy, name, part, where)
            yield from _listed(policy, table.attribute, value, where)
        if table.otherwise is not None:
            yield from _listed(policy, table.attribute, table.otherwise, table.path + ("otherwise",))


def _written(policy: Policy, table: Any, key: tuple[str, ...]) -> tuple[Any, ...]:
    """The path of a cell in the document: its keys as written there (a number is a number in YAML)."""
    node = policy.document.data
    for part in table.path + ("cells",):
        node = node[part]
    out: list[Any] = []
    for part in key:
        found = next((k for k in node if cell_key(k) == part), part) if isinstance(node, Mapping) else part
        out.append(found)
        node = node.get(found) if isinstance(node, Mapping) else None
    return tuple(out)


def _listed(policy: Policy, name: str, value: Any, path: JsonPath) -> Iterator[Problem]:
    """A value a table names, among those its attribute lists (compared as the table writes them)."""
    domain = policy.values_of(name)
    if domain is None or value in domain or str(value) in map(cell_key, domain):
        return
    yield Problem(path, Message(N_("unknown {kind} '{name}'{hint}"), kind=_value_of(name), name=shorten(str(value)),
                                hint=choices(str(value), tuple(map(str, domain)))))


def _rules_on_no_clock(policy: Policy) -> Iterator[Problem]:
    """Notices, invariants and routes: the rules that hang on no clock."""
    kinds = policy.kinds
    for notice in policy.notices:
        yield from _unknown("kind of subject", notice.subject, kinds, notice.path + ("subject",))
        yield from _roles(policy, notice.notify, notice.path + ("notify",))
        yield from _events(policy, notice.on, notice.path + ("on",))
        yield from _condition(policy, notice.when, notice.path + ("when",))
    for invariant in policy.invariants:
        yield from _unknown("kind of subject", invariant.subject, kinds, invariant.path + ("subject",))
        yield from _events(policy, invariant.requires, invariant.path + ("requires",))
        yield from _events(policy, invariant.before, invariant.path + ("before",))
        if invariant.owner:
            yield from _events(policy, invariant.until, invariant.path + ("until",))
        yield from _roles(policy, invariant.by, invariant.path + ("by",))
        yield from _condition(policy, invariant.when, invariant.path + ("when",))
    for route in policy.routes:
        yield from _unknown("kind of subject", route.subject, kinds, route.path + ("subject",))
        yield from _condition(policy, route.when, route.path + ("when",))
    for correlation in policy.correlations:
        yield from _unknown("kind of subject", correlation.subject, kinds, correlation.path + ("subject",))
        yield from _condition(policy, correlation.when, correlation.path + ("when",))
        for i, key in enumerate(correlation.key):
            yield from _unknown("attribute", key, policy.attributes, correlation.path + ("key", i))
        if correlation.link is not None:
            yield from _unknown("attribute", correlation.link, policy.attributes, correlation.path + ("link",))
    yield from _penalties(policy)


def _penalties(policy: Policy) -> Iterator[Problem]:
    judged = (*(v.id for v in policy.invariants), *(r.id for r in policy.routes), *(c.id for c in policy.correlations))
    for penalty in policy.penalties:
        path = penalty.path
        yield from _unknown("kind of subject", penalty.subject, policy.kinds, path + ("subject",))
        yield from _condition(policy, penalty.when, path + ("when",))
        if penalty.breach is not None:
            yield from _unknown("metric", penalty.breach, policy.metrics, path + ("breach",))
        if penalty.finding is not None:
            yield from _unknown("invariant, route or correlation", penalty.finding, judged, path + ("finding",))
        if penalty.calendar is not None:
            yield from _unknown("calendar", penalty.calendar, _named_calendars(policy), path + ("calendar",))
        for i, (source, argument) in enumerate(penalty.payer):
            where = path + ("payer", i, source) if argument is not None else path + ("payer", i)
            if source in ("role", "on_duty") and argument is not None:
                yield from _role(policy, argument, where, "payer role")
            elif source == "attribute":
                yield from _unknown("attribute", argument or "", policy.attributes, where)
            elif source == "actor" and penalty.finding is None:
                yield Problem(path + ("payer", i), Message(N_("only a penalty on a finding has an actor to pay it; use assignee, "
                                                              "on_duty, an attribute or a role")))
        for i, multiplier in enumerate(penalty.multipliers):
            if multiplier.matched is not None:
                yield from _unknown("correlation", multiplier.matched, tuple(c.id for c in policy.correlations),
                                    path + ("multipliers", i, "matched"))
            yield from _condition(policy, multiplier.when, path + ("multipliers", i, "when"))


def _objectives(policy: Policy) -> Iterator[Problem]:
    judged = (*(v.id for v in policy.invariants), *(r.id for r in policy.routes), *(c.id for c in policy.correlations))
    kinds, calendars = policy.kinds, _named_calendars(policy)
    for objective in policy.objectives:
        yield from _unknown("kind of subject", objective.subject, kinds, objective.path + ("subject",))
        if objective.calendar is not None:
            yield from _unknown("calendar", objective.calendar, calendars, objective.path + ("calendar",))
        if objective.finding is not None:
            yield from _unknown("invariant or route", objective.finding, judged, objective.path + ("finding",))
        elif objective.measure == "finding_rate":
            yield Problem(objective.path, Message(N_("measure 'finding_rate' needs `finding`: the invariant or route whose findings "
                                                     "it counts")))
        if objective.measure == "coverage":
            if not objective.proof:
                yield Problem(objective.path, Message(N_("measure 'coverage' needs `proof`: the event that shows the duty was done")))
            yield from _events(policy, objective.population, objective.path + ("population",))
            yield from _events(policy, objective.proof, objective.path + ("proof",))
            if objective.within is not None:
                yield from _unknown("calendar", objective.within.calendar, calendars, objective.path + ("within", "calendar"))
        if objective.metric is not None:
            yield from _unknown("metric", objective.metric, policy.metrics, objective.path + ("metric",))
        elif objective.measure in ("on_time_rate", "mean_time"):
            yield Problem(objective.path, Message(N_("measure '{measure}' needs a metric"), measure=objective.measure))
        if objective.attribute is not None:
            yield from _unknown("attribute", objective.attribute, policy.attributes, objective.path + ("attribute",))
        elif objective.measure == "average":
            yield Problem(objective.path, Message(N_("measure 'average' needs an attribute")))
        if objective.availability is not None:
            yield from _unknown("availability measure", objective.availability, tuple(a.id for a in policy.availability),
                                objective.path + ("availability",))
        elif objective.measure == "availability":
            yield Problem(objective.path, Message(N_("measure 'availability' needs `availability`: the measure whose services it "
                                                     "judges")))
        if objective.count is not None and objective.measure != "on_time_rate":
            yield Problem(objective.path + ("count",), Message(N_("`count` says what an on_time_rate counts; measure '{measure}' "
                                                                  "has no such choice: leave `count` out"), measure=objective.measure))
        if objective.measure == "share" and objective.where == objective.of:
            yield Problem(objective.path, Message(N_("measure 'share' needs a `where` condition: the tickets to count")))
        yield from _condition(policy, objective.where, objective.path + ("where",))
        yield from _condition(policy, objective.of, objective.path + ("of",))


def _owed(policy: Policy) -> Iterator[Problem]:
    """Availability measures, credits and credit limits: their metrics, kinds, attributes and each other."""
    attributes, kinds = policy.attributes, policy.kinds
    for a in policy.availability:
        yield from _unknown("metric", a.downtime, policy.metrics, a.path + ("downtime",))
        for i, name in enumerate(a.per):
            yield from _unknown("attribute", name, attributes, a.path + ("per", i))
        for part, subject, names in (("services", a.services and a.services.subject, a.services and a.services.term),
                                     ("maintenance", a.maintenance and a.maintenance.subject, a.maintenance and a.maintenance.window)):
            if subject:
                yield from _unknown("kind of subject", subject, kinds, a.path + (part, "subject"))
            for i, name in enumerate(names or ()):
                yield from _unknown("attribute", name, attributes, a.path + (part, "term" if part == "services" else "window", i))
    measures = tuple(a.id for a in policy.availability)
    for c in policy.credits:
        if c.availability is not None:
            yield from _unknown("availability measure", c.availability, measures, c.path + ("availability",))
        if c.breach is not None:
            yield from _unknown("metric", c.breach, policy.metrics, c.path + ("breach",))
        yield from _unknown("attribute", c.payee, attributes, c.path + ("payee",))
        yield from _condition(policy, c.when, c.path + ("when",))
        amounts = [(band.credit, band.path + ("credit",)) for band in c.bands] + [(step.credit, step.path + ("credit",)) for step in c.lateness]
        yield from _fees(policy, [*amounts, *([(c.credit, c.path + ("credit",))] if c.credit is not None else [])])
    credits = tuple(c.id for c in policy.credits)
    for limit in policy.credit_limits:
        for i, name in enumerate(limit.credits):
            yield from _unknown("credit", name, credits, limit.path + ("credits", i))
        for i, name in enumerate(limit.per):
            yield from _unknown("attribute", name, attributes, limit.path + ("per", i))
        if limit.max is not None:
            yield from _fees(policy, [(limit.max, limit.path + ("max",))])


def _fees(policy: Policy, amounts: Iterable[tuple[Any, JsonPath]]) -> Iterator[Problem]:
    """The fee attribute each share of a fee (`10% of monthly_fee`) is of."""
    for amount, path in amounts:
        if isinstance(amount, OfFee):
            yield from _unknown("attribute", amount.fee, policy.attributes, path)

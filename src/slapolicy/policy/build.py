"""A schema-valid document as the typed policy model: values the schema cannot judge (dates
that do not exist, durations, time zones, conditions, calendars) are read here, and each
problem becomes a diagnostic at its file:line:column.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..calendar.durations import Duration, DurationError, parse_duration
from ..calendar.instants import MAX_YEAR, MIN_YEAR, RANGE_TEXT, InstantError, zone
from ..calendar.periods import NOT_A_REAL_DATE
from ..diagnostics.record import Diagnostic, ordinal
from ..i18n import N_, Message
from .build_owed import build_owed
from .calendars import calendars as build_calendars
from .calendars import is_choice
from .conditions import ALWAYS, Condition, ConditionError, event_items, parse_condition, regex_problem
from .derived import read_lookup, read_period
from .loader import Document, JsonPath
from .model import (
    ALWAYS_CALENDAR,
    BUILTIN_EVENTS,
    CLOCK_ACTIONS,
    MAX_REPEATS,
    VERSION,
    Attribute,
    Builtin,
    CalendarChoice,
    Correlation,
    Decision,
    Due,
    EscalationStep,
    Identity,
    Invariant,
    Metric,
    Multiplier,
    Named,
    Notice,
    Objective,
    PayerSource,
    Penalty,
    Policy,
    Route,
    Source,
    TargetRule,
    TargetValue,
    hundredths,
)
from .model import clauses_of as _clauses


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.errors: list[Diagnostic] = []
        # SLA403 per unusable zone, in file order: the model can be built, but not used; the checks still run
        self.bad_zones: dict[str, list[Diagnostic]] = {}

    def fail(self, path: JsonPath, message: str, code: str = "SLA104") -> None:
        self.errors.append(self.doc.diagnostic(path, code, message))

    def date(self, value: Any, path: JsonPath) -> dt.date | None:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(path, Message(NOT_A_REAL_DATE, text=value))
            return None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            self.fail(path, f"{day} is outside the supported range {RANGE_TEXT}")
            return None
        return day

    def duration(self, value: Any, path: JsonPath) -> Duration | None:
        try:
            return parse_duration(value)
        except DurationError as exc:
            self.fail(path, str(exc))
            return None

    def source(self, path: JsonPath) -> Source:
        mark = self.doc.locate(path)
        return Source(self.doc.path, mark.line, mark.column)

    def zone(self, name: Any, path: JsonPath) -> None:
        try:
            zone(name)
        except InstantError as exc:
            self.bad_zones.setdefault(repr(name), []).append(self.doc.diagnostic(path, "SLA403", exc.args[0]))

    def unusable(self) -> list[Diagnostic]:
        """An unusable zone is one root cause however often it is written: one SLA403, at its
        first place, naming the lines of the others."""
        merged = []
        for first, *others in self.bad_zones.values():
            also = Message(N_(" (also at line {lines})"), lines=", ".join(str(d.line) for d in others)) if others else ""
            merged.append(dataclasses.replace(first, message=first.message + also))
        return merged

    def condition(self, value: Any, path: JsonPath) -> Condition:
        try:
            return parse_condition(value, path)
        except ConditionError as exc:
            self.fail(exc.path or path, exc.message)
            return ALWAYS

    def target_value(self, value: Any, path: JsonPath, metric: str, calendar: str = ALWAYS_CALENDAR) -> TargetValue | None:
        """A duration or `{within, agreed, calendar, counting}` (targets, coverage windows); `calendar` when it names none."""
        spec = value if isinstance(value, Mapping) else {"within": value}
        d = self.duration(spec["within"], path + (("within",) if isinstance(value, Mapping) else ())) if "within" in spec else None
        if d is None and ("within" in spec or "agreed" not in spec):
            return None
        return TargetValue(metric, d, spec.get("calendar", calendar), spec.get("counting", "end_of_day"), path,
                           _clauses(spec), spec.get("choice"), agreed=spec.get("agreed"))

    def clock_events(self, m: Mapping[str, Any], path: JsonPath) -> tuple[dict[str, tuple[str, ...]],
                                                                          dict[str, dict[str, Condition]]]:
        """Each action's event types (start, stop, …) and the filters on the events' fields some of them have."""
        events: dict[str, tuple[str, ...]] = {}
        filters: dict[str, dict[str, Condition]] = {}
        for action in CLOCK_ACTIONS:
            try:
                events[action], found = event_items(m.get(action), path + (action,))
            except ConditionError as exc:
                self.fail(exc.path, exc.message)
                events[action], found = (), {}
            if found:
                filters[action] = found
        if filters and m.get("every"):
            self.fail(path + ("every",), "an `every` metric's periods are laid out from its event types: its events take no "
                                         "filter; name the event types alone")
        if m.get("owed_if_late") and not m.get("before"):
            self.fail(path + ("owed_if_late",), "owed_if_late says when a deadline before a date is owed: give the metric "
                                                "`before: ATTRIBUTE` (the appointment), or leave it out")
        return events, filters

    def window(self, value: Any, path: JsonPath) -> TargetValue | None:
        """A coverage window: written, never agreed with the subject."""
        if isinstance(value, Mapping) and "agreed" in value:
            self.fail(path + ("agreed",), "a coverage window is the policy's own time for the proof, not one agreed with a "
                                          "subject; write it with `within`")
            return None
        return self.target_value(value, path, "coverage")

    def correlation(self, c: Mapping[str, Any], path: JsonPath) -> Correlation:
        within = self.duration(c["within"], path + ("within",)) if "within" in c else None
        if within is not None and within.amount == 0:
            self.fail(path + ("within",), Message(N_("a window of {within} holds no two reports; give the time within which they recur, "
                                                     "such as 30 calendar days"), within=str(within)))
        elif within is not None and within.kind not in ("seconds", "days"):
            self.fail(path + ("within",), f"a window is clock time (72h) or calendar days or weeks, not '{within}'")
        return Correlation(c["id"], self.condition(c.get("when"), path + ("when",)), tuple(c.get("key") or ()), c.get("count"),
                           within, c.get("again_after"), c.get("link"), path, self.source(path), c.get("subject", "ticket"),
                           _clauses(c), c.get("choice"))

    def penalty(self, p: Mapping[str, Any], path: JsonPath) -> Penalty:
        payer: list[PayerSource] = []
        for source in p["payer"]:
            if isinstance(source, str):
                payer.append((source, None))
            else:
                ((kind, argument),) = source.items()
                payer.append((kind, argument))
        multipliers = tuple(
            Multiplier(float(m["factor"]), m.get("matched"), self.condition(m.get("when"), path + ("multipliers", i, "when")),
                       path + ("multipliers", i), _clauses(m), m.get("choice"))
            for i, m in enumerate(p.get("multipliers") or [])
        )
        return Penalty(p["id"], self.condition(p.get("when"), path + ("when",)), p.get("breach"), p.get("finding"),
                       p.get("calendar"), hundredths(Decimal(str(p["amount"]))), tuple(payer), multipliers, path, self.source(path), p.get("subject", "ticket"),
                       _clauses(p), p.get("choice"))


_PERIODS: dict[str, tuple[str, int, str]] = {
    "day": ("days", 1, "every day"), "working_day": ("working_days", 1, "every working day"),
    "week": ("days", 7, "every week"), "month": ("months", 1, "every month"),
    "quarter": ("months", 3, "every quarter"), "year": ("months", 12, "every year"),
}


def _schedule(name: str, m: Mapping[str, Any]) -> TargetValue | None:
    """An `every` metric's period, shaped as a target so outputs can show it ("every month, by its 5th working day")."""
    if not m.get("every"):
        return None
    kind, amount, text = _PERIODS[m["every"]]
    if isinstance(m.get("due"), Mapping):
        text += f", by its {ordinal(m['due']['working_day'])} working day"
    return TargetValue(name, Duration(kind, amount, text), m.get("calendar", ALWAYS_CALENDAR), "end_of_day",  # type: ignore[arg-type]
                       ("metrics", name, "every"))



def _events(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _choices(data: Mapping[str, Any]) -> dict[str, CalendarChoice]:
    """The calendars chosen by the subject: `{by: attribute, calendars: {value: calendar}, fallback}`."""
    return {name: CalendarChoice(name, c["by"], dict(c.get("calendars") or {}), c.get("fallback"), ("calendars", name),
                                 _clauses(c))
            for name, c in data.items() if is_choice(c)}


def _named(data: Mapping[str, Any] | None, section: str) -> dict[str, Named]:
    out = {}
    for key, value in (data or {}).items():
        if isinstance(value, str):
            out[key] = Named(key, value, "", (section, key))
        else:
            out[key] = Named(key, value.get("name", key), value.get("description", ""), (section, key), _clauses(value),
                             value.get("name_en", ""), value.get("description_en", ""))
    return out


def _scale(b: _Builder, attribute: Mapping[str, Any], path: JsonPath) -> tuple[float, float] | None:
    """A number attribute's `range: [low, high]`."""
    if "range" not in attribute:
        return None
    low, high = attribute["range"]
    if attribute.get("type") != "number":
        b.fail(path + ("range",), "a range is a scale of numbers; declare the attribute `type: number`, or list its `values`")
    elif low > high:
        b.fail(path + ("range",), f"the range [{low}, {high}] runs backwards; write the lower end first")
    return float(low), float(high)


def _share(text: str) -> float:
    """The float nearest the share written: 99.975% is 0.99975, not 99.975 / 100 (0.9997499999999999)."""
    return float(Decimal(text.strip().rstrip("%").strip()) / 100)


_SHARE = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*%")


def _threshold(b: _Builder, value: Any, path: JsonPath) -> float | None:
    """98% -> 0.98; 4h -> 14400 (seconds); plain numbers as they are."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            b.fail(path, f"{value} is not a number a target can be measured against; write a finite number or a share like 98%")
            return None
        return float(value)
    text = str(value).strip()
    if _SHARE.fullmatch(text):
        return _share(text)
    if _SHARE.fullmatch(text.replace("％", "%")):
        b.fail(path, Message(N_("'{text}' is neither a share nor a duration: '％' is a full-width (Chinese) percent sign; write {fix}"),
                             text=text, fix=text.replace("％", "%")))
        return None
    d = b.duration(text, path)
    if d is not None and d.kind != "seconds":
        b.fail(path, f"'{d}' is not a bound an objective can be measured against: a time to compare with is a length "
                     "in hours and minutes (4h, 30 working hours)")
        return None
    return float(d.seconds) if d else None


def build_policy(doc: Document) -> tuple[Policy | None, list[Diagnostic]]:
    """Model a schema-valid document; value errors the schema cannot see become diagnostics.

    A policy is returned whenever it can be modelled, with errors that make it unusable
    (an unknown time zone) among the diagnostics, so the semantic checks can still run."""
    b = _Builder(doc)
    data = doc.data
    version = doc.raw.get(("version",), str(data["version"]))
    if not VERSION.fullmatch(version):
        b.fail(("version",), f"'{version}' is not a version; write numbers separated by dots such as 2025.1")
    b.zone(data["timezone"], ("timezone",))
    declared_calendars = data.get("calendars") or {}  # none: every target runs round the clock (24x7)
    for name, cal in declared_calendars.items():
        if isinstance(cal, Mapping) and "timezone" in cal:
            b.zone(cal["timezone"], ("calendars", name, "timezone"))
    effective_from = b.date(data["effective_from"], ("effective_from",))
    effective_until = b.date(data["effective_until"], ("effective_until",)) if "effective_until" in data else None
    calendars, extends = build_calendars(b, declared_calendars, data["timezone"])
    # a correlation's id is also an event: it happens on the subject that completes a match (metrics start on it)
    events = BUILTIN_EVENTS + tuple((data.get("events") or {}).keys()) + tuple(
        c["id"] for c in data.get("correlations") or [] if c["id"] not in (data.get("events") or {}))

    attributes = {
        name: Attribute(name, a.get("type", "string"), tuple(a["values"]) if "values" in a else None, ("attributes", name),
                        required=bool(a.get("required", False)), default=a.get("default"), warn=a.get("unknown", "warn") == "warn",
                        subject=a.get("subject", "ticket"), clauses=_clauses(a), range=_scale(b, a, ("attributes", name)),
                        ignored_because=a["unknown"]["ignore"] if isinstance(a.get("unknown"), Mapping) else None)
        for name, a in (data.get("attributes") or {}).items()
    }

    metrics = {}
    for name, m in data["metrics"].items():
        pw = (m.get("pause_while") or {}).get("status")
        acting, filters = b.clock_events(m, ("metrics", name))
        metrics[name] = Metric(
            id=name,
            start=acting["start"],
            stop=acting["stop"],
            pause_on=acting["pause_on"],
            resume_on=acting["resume_on"],
            pause_statuses=_events(pw),
            cancel_on=acting["cancel_on"],
            restart_on=acting["restart_on"],
            repeat=bool(m.get("repeat", False)),
            before=m.get("before"),
            required=bool(m.get("required", False)),
            path=("metrics", name),
            title=m.get("title", ""),
            clauses=_clauses(m),
            choice=m.get("choice"),
            fail_on=acting["fail_on"],
            subject=m.get("subject", "ticket"),
            every=m.get("every"),
            due=Due(m["due"]["working_day"]) if isinstance(m.get("due"), Mapping) else Due(),
            calendar=m.get("calendar"),
            schedule=_schedule(name, m),
            title_en=m.get("title_en", ""),
            choices=dict(m.get("choices") or {}),
            filters=filters,
            retime_from=m.get("retime_from", "start"),
            owed_if_late=m.get("owed_if_late"),
        )

    reserved = {"id", "description", "description_en", "clause", "when", "calendar", "choice", "note"}
    targets = []
    for i, t in enumerate(data.get("targets") or ()):  # an availability agreement may time no ticket
        path: JsonPath = ("targets", i)
        rule_calendar = t.get("calendar", ALWAYS_CALENDAR)
        values = {}
        for key, value in t.items():
            if key in reserved:
                continue
            target = b.target_value(value, path + (key,), key, rule_calendar)
            if target is not None:
                values[key] = target
        targets.append(TargetRule(
            i, t.get("id"), b.condition(t.get("when"), path + ("when",)), values, path, b.source(path), _clauses(t),
            t.get("description", ""), t.get("choice"),
        ))

    escalations = {}
    for metric, steps in (data.get("escalations") or {}).items():
        out = []
        for i, s in enumerate(steps):
            path = ("escalations", metric, i)
            at = str(s["at"]).strip()
            share = delay = None
            if at.endswith("%"):
                share = _share(at)
            elif at not in ("breach", "start"):
                delay = b.duration(at.split("+", 1)[1].strip(), path + ("at",))
                if delay is not None and delay.kind != "seconds":
                    b.fail(path + ("at",), Message(N_("the delay after breach must be hours and minutes, not '{delay}'; write it like "
                                                      "breach + 4h"), delay=str(delay)))
            rep = s.get("repeat") or {}
            every = b.duration(rep["every"], path + ("repeat", "every")) if rep else None
            if every is not None and (every.kind != "seconds" or every.amount < 60):
                b.fail(path + ("repeat", "every"),
                       f"a repeat interval must be a time in hours and minutes of at least 1m, not '{every}'")
            if rep.get("times") is not None and rep["times"] > MAX_REPEATS:
                b.fail(path + ("repeat", "times"),
                       f"{rep['times']} firings are more than slapolicy allows ({MAX_REPEATS}); "
                       "without `times` a step repeats while its clock runs, at most that often")
            out.append(EscalationStep(
                metric=metric, index=i + 1, id=s.get("id"), at_start=at == "start", share=share, delay=delay, notify=tuple(s["notify"]),
                when=b.condition(s.get("when"), path + ("when",)), repeat_every=every,
                repeat_times=rep.get("times"), path=path, source=b.source(path), clauses=_clauses(s), choice=s.get("choice"),
            ))
        escalations[metric] = tuple(out)

    objectives = []
    for i, o in enumerate(data.get("objectives") or []):
        path = ("objectives", i)
        objectives.append(Objective(
            id=o["id"], measure=o["measure"], metric=o.get("metric"), attribute=o.get("attribute"),
            where=b.condition(o.get("where"), path + ("where",)), of=b.condition(o.get("of"), path + ("of",)),
            min=_threshold(b, o.get("min"), path + ("min",)), max=_threshold(b, o.get("max"), path + ("max",)),
            period=o.get("period", "month"), path=path, source=b.source(path), clauses=_clauses(o),
            choice=o.get("choice"), calendar=o.get("calendar"), subject=o.get("subject", "ticket"), q=o.get("q"),
            finding=o.get("finding"), population=_events(o.get("population")) or ("created",), proof=_events(o.get("proof")),
            within=b.window(o["within"], path + ("within",)) if "within" in o else None,
            description=o.get("description", ""), count=o.get("count"), availability=o.get("availability"),
        ))

    notices = tuple(
        Notice(n["id"], b.condition(n.get("when"), ("notices", i, "when")), _events(n.get("on")), tuple(n["notify"]),
               ("notices", i), b.source(("notices", i)), n.get("subject", "ticket"), _clauses(n), n.get("choice"))
        for i, n in enumerate(data.get("notices") or [])
    )
    decisions = tuple(
        Decision(tuple(d["clauses"]), _clauses({"clause": d["applies"]}), d["why"], ("decisions", i))
        for i, d in enumerate(data.get("decisions") or [])
    )

    invariants = tuple(
        Invariant(v["id"], b.condition(v.get("when"), ("invariants", i, "when")), _events(v.get("requires")),
                  _events(v.get("before")), tuple(v.get("by") or ()), v.get("owner") == "first",
                  _events(v.get("until")) or ("closed",), ("invariants", i), b.source(("invariants", i)),
                  v.get("subject", "ticket"), _clauses(v), v.get("choice"))
        for i, v in enumerate(data.get("invariants") or [])
    )
    routes = tuple(
        Route(r["id"], i, b.condition(r.get("when"), ("routing", i, "when")), _events(r["group"]), ("routing", i),
              b.source(("routing", i)), r.get("subject", "ticket"), _clauses(r), r.get("choice"))
        for i, r in enumerate(data.get("routing") or [])
    )
    correlations = tuple(b.correlation(c, ("correlations", i)) for i, c in enumerate(data.get("correlations") or []))
    penalties = tuple(b.penalty(pen, ("penalties", i)) for i, pen in enumerate(data.get("penalties") or []))
    availability, credits, credit_limits = build_owed(b, data)
    identity = None
    if "identity" in data:
        spec = data["identity"]
        problem = regex_problem(spec["pattern"])
        if problem is not None:
            b.fail(("identity", "pattern"), problem)
        identity = Identity(spec["pattern"], ("identity",), b.source(("identity",)), _clauses(spec), spec.get("choice"))

    periods = {name: read_period(name, spec, ("periods", name), b.source(("periods", name)), _clauses(spec), b.fail)
               for name, spec in (data.get("periods") or {}).items()}
    lookups = {name: read_lookup(name, spec, ("lookups", name), b.source(("lookups", name)), _clauses(spec), b.fail)
               for name, spec in (data.get("lookups") or {}).items()}

    if b.errors or effective_from is None:
        return None, b.errors + b.unusable()
    policy = Policy(
        id=data["policy"], version=version, title=data.get("title", ""), effective_from=effective_from,
        effective_until=effective_until, timezone=data["timezone"], calendars=calendars,
        calendar_paths={n: ("calendars", n) for n, c in declared_calendars.items() if not is_choice(c)}, calendar_extends=extends,
        severities=_named(data.get("severities"), "severities"), tiers=_named(data.get("tiers"), "tiers"),
        roles=_named(data.get("roles"), "roles"), attributes=attributes,
        statuses=tuple(data["statuses"]) if "statuses" in data else None, events=events, metrics=metrics,
        targets=tuple(targets), escalations=escalations, objectives=tuple(objectives), source=doc.path, document=doc,
        subjects=_named(data.get("subjects"), "subjects"), notices=notices, registers=tuple(data.get("registers") or ()),
        decisions=decisions, invariants=invariants, routes=routes, identity=identity,
        calendar_clauses={n: _clauses(c) for n, c in declared_calendars.items() if isinstance(c, Mapping) and "clause" in c},
        correlations=correlations, penalties=penalties, currency=data.get("currency"), title_en=data.get("title_en", ""),
        life_ends=("closed", *(name for name, e in (data.get("events") or {}).items() if isinstance(e, Mapping) and e.get("ends") == "life")),
        calendar_choices=_choices(declared_calendars),
        periods=periods, lookups=lookups,
        builtins={name: Builtin(name, ("builtins", name), b.source(("builtins", name)), _clauses(spec))
                  for name, spec in (data.get("builtins") or {}).items()},
        availability=availability, credits=credits, credit_limits=credit_limits,
    )
    return policy, b.unusable()

"""What changed between two versions of a policy, in the policy's own terms, for a reviewer.

Compares the models, not the YAML: a rule moved, re-indented or rewritten with the same
meaning is no change, and a rule whose `when` now shadows another shows up where it
matters, as the targets each severity x tier gets. Each change names where it is in both
files, so a review comment can point at the line. What it says in words (an item, a value, a note)
is a Message: JSON reads it in English, the text and Markdown say it in the reader's language.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..calendar.durations import Duration
from ..calendar.periods import DaySpan
from ..calendar.spec import WEEKDAYS, CalendarSpec
from ..i18n import N_, Message, listing
from ..policy.conditions import All, AnyOf, Compare, Condition, Not, evaluate_partial, fields
from ..policy.loader import JsonPath
from ..policy.model import EscalationStep, Objective, Penalty, Policy, TargetRule, TargetValue
from ..policy.owed import OfFee, Share

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"
ANY = object()  # a combination's axis that takes every value (collapsed): left out of its label
MAX_COMBINATIONS = 20_000  # per metric; beyond it an attribute is left open (its targets read "depends on …")
# fields that say where an object is, not what it means
_PLACE = frozenset({"path", "source", "index", "id", "document"})


@dataclass(frozen=True)
class Change:
    """One semantic change: `item` in `section`, its value before and after (text), where it is."""

    section: str
    item: str
    kind: str  # added, removed, changed, moved
    old: str | None = None
    new: str | None = None
    old_at: str | None = None  # file:line in the old version
    new_at: str | None = None
    note: str = ""  # what it means: the effect of a move on precedence


@dataclass(frozen=True)
class PolicyDiff:
    old: Policy
    new: Policy
    changes: tuple[Change, ...]

    @property
    def equal(self) -> bool:
        return not self.changes


def diff_policies(old: Policy, new: Policy) -> PolicyDiff:
    """Every semantic change from `old` to `new`, section by section."""
    sides = _Sides(old, new)
    changes = [  # what a reviewer reads first: the deadlines each ticket gets
        *_header(sides), *_effective_targets(sides), *_rules(sides), *_calendars(sides),
        *sides.keyed("calendars", old.calendar_choices, new.calendar_choices), *_escalations(sides),
        *sides.keyed("objectives", _by_id(old.objectives), _by_id(new.objectives)),
        *sides.keyed("metrics", old.metrics, new.metrics),
        *sides.keyed("subjects", old.subjects, new.subjects), *sides.keyed("severities", old.severities, new.severities),
        *sides.keyed("tiers", old.tiers, new.tiers), *sides.keyed("roles", old.roles, new.roles),
        *sides.keyed("attributes", old.attributes, new.attributes), *_periods(sides), *_lookups(sides),
        *_sets(sides, "events", _events(old), _events(new)),
        *_life_ends(sides),
        *_sets(sides, "statuses", old.statuses or (), new.statuses or ()),
        *sides.keyed("notices", _by_id(old.notices), _by_id(new.notices)),
        *sides.keyed("invariants", _by_id(old.invariants), _by_id(new.invariants)),
        *sides.keyed("routing", _by_id(old.routes), _by_id(new.routes)),
        *sides.keyed("correlations", _by_id(old.correlations), _by_id(new.correlations)),
        *sides.keyed("penalties", _by_id(old.penalties), _by_id(new.penalties)),
        *sides.keyed("builtins", old.builtins, new.builtins),
        *sides.keyed("availability", _by_id(old.availability), _by_id(new.availability)),
        *sides.keyed("credits", _by_id(old.credits), _by_id(new.credits)),
        *sides.keyed("credit_limits", _by_id(old.credit_limits), _by_id(new.credit_limits)),
        *sides.keyed("decisions", {" / ".join(d.clauses): d for d in old.decisions}, {" / ".join(d.clauses): d for d in new.decisions}),
    ]
    return PolicyDiff(old, new, tuple(changes))


class _Sides:
    """The two versions, with where a JSON path is in each file."""

    def __init__(self, old: Policy, new: Policy) -> None:
        self.old, self.new = old, new

    def at(self, policy: Policy, path: JsonPath) -> str:
        return f"{policy.source}:{policy.document.locate(path).line}"

    def at_key(self, policy: Policy, path: JsonPath, key: str) -> str:
        """The line of `key` under `path` when it is written there, else of `path` (an inherited or default value)."""
        found: Any = policy.document.data
        for part in path:
            found = found.get(part) if isinstance(found, Mapping) else None
        return self.at(policy, path + (key,) if isinstance(found, Mapping) and key in found else path)

    def keyed(self, section: str, old: Mapping[str, Any], new: Mapping[str, Any],
              label: Callable[[str], str] = str) -> Iterator[Change]:
        """Objects matched by key (`label` names one: `rule p1`): added, removed, or changed field by field."""
        for key in [*old, *(k for k in new if k not in old)]:
            a, b = old.get(key), new.get(key)
            item = label(key)
            if a is None:
                assert b is not None
                yield Change(section, item, ADDED, new=_summary(b), new_at=self.at(self.new, b.path))
            elif b is None:
                yield Change(section, item, REMOVED, old=_summary(a), old_at=self.at(self.old, a.path))
            else:
                x, y = _fields(a), _fields(b)
                for name in [*x, *(n for n in y if n not in x)]:
                    if x.get(name) != y.get(name):
                        yield Change(section, Message("{item} {field}", item=item, field=name), CHANGED, x.get(name), y.get(name),
                                     self.at(self.old, a.path), self.at(self.new, b.path))


_OTHER_DAYS = Message(N_("every other day"))


def _periods(s: _Sides) -> Iterator[Change]:
    """Date periods: each named period's days, added, removed or changed; what the other days are called."""
    for name in [*s.old.periods, *(n for n in s.new.periods if n not in s.old.periods)]:
        a, b = s.old.periods.get(name), s.new.periods.get(name)
        before = {} if a is None else {**{v: _days(spans) for v, spans in a.spans.items()}, a.otherwise: _OTHER_DAYS}
        after = {} if b is None else {**{v: _days(spans) for v, spans in b.spans.items()}, b.otherwise: _OTHER_DAYS}
        yield from _entries(s, "periods", name, a, b, before, after)
        if a is not None and b is not None:
            yield from s.keyed("periods", {name: dataclasses.replace(a, spans={}, otherwise="")},
                               {name: dataclasses.replace(b, spans={}, otherwise="")})


def _lookups(s: _Sides) -> Iterator[Change]:
    """Lookup tables (the priority matrix) cell by cell: `severity High × LOW: P3 → P4`; then what else they say."""
    for name in [*s.old.lookups, *(n for n in s.new.lookups if n not in s.old.lookups)]:
        a, b = s.old.lookups.get(name), s.new.lookups.get(name)
        cells = [{" × ".join(k): _text(v) for k, v in t.cells.items()} if t is not None else {} for t in (a, b)]
        yield from _entries(s, "lookups", name, a, b, *cells)
        if a is not None and b is not None:
            yield from s.keyed("lookups", {name: dataclasses.replace(a, cells={})}, {name: dataclasses.replace(b, cells={})})


def _entries(s: _Sides, section: str, name: str, a: Any, b: Any, before: Mapping[str, str],
             after: Mapping[str, str]) -> Iterator[Change]:
    """The entries (cells, named periods) of a table or period present in either version, each that differs."""
    for key in [*before, *(k for k in after if k not in before)]:
        x, y = before.get(key), after.get(key)
        if x != y:
            kind = ADDED if x is None else REMOVED if y is None else CHANGED
            yield Change(section, f"{name} {key}", kind, x, y, s.at(s.old, a.path) if a is not None else None,
                         s.at(s.new, b.path) if b is not None else None)


def _days(spans: Iterable[DaySpan]) -> str:
    return listing([Message(N_("every year {days}"), days=span.text()) if span.yearly else span.text() for span in spans])


def _events(policy: Policy) -> list[str]:
    """Declared and built-in events; a correlation's id is an event too, but the correlations section shows it."""
    return [e for e in policy.events if e not in {c.id for c in policy.correlations}]


def _life_ends(s: _Sides) -> Iterator[Change]:
    """An event both versions declare that ends the subject's life (`ends: life`) in only one of them:
    what ends with the life (repeating clocks, duties, phase-end invariants) changes with it."""
    for name in s.new.events:
        was, now = name in s.old.life_ends, name in s.new.life_ends
        if name in s.old.events and was != now:
            yield Change("events", Message(N_("{event} ends"), event=name), CHANGED, "life" if was else "—", "life" if now else "—",
                         s.at(s.old, ("events", name)), s.at(s.new, ("events", name)))


def _by_id(items: Iterable[Any]) -> dict[str, Any]:
    return {i.id: i for i in items}


def _header(s: _Sides) -> Iterator[Change]:
    for name in ("version", "title", "effective_from", "effective_until", "timezone", "currency", "registers"):
        x, y = getattr(s.old, name), getattr(s.new, name)
        if _text(x) != _text(y):
            yield Change("policy", name, CHANGED, _text(x), _text(y), None if x in (None, "", ()) else s.at(s.old, (name,)),
                         None if y in (None, "", ()) else s.at(s.new, (name,)))
    a, b = s.old.identity, s.new.identity
    x, y = _text(a.pattern if a else None), _text(b.pattern if b else None)
    if x != y:
        yield Change("policy", "identity", CHANGED, x, y, s.at(s.old, a.path) if a else None, s.at(s.new, b.path) if b else None)


def _sets(s: _Sides, section: str, old: Iterable[str], new: Iterable[str]) -> Iterator[Change]:
    """Names declared in one version only (events, statuses), with the policy's words for them."""
    a, b = tuple(old), tuple(new)
    for name in a:
        if name not in b:
            yield Change(section, name, REMOVED, old=_declared(s.old, section, name), old_at=s.at(s.old, (section, name)))
    for name in b:
        if name not in a:
            yield Change(section, name, ADDED, new=_declared(s.new, section, name), new_at=s.at(s.new, (section, name)))


def _declared(policy: Policy, section: str, name: str) -> str:
    words = policy.document.data.get(section)
    return words[name] if isinstance(words, Mapping) and isinstance(words.get(name), str) else Message(N_("declared"))


def _calendars(s: _Sides) -> Iterator[Change]:
    old = {k: v for k, v in s.old.calendars.items() if k in s.old.calendar_paths}
    new = {k: v for k, v in s.new.calendars.items() if k in s.new.calendar_paths}
    for name in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(name), new.get(name)
        old_at = s.at(s.old, s.old.calendar_paths[name]) if a else None
        new_at = s.at(s.new, s.new.calendar_paths[name]) if b else None
        if a is None or b is None:
            yield Change("calendars", name, ADDED if a is None else REMOVED, calendar_words(a) if a else None,
                         calendar_words(b) if b else None, old_at, new_at)
            continue
        for field, key, x, y in (
                (N_("hours"), "hours", _hours(a), _hours(b)), (N_("holidays"), "holidays", _country(a), _country(b)),
                (N_("zone"), "timezone", a.timezone, b.timezone),
                (N_("make-up days work as"), "make_up_day_hours", WEEKDAYS[a.make_up_weekday], WEEKDAYS[b.make_up_weekday]),
                (N_("extra holidays"), "extra_holidays", _text(a.extra_holidays), _text(b.extra_holidays)),
                (N_("make-up working days"), "extra_working_days", _text(a.extra_working_days), _text(b.extra_working_days))):
            if x != y:
                yield Change("calendars", Message("{calendar} {field}", calendar=name, field=Message(field)), CHANGED, x, y, s.at_key(s.old, s.old.calendar_paths[name], key),
                             s.at_key(s.new, s.new.calendar_paths[name], key))


def calendar_words(c: CalendarSpec) -> str:
    """'mon-fri 09:00-12:00, 13:30-18:00; CN holidays; Asia/Shanghai', or 'around the clock'."""
    if c.always:
        return Message(N_("around the clock (24x7)"))
    parts = [_hours(c), _country(c)]
    if c.extra_holidays:
        parts.append(Message(N_("{count} extra holidays"), count=len(c.extra_holidays)))
    if c.extra_working_days:
        parts.append(Message(N_("{count} make-up working days"), count=len(c.extra_working_days)))
    return listing([*parts, c.timezone], "; ")


def _hours(c: CalendarSpec) -> str:
    """Weekdays with the same hours grouped into ranges: 'mon-fri 09:00-12:00, 13:30-18:00'."""
    groups: list[tuple[list[int], tuple[tuple[int, int], ...]]] = []
    for day, spans in enumerate(c.hours):
        if spans and groups and groups[-1][1] == spans and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        elif spans:
            groups.append(([day], spans))
    if not groups:
        return Message(N_("no working hours"))

    def hhmm(m: int) -> str:
        return f"{m // 60 % 24:02d}:{m % 60:02d}"

    return "; ".join(
        (WEEKDAYS[d[0]] if len(d) == 1 else f"{WEEKDAYS[d[0]]}-{WEEKDAYS[d[-1]]}") + " "
        + ", ".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in spans) for d, spans in groups)


def _country(c: CalendarSpec) -> str:
    if c.country is None:
        return Message(N_("no public holidays"))
    return Message(N_("{country} public holidays, make-up days worked"), country=c.country + (f"-{c.subdivision}" if c.subdivision else ""))


def _rule_key(rule: TargetRule) -> str:
    return rule.id or f"#{rule.index + 1}"


def _rules(s: _Sides) -> Iterator[Change]:
    """Target rules matched by id (by position when they have none): added, removed, changed, moved."""
    old = {_rule_key(r): r for r in s.old.targets}
    new = {_rule_key(r): r for r in s.new.targets}
    yield from s.keyed("rules", old, new, _rule_label)
    common_old = [k for k in old if k in new]
    common_new = [k for k in new if k in old]
    for key in common_new:
        before = set(common_old[common_old.index(key) + 1:])
        after = set(common_new[common_new.index(key) + 1:])
        if before == after:
            continue
        now_before = sorted(after - before, key=common_new.index)
        now_after = sorted(before - after, key=common_new.index)
        note = listing([
            *([Message(N_("now tried before {rules}: it wins where both match"), rules=", ".join(now_before))] if now_before else []),
            *([Message(N_("now tried after {rules}: they win where both match"), rules=", ".join(now_after))] if now_after else [])], "; ")
        yield Change("rules", _rule_label(key), MOVED, _position(old[key]), _position(new[key]),
                     s.at(s.old, old[key].path), s.at(s.new, new[key].path), note)


def _rule_label(key: str) -> str:
    return Message(N_("rule {rule}"), rule=key)


def _position(rule: TargetRule) -> str:
    return Message(N_("position {number}"), number=rule.index + 1)


def _escalations(s: _Sides) -> Iterator[Change]:
    for metric in [*s.old.escalations, *(m for m in s.new.escalations if m not in s.old.escalations)]:
        old = {step.id or Message(N_("step {number}"), number=step.index): step for step in s.old.escalations.get(metric, ())}
        new = {step.id or Message(N_("step {number}"), number=step.index): step for step in s.new.escalations.get(metric, ())}

        def label(step: str, metric: str = metric) -> str:
            return Message("{metric}: {step}", metric=metric, step=step)

        yield from s.keyed("escalations", old, new, label)


def _effective_targets(s: _Sides) -> Iterator[Change]:
    """Per metric, each combination whose effective target (first matching rule) differs; combinations
    with the same change are collapsed (`severity=P2` for every tier of P2)."""
    timed = s.old.timed | s.new.timed
    for metric in dict.fromkeys(m for m in [*s.old.metrics, *s.new.metrics] if m in timed):
        axes = _axes(s.old, s.new, metric)
        groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        where: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        for combo in itertools.product(*axes.values()):
            known = dict(zip(axes, combo))
            a, ra = _effective(s.old, metric, known)
            b, rb = _effective(s.new, metric, known)
            if a != b:
                groups.setdefault((a, b), []).append(combo)
                where.setdefault((a, b), (s.at(s.old, ra) if ra else None, s.at(s.new, rb) if rb else None))
        subject = next(p.metrics[metric].subject for p in (s.new, s.old) if metric in p.metrics)
        for (a, b), combos in groups.items():
            kind = ADDED if a == _NONE else REMOVED if b == _NONE else CHANGED
            for combo in _collapse(combos, list(axes.values())):
                item = " / ".join(f"{k}={_text(v)}" for k, v in zip(axes, combo) if v is not ANY) or _every(subject)
                yield Change("targets", Message(N_("{metric} for {tickets}"), metric=metric, tickets=item), kind, a, b, *where[(a, b)])


def _every(subject: str) -> str:
    """Every subject of the kind: `every ticket`, `every call`."""
    return Message(N_("every ticket")) if subject == "ticket" else Message(N_("every {subject}"), subject=subject)


def _axes(old: Policy, new: Policy, metric: str) -> dict[str, tuple[Any, ...]]:
    """severity and tier (for tickets), and each attribute with declared values that a rule for `metric` tests."""
    axes: dict[str, tuple[Any, ...]] = {}
    if all(p.metrics[metric].subject == "ticket" for p in (old, new) if metric in p.metrics):
        severities = tuple(dict.fromkeys([*old.severities, *new.severities]))
        if severities:  # a policy without severities times its tickets alike
            axes["severity"] = severities
        tiers = tuple(dict.fromkeys([*old.tiers, *new.tiers]))
        if tiers:
            axes["tier"] = tiers
    size = math.prod(len(v) for v in axes.values())
    for p in (old, new):
        for rule in p.targets:
            if metric not in rule.values:
                continue
            for name in _read(rule.when):
                values = tuple(dict.fromkeys(v for q in (old, new) if name in q.attributes for v in q.attributes[name].values or ()))
                if name not in axes and values and size * len(values) <= MAX_COMBINATIONS:
                    axes[name] = values
                    size *= len(values)
    return axes


def _effective(policy: Policy, metric: str, known: Mapping[str, Any]) -> tuple[str, JsonPath | None]:
    """The target the first matching rule gives (as text) and that rule's path; 'none' when no rule
    matches, 'depends on …' when a rule before the match tests an attribute the combination leaves open."""
    names = frozenset(known)
    for rule in policy.targets:
        if metric not in rule.values:
            continue
        result = evaluate_partial(rule.when, known, names)
        if result is None:
            open_ = sorted(_read(rule.when) - names)
            return Message(N_("depends on {attributes} (rule {rule})"), attributes=", ".join(open_), rule=_rule_key(rule)), rule.path
        if result:
            return target_words(rule.values[metric], policy), rule.path
    return _NONE, None


_NONE = Message(N_("none"))  # no rule gives the metric a target


def _read(cond: Condition) -> set[str]:
    """The attributes a condition reads."""
    return set(fields(cond))


def target_words(t: TargetValue, policy: Policy) -> str:
    """'3h on office (mon-fri 09:00-12:00, 13:30-18:00; CN public holidays …)'."""
    spec = policy.calendars.get(t.calendar)
    choice = policy.calendar_choices.get(t.calendar)
    if choice is not None:
        cal = Message(N_("on {calendar} (by {attribute}: {choices}; otherwise {fallback})"), calendar=t.calendar,
                      attribute=choice.attribute, choices=_text(choice.calendars), fallback=_text(choice.fallback))
    elif spec is None or spec.always:
        cal = Message(N_("around the clock"))
    else:
        cal = Message(N_("on {calendar} ({hours}; {holidays})"), calendar=t.calendar, hours=_hours(spec), holidays=_country(spec))
    counting = "" if t.counting == "end_of_day" else Message(N_(", counting {counting}"), counting=t.counting)
    return Message("{limit} {calendar}{counting}", limit=t.text, calendar=cal, counting=counting)


def _collapse(combos: list[tuple[Any, ...]], axes: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Merge combinations that differ on one axis and cover all its values into one with ANY there."""
    current = set(combos)
    for i in reversed(range(len(axes))):
        buckets: dict[tuple[Any, ...], set[Any]] = {}
        for c in current:
            buckets.setdefault(c[:i] + c[i + 1:], set()).add(c[i])
        merged: set[tuple[Any, ...]] = set()
        for rest, values in buckets.items():
            if values >= set(axes[i]) and len(axes[i]) > 1:
                merged.add(rest[:i] + (ANY,) + rest[i:])
            else:
                merged.update(rest[:i] + (v,) + rest[i:] for v in values)
        current = merged
    order = [{v: n for n, v in enumerate((*axis, ANY))} for axis in axes]
    return sorted(current, key=lambda c: tuple(o[v] for o, v in zip(order, c)))


def _fields(obj: Any) -> dict[str, str]:
    """An object's meaning, field by field, as text (where it is left out)."""
    out = {f.name: _text(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in _PLACE}
    if isinstance(obj, EscalationStep):
        for name in ("metric", "at_start", "share", "delay"):
            del out[name]
        at = "start" if obj.at_start else f"{obj.share * 100:g}%" if obj.share is not None else "breach"
        out = {"at": f"breach + {obj.delay}" if obj.delay is not None else at, **out}
    if isinstance(obj, Penalty):
        out["amount"] = f"{obj.amount:.2f}"
    if isinstance(obj, Objective) and (obj.measure.endswith("rate") or obj.measure in ("share", "coverage", "availability")):
        out.update({k: f"{v * 100:g}%" for k in ("min", "max") if (v := getattr(obj, k)) is not None})
    return out


def _summary(obj: Any) -> str:
    """The fields that say something: those left at their default or empty are not listed."""
    defaults = {f.name: _text(f.default) for f in dataclasses.fields(obj) if f.default is not dataclasses.MISSING}
    return listing([_field(k, v) for k, v in _fields(obj).items() if v not in ("—", "always", "false", defaults.get(k))], "; ")


def _text(value: Any) -> str:
    """A value as a reviewer reads it: durations as written, conditions as `severity = P1`."""
    if value is None or value == "":
        return "—"
    if isinstance(value, (Compare, All, AnyOf, Not)):
        return condition_words(value)
    if isinstance(value, Duration):
        return value.text
    if isinstance(value, TargetValue):
        return Message(N_("{limit} on {calendar}"), limit=value.text, calendar=value.calendar)
    if isinstance(value, (Share, OfFee)):  # as written: 99.975%, 10% of monthly_fee
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):  # target values by metric, a metric's choices: their order means nothing
        return listing([_field(k, _text(v)) for k, v in sorted(value.items())], "; ") or "—"
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value) if isinstance(value, (frozenset, set)) else value
        return listing([_text(v) for v in items]) if items else "—"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _summary(value) or "—"
    return str(value)


def _field(name: str, value: str) -> str:
    return Message("{field}: {value}", field=name, value=value)


def condition_words(cond: Condition) -> str:
    """`severity = P1 and tier in [basic, standard]`; 'always' for no condition."""
    if isinstance(cond, Compare):
        value = f"[{', '.join(map(_text, cond.value))}]" if isinstance(cond.value, (list, tuple)) else _text(cond.value)
        op = {"eq": "=", "ne": "≠", "in": "in", "not_in": "not in", "lt": "<", "le": "≤", "gt": ">", "ge": "≥",
              "matches": "matches", "exists": "exists" if cond.value else "is missing"}.get(cond.op, cond.op)
        return f"{cond.field} {op}" if cond.op == "exists" else f"{cond.field} {op} {value}"
    if isinstance(cond, Not):
        return f"not ({condition_words(cond.item)})"
    if not cond.items:
        return "always" if isinstance(cond, All) else "never"
    joiner = " and " if isinstance(cond, All) else " or "
    return joiner.join(condition_words(c) if isinstance(c, Compare) else f"({condition_words(c)})" for c in cond.items)

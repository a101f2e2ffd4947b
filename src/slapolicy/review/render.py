"""The policy as the document people read: severities, targets per tier with the calendar in
words, escalation ladders, duties, rules, objectives and penalties, each with the clause it
implements (and that clause's own words from the register) or marked as the company's choice.

`document()` builds a language-specific document model; output/render.py writes it as
Markdown or as a printable HTML page. Everything here is words, nothing here is layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..calendar.business import CalendarSpec
from ..calendar.durations import Duration
from ..policy.conditions import All, AnyOf, Compare, Condition, Not, evaluate_partial, fields
from ..policy.loader import JsonPath
from ..policy.model import ALWAYS_CALENDAR, EscalationStep, Metric, Named, Policy, Source, TargetValue
from ..policy.register import Clause, clause_index, registers_of

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# key -> (zh, en): every fixed word of the document
WORDS: dict[str, tuple[str, str]] = {
    "severities": ("严重等级", "Severity levels"), "tiers": ("服务等级", "Service tiers"),
    "calendars": ("工作日历", "Business calendars"), "targets": ("服务时限", "Service time limits"),
    "rules": ("时限规则（按优先顺序）", "Time-limit rules (in order of precedence)"),
    "escalations": ("升级与通报", "Escalation ladders"), "duties": ("定期与其他职责", "Duties of other subjects"),
    "rules_other": ("通知、流程与分派规则", "Notices, procedures and routing"), "objectives": ("质量目标", "Quality objectives"),
    "penalties": ("罚则", "Penalties"), "appendix": ("附录：条款原文", "Appendix: clause texts"),
    "decisions": ("条款冲突的处理", "Where clauses disagree"), "contents": ("目录", "Contents"),
    "policy": ("制度", "Policy"), "version": ("版本", "Version"), "effective": ("生效", "In force"),
    "timezone": ("时区", "Time zone"), "registers": ("依据的规章", "Regulations implemented"), "owner": ("负责部门", "Owner"),
    "id": ("代号", "Id"), "name": ("名称", "Name"), "description": ("说明", "Description"), "basis": ("依据", "Basis"),
    "services": ("服务内容", "Services"), "hours": ("时间", "Hours"), "metric": ("时限项目", "Clock"),
    "severity": ("严重等级", "Severity"), "tier": ("服务等级", "Tier"), "all_tiers": ("所有服务等级", "All tiers"),
    "step": ("步骤", "Step"), "at": ("时点", "When"), "notify": ("通知", "Notify"), "condition": ("适用条件", "Applies to"),
    "repeat": ("重复", "Repeat"), "due": ("时限", "Due"), "subject": ("对象", "Subject"), "starts": ("起算", "Starts at"),
    "stops": ("完成", "Met by"), "objective": ("目标", "Objective"), "measure": ("度量", "Measure"),
    "threshold": ("要求", "Required"), "period": ("周期", "Period"), "amount": ("金额", "Amount"), "payer": ("承担人", "Paid by"),
    "occurs": ("情形", "For each"), "cited_by": ("引用", "Cited by"),
    "choice": ("本单位规定", "local choice"), "note": ("注", "note"), "applies": ("适用", "applies"),
    "always": ("所有", "every case"), "and": (" 且 ", " and "), "or": (" 或 ", " or "), "not": ("非", "not "),
    "until": ("至", "to"), "open": ("长期有效", "no end date"), "none": ("—", "—"),
    "at_start": ("计时开始时", "when the clock starts"), "at_breach": ("超时时", "at breach"),
    "share_of": ("时限的 {}", "{} of the time limit"), "after_breach": ("超时后 {}", "{} after breach"),
    "every_times": ("每 {} 一次，共 {} 次", "every {}, {} times"), "every_open": ("每 {} 一次", "every {}"),
    "when_only": ("（仅当 {}）", " (when {})"), "requires": ("“{}”须在“{}”之前", "“{}” must come before “{}”"),
    "by": ("，由 {} 完成", ", by {}"), "owner_rule": ("首位受理人负责到底，直至 {}", "the first assignee keeps it until {}"),
    "route": ("分派至 {}", "assigned to {}"), "notice_on": ("{} 时通知", "notify on {}"),
    "identity": ("编号格式", "Id format"), "recurrence": ("{within}内出现 {count} 次（{key} 相同）", "{count} times within {within} with the same {key}"),
    "again": ("{} 解决后再次出现（相同 {}）", "again after {} (same {})"), "link": ("关联前一工单（{}）", "names an earlier one ({})"),
    "breach_of": ("{} 超时", "a breach of {}"), "finding_of": ("违反 {}", "a finding of {}"), "each": ("每件符合条件的", "each matching"),
    "multiplier": ("乘以 {}", "times {}"), "clocks": ("计时规则", "How each clock runs"),
    "pauses": ("暂停", "Paused while"),
    "precedence": ("同一时限项目有多条规则时，按规则顺序第一条适用的规则为准；“—”表示该等级没有此项时限。",
                   "Where several rules time the same clock, the first rule in order that applies wins; “—”: no time limit "
                   "for that severity."), "status": ("状态为 {}", "status {}"),
    "coverage": ("：{population}后 {within} 内{proof}", ": {proof} within {within} of {population}"),
}

DURATION_UNITS = {"zh": ("小时", "分钟", "秒", "个工作日", "个自然日", "个月"),
                  "en": ("h", "min", "s", "working day", "calendar day", "month")}
DAY_NAMES = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
PERIODS = {"day": ("每日", "every day"), "working_day": ("每个工作日", "every working day"), "week": ("每周", "every week"),
           "month": ("每月", "every month"), "quarter": ("每季度", "every quarter"), "year": ("每年", "every year")}
MEASURES = {"on_time_rate": ("按时率", "on-time rate"), "resolution_rate": ("解决率", "resolution rate"),
            "share": ("比例", "share"), "average": ("平均分", "average"), "mean_time": ("平均用时", "mean time"),
            "percentile": ("分位用时", "percentile time"), "coverage": ("覆盖率", "coverage"),
            "finding_rate": ("违规率", "finding rate")}
EVENTS = {"created": ("工单创建", "ticket created"), "registered": ("工单登记", "registered"), "responded": ("首次响应", "responded"),
          "plan_proposed": ("提出解决方案", "solution proposed"), "resolved": ("问题解决", "resolved"),
          "reopened": ("重新打开", "reopened"), "closed": ("工单关闭", "closed"), "archived": ("记录归档", "archived"),
          "followed_up": ("客户回访", "followed up"), "on_site_requested": ("申请现场服务", "on-site service requested"),
          "on_site_arrived": ("到达现场", "arrived on site"), "on_site_update": ("现场进度通报", "on-site progress report"),
          "on_site_finished": ("现场服务完成", "on-site service finished"), "status": ("状态变更", "status changed"),
          "update": ("工单更新", "ticket updated"), "assigned": ("分派", "assigned")}
_CITED = re.compile(r"\s*[（(](?:R-[0-9]{3}-[0-9]{2}[,，、\s]*)+[)）]\s*$")  # "(R-000-20)" after an event's words
RATES = ("on_time_rate", "resolution_rate", "share", "coverage", "finding_rate")


@dataclass(frozen=True)
class Basis:
    """Why a rule says what it says: the clauses it implements, or the company's choice, and how it was read."""

    clauses: tuple[str, ...]
    choice: str
    note: str
    source: str  # path:line of the rule


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    bases: tuple[Basis | None, ...]  # one per row, shown in the last column


@dataclass(frozen=True)
class Rule:
    title: str
    lines: tuple[str, ...]
    basis: Basis


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    tables: tuple[Table, ...] = ()
    rules: tuple[Rule, ...] = ()
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedPolicy:
    lang: Lang
    title: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    clauses: tuple[tuple[Clause, tuple[str, ...]], ...]  # each cited clause and the rules citing it
    words: Mapping[str, str]


class _Writer:
    """One policy in one language: names, durations, calendars and conditions in words."""

    def __init__(self, policy: Policy, lang: Lang) -> None:
        self.p, self.lang = policy, lang
        self.en = lang == "en"
        self.cited: dict[str, list[str]] = {}

    def w(self, key: str) -> str:
        return WORDS[key][self.en]

    def named(self, item: Named | None, fallback: str) -> str:
        if item is None:
            return fallback
        return item.name_en or item.name if self.en else item.name

    def metric(self, name: str) -> str:
        m = self.p.metrics.get(name)
        if m is None:
            return name
        return (m.title_en or m.title or name) if self.en else (m.title or name)

    def role(self, name: str) -> str:
        return self.named(self.p.roles.get(name), name)

    def raw(self, path: JsonPath) -> Mapping[str, Any]:
        """The rule as written: its description and note, which the model does not keep."""
        node: Any = self.p.document.data
        for key in path:
            node = node[key]
        return node if isinstance(node, Mapping) else {}

    def text(self, path: JsonPath, key: str = "description") -> str:
        raw = self.raw(path)
        return str(raw.get(f"{key}_en") or raw.get(key, "")) if self.en else str(raw.get(key, ""))

    def basis(self, label: str, path: JsonPath, clauses: Iterable[str], choice: str | None, source: Source | None = None) -> Basis:
        clauses = tuple(clauses)
        for c in clauses:
            self.cited.setdefault(c, []).append(label)
        line = source.line if source else self.p.document.locate(path).line
        return Basis(clauses, choice or "", str(self.raw(path).get("note", "")), f"{self.p.source}:{line}")

    def duration(self, d: Duration) -> str:
        units = DURATION_UNITS[self.lang]
        if d.kind == "seconds":
            h, rest = divmod(d.amount, 3600)
            m, s = divmod(rest, 60)
            parts = [f"{v} {u}" for v, u in zip((h, m, s), units[:3]) if v] or [f"0 {units[1]}"]
            return " ".join(parts)
        if d.kind == "days" and d.amount == 0:
            return "the same day" if self.en else "当天"
        unit = units[{"working_days": 3, "days": 4, "months": 5}[d.kind]]
        if self.en:
            return f"{d.amount} {unit}{'' if d.amount == 1 else 's'}"
        return f"{d.amount} {unit}"

    def calendar(self, name: str) -> str:
        """The calendar in words: days, hours, holidays and make-up working days."""
        spec = self.p.calendars.get(name)
        if spec is None or spec.always or name == ALWAYS_CALENDAR:
            return "全天 24 小时，节假日照常（自然时间）" if not self.en else "around the clock, holidays included (clock time)"
        parts = [self._hours(spec)]
        if spec.country:
            where = "" if spec.country == "CN" else f"{spec.country}{'-' + spec.subdivision if spec.subdivision else ''} "
            if self.en:
                parts.append(f"{where}public holidays excepted")
                if spec.country == "CN":
                    parts.append("make-up working days worked")
            else:
                parts.append(f"{where}法定节假日除外")
                if spec.country == "CN":
                    parts.append("调休上班日照常")
        for dates, key in ((spec.extra_holidays, ("另休", "also closed")), (spec.extra_working_days, ("另上班", "also open"))):
            if dates:
                parts.append(f"{key[self.en]} {', '.join(str(d) for d in sorted(dates))}")
        return (", " if self.en else "，").join(parts)

    def _hours(self, spec: CalendarSpec) -> str:
        groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
        for day, intervals in enumerate(spec.hours):
            if intervals:
                groups.setdefault(intervals, []).append(day)
        out = []
        for intervals, days in groups.items():
            times = (" and " if self.en else "、").join(f"{_clock(a)}–{_clock(b)}" for a, b in intervals)
            out.append(f"{self._days(days)} {times}")
        return ("; " if self.en else "；").join(out) or ("不开放" if not self.en else "never open")

    def _days(self, days: list[int]) -> str:
        if days == list(range(7)):
            return "every day" if self.en else "每天"
        if days == list(range(5)):
            return "working days" if self.en else "工作日"
        names = DAY_NAMES[self.lang]
        runs: list[str] = []
        start = prev = days[0]
        for d in [*days[1:], -1]:
            if d != prev + 1:
                runs.append(names[start] if start == prev else f"{names[start]}–{names[prev]}")
                start = d
            prev = d
        return ", ".join(runs) if self.en else "、".join(runs)

    def target(self, value: TargetValue) -> str:
        text = self.duration(value.duration)
        before = self.p.metrics[value.metric].before if value.metric in self.p.metrics else None
        if before is not None:
            field = self.field(before)
            if value.duration.amount == 0:
                text = f"by {field}" if self.en else f"不晚于{field}"
            else:
                text = f"{text} before {field}" if self.en else f"{field}前 {text}"
        counting = {"start_of_day": ("（至当日开始）", " (by the start of the day)"),
                    "same_time": ("（同一时刻）", " (same time of day)")}
        if value.duration.kind != "seconds" and value.counting in counting:
            text += counting[value.counting][self.en]
        if value.calendar != ALWAYS_CALENDAR and not self.p.calendars[value.calendar].always:
            return f"{text} ({self.calendar(value.calendar)})" if self.en else f"{text}（{self.calendar(value.calendar)}）"
        if value.duration.kind != "seconds":  # calendar days and months: no hours to count
            return text
        return f"{text} (clock time)" if self.en else f"{text}（自然时间）"

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, Compare):
            return f"{self.field(cond.field)} {_OPS.get(cond.op, cond.op)} {self._value(cond.field, cond.value)}"
        if isinstance(cond, Not):
            return f"{self.w('not')}({self.condition(cond.item)})"
        if not cond.items:
            return self.w("always")
        joined = self.w("and" if isinstance(cond, All) else "or").join(
            f"({self.condition(c)})" if isinstance(c, (All, AnyOf)) and len(c.items) > 1 else self.condition(c)
            for c in cond.items)
        return joined

    def field(self, name: str) -> str:
        if name in ("severity", "tier"):
            return self.w(name)
        attribute = self.p.attributes.get(name)
        raw = self.raw(attribute.path) if attribute else {}
        words = str(raw.get("description_en", name)) if self.en else str(raw.get("description", name))
        return re.split(r"[：（(:]", words, maxsplit=1)[0].strip() or name  # the label, not its explanation

    def _value(self, field: str, value: Any) -> str:
        if isinstance(value, (list, tuple)):
            return "{" + ", ".join(self._value(field, v) for v in value) + "}"
        table = {"severity": self.p.severities, "tier": self.p.tiers}.get(field)
        if table is not None and isinstance(value, str) and value in table:
            return self.named(table[value], value)
        return str(value).lower() if isinstance(value, bool) else str(value)

    def event(self, name: str) -> str:
        """The policy's own words for an event (its `events:` entry, or a correlation's description), else the built-in's."""
        raw = (self.p.document.data.get("events") or {}).get(name)
        if isinstance(raw, Mapping):
            return str(raw.get("name_en") or name) if self.en else _CITED.sub("", str(raw.get("name", ""))) or name
        if isinstance(raw, str) and not self.en:
            return _CITED.sub("", raw) or name
        correlation = next((c for c in self.p.correlations if c.id == name), None)
        if correlation is not None and not self.en:
            return self.text(correlation.path) or name
        return EVENTS[name][self.en] if name in EVENTS else name

    def events(self, names: Iterable[str]) -> str:
        return (" / " if self.en else "、").join(self.event(n) for n in names)


_OPS = {"eq": "=", "ne": "≠", "in": "∈", "not_in": "∉", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "matches": "~",
        "exists": "exists"}


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24 if minutes < 1440 else 24:02d}:{minutes % 60:02d}"


def document(policy: Policy, lang: Lang = "zh") -> RenderedPolicy:
    """The policy in one language, section by section, with the text of every clause it cites."""
    w = _Writer(policy, lang)
    sections = [s for s in (_severities(w), _tiers(w), _calendars(w), _targets(w), _escalations(w),
                            _duties(w), _other_rules(w), _objectives(w), _penalties(w), _decisions(w)) if s.tables or s.rules or s.paragraphs]
    registers, _ = registers_of(policy.source, policy.registers)
    index = clause_index(registers)
    cited = tuple((index.get(c) or Clause(c, (), (), "", ""), tuple(dict.fromkeys(rules)))
                  for c, rules in sorted(w.cited.items()))
    title = (policy.title_en or policy.title) if w.en else policy.title
    facts = [(w.w("policy"), policy.id), (w.w("version"), policy.version),
             (w.w("effective"), f"{policy.effective_from} {w.w('until')} {policy.effective_until or w.w('open')}"),
             (w.w("timezone"), policy.timezone)]
    owner = policy.document.data.get("owner")
    if owner:
        facts.append((w.w("owner"), str(owner)))
    if registers:
        facts.append((w.w("registers"), "; ".join(f"{r.title} ({r.id})" for r in registers)))
    return RenderedPolicy(lang, title or policy.id, tuple(facts), tuple(sections), cited,
                          {k: v[w.en] for k, v in WORDS.items()})


def _decisions(w: _Writer) -> Section:
    rules = tuple(
        Rule(" / ".join(d.clauses), (f"{w.w('applies')}: {', '.join(d.applies)}", d.why),
             w.basis("decision", d.path, d.clauses, None))
        for d in w.p.decisions)
    return Section("decisions", w.w("decisions"), rules=rules)


def _severities(w: _Writer) -> Section:
    rows = [(s.id, w.named(s, s.id), (s.description_en or s.description) if w.en else s.description)
            for s in w.p.severities.values()]
    bases = [w.basis(f"severity {s.id}", s.path, s.clauses, w.raw(s.path).get("choice")) for s in w.p.severities.values()]
    return Section("severities", w.w("severities"), (
        Table("", (w.w("id"), w.w("name"), w.w("description")), tuple(rows), tuple(bases)),))


def _tiers(w: _Writer) -> Section:
    if not w.p.tiers:
        return Section("tiers", w.w("tiers"))
    rows, bases = [], []
    for t in w.p.tiers.values():
        raw = w.raw(t.path)
        services = (", " if w.en else "、").join(raw.get("services") or ())
        rows.append((t.id, w.named(t, t.id), services, (t.description_en or t.description) if w.en else t.description))
        bases.append(w.basis(f"tier {t.id}", t.path, t.clauses, raw.get("choice")))
    return Section("tiers", w.w("tiers"), (
        Table("", (w.w("id"), w.w("name"), w.w("services"), w.w("description")), tuple(rows), tuple(bases)),))


def _calendars(w: _Writer) -> Section:
    rows, bases = [], []
    for name, path in w.p.calendar_paths.items():
        raw = w.raw(path)
        rows.append((name, w.calendar(name)))
        bases.append(w.basis(f"calendar {name}", path, w.p.calendar_clauses.get(name, ()), raw.get("choice")))
    return Section("calendars", w.w("calendars"), (Table("", (w.w("name"), w.w("hours")), tuple(rows), tuple(bases)),))


def _ticket_metrics(w: _Writer) -> list[str]:
    timed = w.p.timed
    return [m.id for m in w.p.metrics.values() if m.subject == "ticket" and m.id in timed]


def _cell(w: _Writer, metric: str, known: Mapping[str, str]) -> str:
    """What the first matching rule gives `metric` for this severity (and tier); rules that also depend
    on other attributes are listed with their condition, as precedence reads them."""
    parts = []
    for rule in w.p.targets:
        value = rule.values.get(metric)
        if value is None:
            continue
        match = evaluate_partial(rule.when, known, frozenset(known))
        if match is False:
            continue
        if match is True:
            parts.append(w.target(value))
            break
        rest = [c for c in _conjuncts(rule.when) if not set(fields(c)) <= set(known)]
        parts.append(w.target(value) + w.w("when_only").format(w.condition(All(tuple(rest)))))
    return "; ".join(parts) or w.w("none")


def _conjuncts(cond: Condition) -> tuple[Condition, ...]:
    return cond.items if isinstance(cond, All) else (cond,)


def _targets(w: _Writer) -> Section:
    metrics = _ticket_metrics(w)
    by_tier = any("tier" in fields(r.when) for r in w.p.targets)
    tiers: list[tuple[str, str | None]] = (
        [(w.named(t, t.id), t.id) for t in w.p.tiers.values()] if by_tier else [(w.w("all_tiers"), None)])
    tables = []
    for caption, tier in tiers:
        known = [{"severity": s, **({"tier": tier} if tier else {})} for s in w.p.severities]
        rows = tuple((w.metric(m), *(_cell(w, m, k) for k in known)) for m in metrics)
        header = (w.w("metric"), *(w.named(s, s.id) for s in w.p.severities.values()))
        tables.append(Table(caption, header, rows, (None,) * len(rows)))
    rules = []
    for rule in w.p.targets:
        label = f"target {rule.id or rule.index + 1}"
        lines = [f"{w.w('condition')}: {w.condition(rule.when)}"]
        description = w.text(rule.path)
        if description:
            lines.insert(0, description)
        for value in rule.values.values():
            own = f" — {w.w('choice')}: {value.choice}" if value.choice else ""
            note = w.raw(value.path).get("note")
            noted = f" — {w.w('note')}: {note}" if note else ""
            lines.append(f"{w.metric(value.metric)}: {w.target(value)}{own}{noted}")
            if value.clauses:
                w.basis(label, value.path, value.clauses, None)
        rules.append(Rule(rule.id or str(rule.index + 1), tuple(lines), w.basis(label, rule.path, rule.clauses, rule.choice, rule.source)))
    clocks, bases = [], []
    for m in (w.p.metrics[name] for name in metrics):
        pauses = [w.w("status").format(status) for status in m.pause_statuses] + ([w.events(m.pause_on)] if m.pause_on else [])
        clocks.append((w.metric(m.id), w.events(m.start) or w.w("none"), w.events(m.stop), "; ".join(pauses) or w.w("none")))
        bases.append(w.basis(f"metric {m.id}", m.path, m.clauses, m.choice))
    tables.append(Table(w.w("clocks"), (w.w("metric"), w.w("starts"), w.w("stops"), w.w("pauses")), tuple(clocks), tuple(bases)))
    return Section("targets", w.w("targets"), tuple(tables), tuple(rules), (w.w("precedence"),))


def _step_at(w: _Writer, step: EscalationStep) -> str:
    if step.at_start:
        return w.w("at_start")
    if step.share is not None:
        return w.w("share_of").format(f"{step.share * 100:g}%")
    if step.delay is not None:
        return w.w("after_breach").format(w.duration(step.delay))
    return w.w("at_breach")


def _escalations(w: _Writer) -> Section:
    tables = []
    for metric, steps in w.p.escalations.items():
        rows, bases = [], []
        for step in steps:
            repeat = ""
            if step.repeat_every is not None:
                every = w.duration(step.repeat_every)
                repeat = (w.w("every_times").format(every, step.repeat_times) if step.repeat_times
                          else w.w("every_open").format(every))
            rows.append((str(step.index), _step_at(w, step), ", ".join(w.role(r) for r in step.notify),
                         w.condition(step.when), repeat or w.w("none")))
            label = f"escalation {metric} step {step.index}{f' ({step.id})' if step.id else ''}"
            bases.append(w.basis(label, step.path, step.clauses, step.choice, step.source))
        tables.append(Table(w.metric(metric), (w.w("step"), w.w("at"), w.w("notify"), w.w("condition"), w.w("repeat")),
                            tuple(rows), tuple(bases)))
    return Section("escalations", w.w("escalations"), tuple(tables))


def _due(w: _Writer, metric: Metric) -> str:
    """An `every` metric's period, or the targets timing it."""
    if metric.every:
        n = metric.due.working_day
        if n:
            return f"by working day {n} of each period" if w.en else f"每期第 {n} 个工作日结束前"
        return "by the end of each period" if w.en else "每期结束前"
    return "; ".join(dict.fromkeys(
        w.target(r.values[metric.id]) + ("" if r.when == All(()) else w.w("when_only").format(w.condition(r.when)))
        for r in w.p.targets if metric.id in r.values)) or w.w("none")


def _duties(w: _Writer) -> Section:
    rows, bases = [], []
    for m in w.p.metrics.values():
        if m.subject == "ticket" and not m.every:
            continue
        subject = w.named(w.p.subjects.get(m.subject), m.subject)
        starts = w.events(m.start) or (PERIODS[m.every][w.en] if m.every else w.w("none"))
        rows.append((subject, w.metric(m.id), starts, w.events(m.stop), _due(w, m)))
        bases.append(w.basis(f"metric {m.id}", m.path, m.clauses, m.choice))
    table = Table("", (w.w("subject"), w.w("metric"), w.w("starts"), w.w("stops"), w.w("due")), tuple(rows), tuple(bases))
    return Section("duties", w.w("duties"), (table,) if rows else ())


def _other_rules(w: _Writer) -> Section:
    p, rules = w.p, []

    def add(kind: str, item: Any, lines: list[str]) -> None:
        description = w.text(item.path)
        condition = [] if item.when == All(()) else [f"{w.w('condition')}: {w.condition(item.when)}"]
        rules.append(Rule(item.id, tuple(([description] if description else []) + condition + lines),
                          w.basis(f"{kind} {item.id}", item.path, item.clauses, item.choice, item.source)))

    for n in p.notices:
        on = [w.w("notice_on").format(w.events(n.on))] if n.on else []
        add("notice", n, [*on, f"{w.w('notify')}: {', '.join(w.role(r) for r in n.notify)}"])
    for v in p.invariants:
        if v.owner:
            add("invariant", v, [w.w("owner_rule").format(w.events(v.until))])
        else:
            by = w.w("by").format(", ".join(w.role(r) for r in v.by)) if v.by else ""
            add("invariant", v, [w.w("requires").format(w.events(v.requires), w.events(v.before)) + by])
    for r in p.routes:
        add("route", r, [w.w("route").format(", ".join(w.role(g) for g in r.groups))])
    for c in p.correlations:
        key = ", ".join(c.key)
        if c.count is not None and c.within is not None:
            line = w.w("recurrence").format(count=c.count, within=w.duration(c.within), key=key)
        elif c.again_after:
            line = w.w("again").format(w.metric(c.again_after), key)
        else:
            line = w.w("link").format(c.link or key)
        add("correlation", c, [line])
    if p.identity is not None:
        rules.append(Rule(w.w("identity"), (f"`{p.identity.pattern}`",),
                          w.basis("identity", p.identity.path, p.identity.clauses, p.identity.choice, p.identity.source)))
    return Section("rules", w.w("rules_other"), rules=tuple(rules))


def _threshold(measure: str, value: float, w: _Writer) -> str:
    if measure in RATES:
        return f"{value * 100:g}%"
    if measure in ("mean_time", "percentile"):
        return w.duration(Duration("seconds", int(value), ""))
    return f"{value:g}"


def _objectives(w: _Writer) -> Section:
    rows, bases = [], []
    for o in w.p.objectives:
        measure = MEASURES[o.measure][w.en]
        if o.metric:
            measure = f"{w.metric(o.metric)} {measure}"
        elif o.attribute:
            measure = f"{w.field(o.attribute)} {measure}"
        if o.measure == "share" and o.where != All(()):
            measure += f": {w.condition(o.where)}"
        if o.measure == "coverage" and o.within is not None:
            measure += w.w("coverage").format(proof=w.events(o.proof), within=w.target(o.within), population=w.events(o.population))
        required = " ".join(f"{sign} {_threshold(o.measure, v, w)}" for sign, v in (("≥", o.min), ("≤", o.max)) if v is not None)
        rows.append((w.text(o.path) or o.id, measure, required, PERIODS[o.period][w.en] if o.period in PERIODS else o.period))
        bases.append(w.basis(f"objective {o.id}", o.path, o.clauses, o.choice, o.source))
    table = Table("", (w.w("objective"), w.w("measure"), w.w("threshold"), w.w("period")), tuple(rows), tuple(bases))
    return Section("objectives", w.w("objectives"), (table,) if rows else ())


def _penalties(w: _Writer) -> Section:
    rows, bases = [], []
    for pen in w.p.penalties:
        if pen.breach:
            occurs = w.w("breach_of").format(w.metric(pen.breach))
        elif pen.finding:
            occurs = w.w("finding_of").format(pen.finding)
        else:
            occurs = w.w("each")
        if pen.when != All(()):
            occurs += w.w("when_only").format(w.condition(pen.when))
        amount = f"{pen.cents / 100:.2f} {w.p.currency or ''}".strip()
        multipliers = [w.w("multiplier").format(f"{m.factor:g}") + (w.w("when_only").format(m.matched) if m.matched else "")
                       for m in pen.multipliers]
        payer = ", ".join(f"{kind}{f' {arg}' if arg else ''}" for kind, arg in pen.payer)
        rows.append((w.text(pen.path) or pen.id, occurs, "; ".join([amount, *multipliers]), payer))
        bases.append(w.basis(f"penalty {pen.id}", pen.path, pen.clauses, pen.choice, pen.source))
    table = Table("", (w.w("id"), w.w("occurs"), w.w("amount"), w.w("payer")), tuple(rows), tuple(bases))
    return Section("penalties", w.w("penalties"), (table,) if rows else ())

"""The policy's words in one language: the document's fixed words (zh and en), and the
policy's own names, durations, calendars, conditions and events written out.

`render` assembles these words into the document; nothing here knows its sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..calendar.durations import Duration
from ..calendar.spec import CalendarSpec
from ..policy.conditions import All, AnyOf, Compare, Condition, Not
from ..policy.loader import JsonPath
from ..policy.model import ALWAYS_CALENDAR, Metric, Named, Policy, TargetValue
from ..policy.names import in_chinese, translation, value_name

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
    "pauses": ("暂停", "Paused while"), "voids": ("作废（不计时）", "Voided by (no verdict)"),
    "repeats": ("；每次完成后重新起算", "; again after each"),
    "precedence": ("同一时限项目有多条规则时，按规则顺序第一条适用的规则为准；“—”表示该等级没有此项时限。",
                   "Where several rules time the same clock, the first rule in order that applies wins; “—”: no time limit "
                   "for that severity."), "status": ("状态为 {}", "status {}"),
    "coverage": ("：{population}后 {within} 内{proof}", ": {proof} within {within} of {population}"),
    "per_cycle": ("（每个周期分别计）", " (every cycle counted)"),
    "retimed": ("；时限变更时自变更起重新计时", "; a changed target is measured from the change"),
    "owed_if_late": ("{}不晚于约定时间则无需（仅迟到时须履行）", "{} in time (owed only if it is late)"),
    "every_ticket": ("所有工单", "Every ticket"),
    "derived": ("优先级与派生属性", "Priority and derived attributes"),
    "builtin": ("内置规则：{}", "Built in: {}"),
    "builtin_name_unique_ids": ("编号唯一", "unique ids"), "builtin_name_attribute_change": ("属性变更", "attribute changes"),
    "builtin_unique_ids": ("编号唯一：已用编号的后来工单不予受理，首个保留该编号",
                           "ids are unique: a later subject with an id already used is rejected; the first keeps it"),
    "builtin_attribute_change": ("严重等级等属性变更后，按新属性重新确定计时中的时限，仍自原起算时间计",
                                 "a change of severity or another attribute re-selects the targets of running clocks, measured from their start"),
    "lookup": ("{attribute}：按{keys}查表", "{attribute} by {keys}"), "by_period": ("{}：按创建日所在时段", "{}: by the period of the creation day"),
    "period_days": ("日期", "Days"), "every_year": ("每年 {}", "every year {}"),
    "otherwise_days": ("其他日期", "every other day"), "otherwise_cells": ("其他", "any other"),
    "given_finding": ("{}：工单自带的值与表不同时，以表为准，并记为违规",
                      "{}: a value the subject gives that differs from the table's is a finding; the table's applies"),
    "colon": ("：", ": "), "true": ("是", "true"), "false": ("否", "false"),
    "original": ("原文见附录说明 {}", "see note {} of the appendix"),
    "index": ("附录：规则索引", "Appendix: index of rules"), "originals": ("附录：说明原文", "Appendix: notes as written"),
    "defined_at": ("定义位置", "Defined at"), "code": ("代码", "Code"), "unnamed": ("（未命名：文档中显示代码）", "(no name: the document shows the code)"),
    "index_rules": ("规则与条目", "Rules and entries"), "index_codes": ("代码与名称", "Codes and their names"),
    "payer_assignee": ("受理人", "the assignee"), "payer_actor": ("经办人", "who acted"), "payer_on_duty": ("值班人员（{}）", "on duty ({})"),
    "given_precedence": ("{}：工单自带的值优先；表只补其缺", "{}: a value the subject gives applies; the table fills in a missing one"),
}

# the kinds of entries the index and the appendix's "cited by" name, each followed by the entry's id
KINDS: dict[str, tuple[str, str]] = {
    "severity": ("严重等级", "severity"), "tier": ("服务等级", "tier"), "calendar": ("工作日历", "calendar"),
    "period": ("时段", "period"), "lookup": ("查表", "lookup"), "target": ("时限规则", "target"), "metric": ("时限项目", "metric"),
    "escalation": ("升级", "escalation"), "step": ("第 {} 步", "step {}"), "notice": ("通知", "notice"),
    "invariant": ("流程规则", "invariant"), "route": ("分派规则", "route"), "correlation": ("关联规则", "correlation"),
    "builtin": ("内置规则", "builtin"), "identity": ("编号格式", "identity"), "objective": ("质量目标", "objective"),
    "penalty": ("罚则", "penalty"), "decision": ("条款冲突的处理", "decision"), "availability": ("服务可用性", "availability"),
    "credit": ("服务补偿", "credit"), "credit_limit": ("补偿上限", "credit limit"),
}

DURATION_UNITS = {"zh": ("小时", "分钟", "秒", "个工作日", "个自然日", "个月"),
                  "en": ("h", "min", "s", "working day", "calendar day", "month")}
DAY_NAMES = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
PERIODS = {"day": ("每日", "every day"), "working_day": ("每个工作日", "every working day"), "week": ("每周", "every week"),
           "month": ("每月", "every month"), "quarter": ("每季度", "every quarter"), "year": ("每年", "every year")}
MEASURES = {"on_time_rate": ("及时率", "on-time rate"), "availability": ("可用性", "availability"), "resolution_rate": ("解决率", "resolution rate"),
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
_CITED = re.compile(r"\s*[（(](?:R-(?:[0-9]{3}|[A-Z][A-Z0-9]{1,11})-[0-9]{2}[,，、\s]*)+[)）]\s*$")  # "(R-000-20)" after an event's words


class Wording:
    """One policy in one language: names, durations, calendars and conditions in words."""

    def __init__(self, policy: Policy, lang: Lang) -> None:
        self.p, self.lang = policy, lang
        self.en = lang == "en"
        self.shown: dict[str, str | None] = {}  # each value code shown, with its name (None: shown as the code itself)
        self.originals: list[str] = []  # notes not written in the document's language, kept for its appendix

    def w(self, key: str) -> str:
        return WORDS[key][self.en]

    def kind(self, key: str) -> str:
        return KINDS[key][self.en]

    def named(self, item: Named | None, fallback: str) -> str:
        if item is None:
            return self.code(fallback)
        return item.name_en or self.own(item.name) if self.en else self.own(item.name)

    def metric(self, name: str) -> str:
        m = self.p.metrics.get(name)
        if m is None:
            return self.code(name)
        if self.en:
            return m.title_en or self.own(m.title) or self.code(name)
        return self.own(m.title) or self.code(name)

    def role(self, name: str) -> str:
        """A role by its name; a group a route assigns to (not a role) by its value name."""
        return self.named(self.p.roles[name], name) if name in self.p.roles else self.code(name)

    def code(self, code: str) -> str:
        """A value code by its name in the document's language (value_names:); English falls back to the
        Chinese name; a code without one is shown as it is, and listed as unnamed in the index."""
        name = value_name(self.p, code, self.lang) or (value_name(self.p, code, "zh") if self.en else None)
        self.shown.setdefault(code, name)
        return code if name is None else name

    def own(self, text: str) -> str:
        """A name or title of the policy in the document's language: its translation (translations:), else as written."""
        return translation(self.p, text, self.lang) or text

    def said(self, text: str) -> str:
        """A note, choice or description in the document's language: its translation (translations:), the text
        where it is written in that language, else a pointer to the appendix that keeps it as written (a Chinese
        document shows no English sentence, an English one no Chinese)."""
        translated = translation(self.p, text, self.lang)
        if translated or not text or written_in(text, self.lang):
            return translated or text
        if text not in self.originals:
            self.originals.append(text)
        return self.w("original").format(self.originals.index(text) + 1)

    def entry(self, path: JsonPath, entry_id: str) -> str:
        """An objective, penalty, credit … by its description, else by its id's value name (the id is a code)."""
        return self.text(path) or self.code(entry_id)

    def raw(self, path: JsonPath) -> Mapping[str, Any]:
        """The rule as written: its description and note, which the model does not keep."""
        node: Any = self.p.document.data
        for key in path:
            node = node[key]
        return node if isinstance(node, Mapping) else {}

    def text(self, path: JsonPath, key: str = "description") -> str:
        """A description: in English its `_en` translation, else the original, as for names; in Chinese as `said`."""
        raw = self.raw(path)
        return str(raw.get(f"{key}_en") or self.own(str(raw.get(key, "")))) if self.en else self.said(str(raw.get(key, "")))

    def duration(self, d: Duration) -> str:
        units = DURATION_UNITS[self.lang]
        if d.kind == "seconds":
            h, rest = divmod(d.amount, 3600)
            m, s = divmod(rest, 60)
            parts = [f"{v} {u}" for v, u in zip((h, m, s), units[:3]) if v] or [f"0 {units[1]}"]
            return " ".join(parts)
        if d.kind == "days" and d.amount == 0:
            return "the same day" if self.en else "当天"
        if d.kind == "day_hours":  # as a service desk's table writes it ("3 Days"), not as the hours it makes
            return f"{d.amount} day{'' if d.amount == 1 else 's'} of working hours" if self.en else f"{d.amount} 天的工作时间"
        unit = units[{"working_days": 3, "days": 4, "months": 5}[d.kind]]
        if self.en:
            return f"{d.amount} {unit}{'' if d.amount == 1 else 's'}"
        return f"{d.amount} {unit}"

    def calendar(self, name: str) -> str:
        """The calendar in words: days, hours, holidays and make-up working days; for a calendar chosen by the
        subject, which calendar each value of its attribute picks."""
        choice = self.p.calendar_choices.get(name)
        if choice is not None:
            picks = [f"{self.value(choice.attribute, v)} → {self.code(c)}" for v, c in choice.calendars.items()]
            if choice.fallback is not None:
                picks.append(f"{'otherwise' if self.en else '其他'} → {self.code(choice.fallback)}")
            field = self.field(choice.attribute)
            return f"by {field}: {'; '.join(picks)}" if self.en else f"按{field}：{'；'.join(picks)}"
        spec = self.p.calendars.get(name)
        if spec is None or spec.always or name == ALWAYS_CALENDAR:
            return "全天 24 小时，节假日照常（自然时间）" if not self.en else "around the clock, holidays included (clock time)"
        parts = [self._hours(spec)]
        if spec.timezone != self.p.timezone:  # a location's own hours (the customer's, a region's)
            parts[0] += f" ({spec.timezone})"
        if spec.country:
            where = "" if spec.country == "CN" else f"{self.code(spec.country + ('-' + spec.subdivision if spec.subdivision else ''))} "
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
        if value.duration is None:  # due only as agreed with the subject
            assert value.agreed is not None
            text = f"as agreed ({self.field(value.agreed)})" if self.en else f"按约定（{self.field(value.agreed)}）"
            return self._on_calendar(value, text) or text
        text = self._written(value, value.duration)
        if value.agreed is not None:  # "within 5 days or as agreed"
            agreed = self.field(value.agreed)
            return f"as agreed ({agreed}), else {text}" if self.en else f"按约定（{agreed}），未约定时 {text}"
        return text

    def _written(self, value: TargetValue, duration: Duration) -> str:
        """A target's written duration, anchored, counted and on its calendar, in words."""
        text = self.duration(duration)
        before = self.p.metrics[value.metric].before if value.metric in self.p.metrics else None
        if before is not None:
            field = self.field(before)
            if duration.amount == 0:
                text = f"by {field}" if self.en else f"不晚于{field}"
            else:
                text = f"{text} before {field}" if self.en else f"{field}前 {text}"
        counting = {"start_of_day": ("（至当日开始）", " (by the start of the day)"),
                    "same_time": ("（同一时刻）", " (same time of day)")}
        if not duration.working_time and value.counting in counting:
            text += counting[value.counting][self.en]
        on_calendar = self._on_calendar(value, text)
        if on_calendar is not None:
            return on_calendar
        if not duration.working_time:  # calendar days and months: no hours to count
            return text
        return f"{text} (clock time)" if self.en else f"{text}（自然时间）"

    def _on_calendar(self, value: TargetValue, text: str) -> str | None:
        """`text (its calendar in words)` for a target on a business calendar (or one chosen by the subject)."""
        if value.calendar in self.p.calendar_choices or (value.calendar != ALWAYS_CALENDAR
                                                         and not self.p.calendars[value.calendar].always):
            return f"{text} ({self.calendar(value.calendar)})" if self.en else f"{text}（{self.calendar(value.calendar)}）"
        return None

    def condition(self, cond: Condition) -> str:
        if isinstance(cond, Compare):
            if cond.op == "exists":  # words, not an operator: "given" / 已登记
                said = ("is given", "is not given") if self.en else ("已登记", "未登记")
                return f"{self.field(cond.field)} {said[not cond.value]}" if self.en else f"{self.field(cond.field)}{said[not cond.value]}"
            return f"{self.field(cond.field)} {_OPS.get(cond.op, cond.op)} {self.value(cond.field, cond.value)}"
        if isinstance(cond, Not):
            return f"{self.w('not')}({self.condition(cond.item)})"
        if not cond.items:
            return self.w("always")
        joined = self.w("and" if isinstance(cond, All) else "or").join(
            f"({self.condition(c)})" if isinstance(c, (All, AnyOf)) and len(c.items) > 1 else self.condition(c)
            for c in cond.items)
        return joined

    def field(self, name: str) -> str:
        """An attribute by the label its description starts with; an undeclared field (an event's) by its value name."""
        if name in ("severity", "tier"):
            return self.w(name)
        declared = self.p.attributes.get(name) or self.p.periods.get(name)
        if declared is None:
            return self.code(name)
        raw = self.raw(declared.path)
        written = str(raw.get("description", ""))
        # English: the code where it reads as a word (category), else the original label, as for names
        words = (str(raw.get("description_en") or value_name(self.p, name, "en") or self.own(written)) if self.en
                 else translation(self.p, written, "zh") or (written if written_in(written, "zh") else ""))
        words = words or self.code(name)
        return re.split(r"[：（(:]", words, maxsplit=1)[0].strip() or name  # the label, not its explanation

    def value(self, field: str, value: Any) -> str:
        """A value of an attribute in words: a severity or tier by its name."""
        if isinstance(value, (list, tuple)):
            return "{" + ", ".join(self.value(field, v) for v in value) + "}"
        table = {"severity": self.p.severities, "tier": self.p.tiers}.get(field)
        if table is not None and isinstance(value, str) and value in table:
            return self.named(table[value], value)
        if isinstance(value, bool):
            return self.w("true" if value else "false")
        return self.code(value) if isinstance(value, str) else str(value)

    def event(self, name: str) -> str:
        """The policy's own words for an event (its `events:` entry, or a correlation's description), else the
        built-in's, else its value name; English falls back to the original words."""
        raw = (self.p.document.data.get("events") or {}).get(name)
        own = {"zh": "", "en": ""}
        if isinstance(raw, Mapping):
            own = {"zh": self.own(_CITED.sub("", str(raw.get("name") or ""))), "en": str(raw.get("name_en") or "")}
        elif isinstance(raw, str):
            own["zh"] = self.own(_CITED.sub("", raw))
        correlation = next((c for c in self.p.correlations if c.id == name), None)
        if correlation is not None and not own["zh"]:
            own["zh"] = self.text(correlation.path)
        if own[self.lang]:
            return own[self.lang]
        if name in EVENTS:
            return EVENTS[name][self.en]
        if self.en and own["zh"] and value_name(self.p, name, "en") is None:
            return own["zh"]
        return self.code(name)

    def events(self, names: Iterable[str]) -> str:
        return (" / " if self.en else "、").join(self.event(n) for n in names)

    def acting(self, metric: Metric, action: str) -> str:
        """The events that `action` (start, stop, …) the metric's clock, each with the filter on its own fields."""
        only = metric.filters.get(action, {})
        return (" / " if self.en else "、").join(
            self.event(n) + (f" ({self.condition(only[n])})" if self.en else f"（{self.condition(only[n])}）") if n in only
            else self.event(n) for n in getattr(metric, action))


_ENGLISH_WORDS = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*(?:[\s,;:/()]+[A-Za-z]+(?:['’-][A-Za-z]+)*){2,}")


def english_sentence(text: str) -> bool:
    """Whether `text` has a run of three or more English words: a phrase, not a code or a unit."""
    return _ENGLISH_WORDS.search(text) is not None


def written_in(text: str, lang: Lang) -> bool:
    """Whether a text of the policy reads in `lang`: Chinese where it has Chinese (or no word at all) and no English
    phrase; English where it has no Chinese or is mostly English (a note quoting the seed's 工作日 is English)."""
    if lang == "zh":
        return (in_chinese(text) or not re.search(r"[A-Za-z]{2}", text)) and not english_sentence(text)
    return not in_chinese(text) or english_sentence(text)


_OPS = {"eq": "=", "ne": "≠", "in": "∈", "not_in": "∉", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "matches": "~"}


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24 if minutes < 1440 else 24:02d}:{minutes % 60:02d}"

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
from ..policy.model import ALWAYS_CALENDAR, Named, Policy, TargetValue

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


class Wording:
    """One policy in one language: names, durations, calendars and conditions in words."""

    def __init__(self, policy: Policy, lang: Lang) -> None:
        self.p, self.lang = policy, lang
        self.en = lang == "en"

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
            if cond.op == "exists":  # words, not an operator: "given" / 已登记
                said = ("is given", "is not given") if self.en else ("已登记", "未登记")
                return f"{self.field(cond.field)} {said[not cond.value]}" if self.en else f"{self.field(cond.field)}{said[not cond.value]}"
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


_OPS = {"eq": "=", "ne": "≠", "in": "∈", "not_in": "∉", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "matches": "~"}


def _clock(minutes: int) -> str:
    return f"{minutes // 60 % 24 if minutes < 1440 else 24:02d}:{minutes % 60:02d}"

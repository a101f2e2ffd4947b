"""The policy as the document people read: severities, targets per tier with the calendar in
words, escalation ladders, duties, rules, objectives and penalties, each with the clause it
implements (and that clause's own words from the register) or marked as the company's choice.

`document()` builds a language-specific document model; output/render.py writes it as
Markdown or as a printable HTML page. Everything here is words, nothing here is layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..calendar.durations import Duration
from ..calendar.periods import DaySpan
from ..policy.conditions import All, Condition, evaluate_partial, fields
from ..policy.derived import Lookup, cell_key
from ..policy.model import EscalationStep, Metric, Policy
from ..policy.names import shown_codes, value_names
from ..policy.register import Clause
from .render_owed import owed_sections
from .sections import Rule, Section, Table
from .sections import Writer as _Writer
from .words import MEASURES, PERIODS, WORDS, Lang

RATES = ("on_time_rate", "resolution_rate", "share", "coverage", "finding_rate", "availability")


@dataclass(frozen=True)
class RenderedPolicy:
    lang: Lang
    title: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    clauses: tuple[tuple[Clause, tuple[str, ...]], ...]  # each cited clause and the rules citing it
    words: Mapping[str, str]
    places: tuple[tuple[str, str], ...] = ()  # each entry (rule, table row) and where it is defined, file:line
    codes: tuple[tuple[str, str, str], ...] = ()  # each value code shown: the code, its name (or why none), where defined
    originals: tuple[str, ...] = ()  # the notes not written in the document's language, as written (note 1, 2 …)


def document(policy: Policy, lang: Lang = "zh") -> RenderedPolicy:
    """The policy in one language, section by section, with the text of every clause it cites."""
    w = _Writer(policy, lang)
    sections = [s for s in (_severities(w), _tiers(w), _calendars(w), _derived(w), _targets(w), _escalations(w),
                            _duties(w), _other_rules(w), _objectives(w), _penalties(w), *owed_sections(w), _decisions(w))
                if s.tables or s.rules or s.paragraphs]
    registers, index = w.registers, w.index
    cited = tuple((index.get(c) or Clause(c, (), (), "", ""), tuple(dict.fromkeys(rules)))
                  for c, rules in sorted(w.cited.items()))
    title = (policy.title_en or w.own(policy.title)) if w.en else w.own(policy.title)
    facts = [(w.w("policy"), policy.id), (w.w("version"), policy.version),
             (w.w("effective"), f"{policy.effective_from} {w.w('until')} {policy.effective_until or w.w('open')}"),
             (w.w("timezone"), policy.timezone)]
    owner = policy.document.data.get("owner")
    if owner:
        facts.append((w.w("owner"), w.own(str(owner))))
    if registers:
        facts.append((w.w("registers"), "; ".join(f"{r.title} ({r.id})" for r in registers)))
    return RenderedPolicy(lang, title or policy.id, tuple(facts), tuple(sections), cited,
                          {k: v[w.en] for k, v in WORDS.items()}, tuple(w.places.items()), _codes(w), tuple(w.originals))


def _codes(w: _Writer) -> tuple[tuple[str, str, str], ...]:
    """Each value code the document shows by its name (or as itself, for want of one), and where the policy
    names it (value_names:) or else declares it."""
    declared = dict(shown_codes(w.p))
    rows = []
    for code, name in w.shown.items():
        path = ("value_names", code) if code in value_names(w.p) else declared.get(code)
        where = f"{w.p.source}:{w.p.document.locate(path).line}" if path is not None else ""
        rows.append((code, w.w("unnamed") if name is None else name, where))
    return tuple(rows)


def _decisions(w: _Writer) -> Section:
    rules = tuple(
        Rule(" / ".join(d.clauses), (f"{w.w('applies')}{w.w('colon')}{', '.join(d.applies)}", w.said(d.why)),
             w.basis(w.label("decision", " / ".join(d.clauses)), d.path, d.clauses, None))
        for d in w.p.decisions)
    return Section("decisions", w.w("decisions"), rules=rules)


def _severities(w: _Writer) -> Section:
    if not w.p.severities:
        return Section("severities", w.w("severities"))
    rows = [(w.named(s, s.id), w.text(s.path)) for s in w.p.severities.values()]
    bases = [w.basis(w.label("severity", s.id), s.path, s.clauses, w.raw(s.path).get("choice")) for s in w.p.severities.values()]
    return Section("severities", w.w("severities"), (
        Table("", (w.w("name"), w.w("description")), tuple(rows), tuple(bases)),))


def _tiers(w: _Writer) -> Section:
    if not w.p.tiers:
        return Section("tiers", w.w("tiers"))
    rows, bases = [], []
    for t in w.p.tiers.values():
        raw = w.raw(t.path)
        services = (", " if w.en else "、").join(w.code(s) for s in raw.get("services") or ())
        rows.append((w.named(t, t.id), services, w.text(t.path)))
        bases.append(w.basis(w.label("tier", t.id), t.path, t.clauses, raw.get("choice")))
    return Section("tiers", w.w("tiers"), (
        Table("", (w.w("name"), w.w("services"), w.w("description")), tuple(rows), tuple(bases)),))


def _calendars(w: _Writer) -> Section:
    rows, bases = [], []
    for name, path in (*w.p.calendar_paths.items(), *((c.name, c.path) for c in w.p.calendar_choices.values())):
        raw = w.raw(path)
        rows.append((w.code(name), w.calendar(name)))
        bases.append(w.basis(w.label("calendar", name), path, w.p.calendar_clauses.get(name, ()), raw.get("choice")))
    table = Table("", (w.w("name"), w.w("hours")), tuple(rows), tuple(bases))
    return Section("calendars", w.w("calendars"), (table,) if rows else ())


def _derived(w: _Writer) -> Section:
    """Each date period with its days, and each lookup table (the priority matrix) as the table it is."""
    tables, lines = [], []
    for period in w.p.periods.values():
        days = [(w.code(value), "; ".join(_days(w, span) for span in spans)) for value, spans in period.spans.items()]
        days.append((w.code(period.otherwise), w.w("otherwise_days")))
        basis = w.basis(w.label("period", period.id), period.path, period.clauses, period.choice, period.source)
        tables.append(Table(w.w("by_period").format(w.field(period.id)), (w.field(period.id), w.w("period_days")),
                            tuple(days), (basis, *(None,) * (len(days) - 1))))
    for table in w.p.lookups.values():
        columns = () if table.columns is None else tuple(w.p.values_of(table.columns) or dict.fromkeys(k[1] for k in table.cells))
        rows: list[tuple[str, ...]] = []
        for row in w.p.values_of(table.rows) or tuple(dict.fromkeys(k[0] for k in table.cells)):
            keys = [(cell_key(row),)] if table.columns is None else [(cell_key(row), cell_key(c)) for c in columns]
            rows.append((w.value(table.rows, row), *(_looked_up(w, table, k) for k in keys)))
        if table.otherwise is not None:
            rows.append((w.w("otherwise_cells"), *[w.value(table.attribute, table.otherwise)] * max(1, len(columns))))
        keys_words = " × ".join(w.field(k) for k in table.keys)
        header = ((f"{w.field(table.rows)} / {w.field(table.columns)}", *(w.value(table.columns, c) for c in columns))
                  if table.columns else (w.field(table.rows), w.field(table.attribute)))
        basis = w.basis(w.label("lookup", table.attribute), table.path, table.clauses, table.choice, table.source)
        tables.append(Table(w.w("lookup").format(attribute=w.field(table.attribute), keys=keys_words), header, tuple(rows),
                            (basis, *(None,) * (len(rows) - 1))))
        lines.append(w.w(f"given_{table.given}").format(w.field(table.attribute)))
    return Section("derived", w.w("derived"), tuple(tables), paragraphs=tuple(dict.fromkeys(lines)))


def _looked_up(w: _Writer, table: Lookup, key: tuple[str, ...]) -> str:
    value = table.cells.get(key, table.otherwise)
    return w.w("none") if value is None else w.value(table.attribute, value)


def _days(w: _Writer, span: DaySpan) -> str:
    first, last = span.text().partition("..")[::2]
    text = first if not last else f"{first} {w.w('until')} {last}"
    return w.w("every_year").format(text) if span.yearly else text


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
    for caption, tier in tiers if metrics else ():  # a policy that times no ticket: no table of ticket clocks
        graded: list[tuple[str, dict[str, str]]] = [(w.named(s, s.id), {"severity": s.id}) for s in w.p.severities.values()]
        columns = graded or [(w.w("every_ticket"), {})]  # a policy without severities: one column for every ticket
        known = [{**k, **({"tier": tier} if tier else {})} for _, k in columns]
        rows = tuple((w.metric(m), *(_cell(w, m, k) for k in known)) for m in metrics)
        header = (w.w("metric"), *(name for name, _ in columns))
        tables.append(Table(caption, header, rows, (None,) * len(rows)))
    rules = []
    for rule in w.p.targets:
        label = w.label("target", rule.id or str(rule.index + 1))
        lines = [f"{w.w('condition')}{w.w('colon')}{w.condition(rule.when)}"]
        description = w.text(rule.path)
        if description:
            lines.insert(0, description)
        for value in rule.values.values():
            own = f" — {w.w('choice')}{w.w('colon')}{w.said(value.choice)}" if value.choice else ""
            note = w.said(str(w.raw(value.path).get("note") or ""))
            noted = f" — {w.w('note')}{w.w('colon')}{note}" if note else ""
            lines.append(f"{w.metric(value.metric)}{w.w('colon')}{w.target(value)}{own}{noted}")
            if value.clauses:
                w.basis(label, value.path, value.clauses, None)
        rules.append(Rule(rule.id or str(rule.index + 1), tuple(lines), w.basis(label, rule.path, rule.clauses, rule.choice, rule.source),
                          w.quoted(rule.clauses, rule.values.values())))
    clocks, bases = [], []
    for m in (w.p.metrics[name] for name in metrics):
        pauses = [w.w("status").format(w.code(status)) for status in m.pause_statuses] + ([w.events(m.pause_on)] if m.pause_on else [])
        stops = w.acting(m, "stop") + (w.w("repeats") if m.repeat else "")
        starts = (w.acting(m, "start") or w.w("none")) + (w.w("retimed") if m.retime_from == "change" else "")
        voids = [w.acting(m, "cancel_on")] if m.cancel_on else []
        if m.owed_if_late is not None:
            voids.append(w.w("owed_if_late").format(w.event(m.owed_if_late)))
        chosen = {kind: w.said(text) for kind, text in m.choices.items()}
        clocks.append((w.metric(m.id), starts, _chosen(w, stops, chosen.get("repeat")),
                       _chosen(w, "; ".join(pauses) or w.w("none"), chosen.get("pause")),
                       _chosen(w, "; ".join(voids) or w.w("none"), chosen.get("cancel"))))
        bases.append(w.basis(w.label("metric", m.id), m.path, m.clauses, m.choice))
    if clocks:
        tables.append(Table(w.w("clocks"), (w.w("metric"), w.w("starts"), w.w("stops"), w.w("pauses"), w.w("voids")), tuple(clocks),
                            tuple(bases)))
    # which rule wins is said only where there are rules (an availability agreement may have none)
    return Section("targets", w.w("targets"), tuple(tables), tuple(rules), (w.w("precedence"),) if rules else ())


def _chosen(w: _Writer, text: str, choice: str | None) -> str:
    """What the policy says, with the company's reason where it is the company's choice."""
    return f"{text} — {w.w('choice')}{w.w('colon')}{choice}" if choice else text


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
            label = w.label("escalation", metric, w.kind("step").format(step.index), *((f"({step.id})",) if step.id else ()))
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
        starts = w.acting(m, "start") or (PERIODS[m.every][w.en] if m.every else w.w("none"))
        rows.append((subject, w.metric(m.id), starts, w.acting(m, "stop"), _due(w, m)))
        bases.append(w.basis(w.label("metric", m.id), m.path, m.clauses, m.choice))
    table = Table("", (w.w("subject"), w.w("metric"), w.w("starts"), w.w("stops"), w.w("due")), tuple(rows), tuple(bases))
    return Section("duties", w.w("duties"), (table,) if rows else ())


def _other_rules(w: _Writer) -> Section:
    p, rules = w.p, []

    def add(kind: str, item: Any, lines: list[str]) -> None:
        description = w.text(item.path)
        condition = [] if item.when == All(()) else [f"{w.w('condition')}{w.w('colon')}{w.condition(item.when)}"]
        rules.append(Rule(item.id, tuple(([description] if description else []) + condition + lines),
                          w.basis(w.label(kind, item.id), item.path, item.clauses, item.choice, item.source)))

    for n in p.notices:
        on = [w.w("notice_on").format(w.events(n.on))] if n.on else []
        add("notice", n, [*on, f"{w.w('notify')}{w.w('colon')}{', '.join(w.role(r) for r in n.notify)}"])
    for v in p.invariants:
        if v.owner:
            add("invariant", v, [w.w("owner_rule").format(w.events(v.until))])
        else:
            by = w.w("by").format(", ".join(w.role(r) for r in v.by)) if v.by else ""
            add("invariant", v, [w.w("requires").format(w.events(v.requires), w.events(v.before)) + by])
    for r in p.routes:
        add("route", r, [w.w("route").format(", ".join(w.role(g) for g in r.groups))])
    for c in p.correlations:
        key = ", ".join(w.field(k) for k in c.key)
        if c.count is not None and c.within is not None:
            line = w.w("recurrence").format(count=c.count, within=w.duration(c.within), key=key)
        elif c.again_after:
            line = w.w("again").format(w.metric(c.again_after) if c.again_after in w.p.metrics else w.event(c.again_after), key)
        else:
            line = w.w("link").format(c.link or key)
        add("correlation", c, [line])
    for builtin in p.builtins.values():
        rules.append(Rule(w.w("builtin").format(w.w(f"builtin_name_{builtin.behaviour}")), (w.w(f"builtin_{builtin.behaviour}"),),
                          w.basis(w.label("builtin", builtin.behaviour), builtin.path, builtin.clauses, None, builtin.source)))
    if p.identity is not None:
        rules.append(Rule(w.w("identity"), (f"`{p.identity.pattern}`",),
                          w.basis(w.label("identity"), p.identity.path, p.identity.clauses, p.identity.choice, p.identity.source)))
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
        if o.count == "cycle":
            measure += w.w("per_cycle")
        if o.measure == "coverage" and o.within is not None:
            measure += w.w("coverage").format(proof=w.events(o.proof), within=w.target(o.within), population=w.events(o.population))
            measure = _chosen(w, measure, w.said(o.within.choice or ""))
        required = " ".join(f"{sign} {_threshold(o.measure, v, w)}" for sign, v in (("≥", o.min), ("≤", o.max)) if v is not None)
        rows.append((w.entry(o.path, o.id), measure, required, PERIODS[o.period][w.en] if o.period in PERIODS else o.period))
        bases.append(w.basis(w.label("objective", o.id), o.path, o.clauses, o.choice, o.source))
    table = Table("", (w.w("objective"), w.w("measure"), w.w("threshold"), w.w("period")), tuple(rows), tuple(bases))
    return Section("objectives", w.w("objectives"), (table,) if rows else ())


def _finding(w: _Writer, rule_id: str) -> str:
    """The rule a finding breaks, by its description (a correlation, an invariant, a route or a notice)."""
    rules: tuple[Any, ...] = (*w.p.correlations, *w.p.invariants, *w.p.routes, *w.p.notices)
    found = next((r for r in rules if r.id == rule_id), None)
    return w.code(rule_id) if found is None else w.entry(found.path, rule_id)


def _payer(w: _Writer, kind: str, argument: str | None) -> str:
    if kind == "role" and argument:
        return w.role(argument)
    if kind == "attribute" and argument:
        return w.field(argument)
    return w.w(f"payer_{kind}").format(w.role(argument or ""))


def _penalties(w: _Writer) -> Section:
    rows, bases = [], []
    for pen in w.p.penalties:
        if pen.breach:
            occurs = w.w("breach_of").format(w.metric(pen.breach))
        elif pen.finding:
            occurs = w.w("finding_of").format(_finding(w, pen.finding))
        else:
            occurs = w.w("each")
        if pen.when != All(()):
            occurs += w.w("when_only").format(w.condition(pen.when))
        amount = f"{pen.amount:.2f} {w.p.currency or ''}".strip()
        multipliers = [w.w("multiplier").format(f"{m.factor:g}") + (w.w("when_only").format(_finding(w, m.matched)) if m.matched else "")
                       for m in pen.multipliers]
        payer = ", ".join(_payer(w, kind, arg) for kind, arg in pen.payer)
        rows.append((w.entry(pen.path, pen.id), occurs, "; ".join([amount, *multipliers]), payer))
        bases.append(w.basis(w.label("penalty", pen.id), pen.path, pen.clauses, pen.choice, pen.source))
    table = Table("", (w.w("id"), w.w("occurs"), w.w("amount"), w.w("payer")), tuple(rows), tuple(bases))
    return Section("penalties", w.w("penalties"), (table,) if rows else ())

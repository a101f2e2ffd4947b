"""`report --format html`: the page a service director reads (often forwarded to a phone), in the language
chosen for the command: KPI cards first, each with its denominator, then a chart per objective that has
data (and in words why one has none), breached clocks and the escalation notifications per role, and the
detail per period and group folded away. Everything it shows is read from the report document."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from ..i18n import N_, _, current, translated
from ..kpi.report import rate
from .cells import (
    METRIC_COLUMNS,
    OBJECTIVE_COLUMNS,
    counted,
    group_label,
    metric_cells,
    objective_cells,
    objective_headings,
    owed_tables,
    pct,
    report_notes,
    report_title,
    summary_text,
    threshold,
)
from .charts import bucket, count_chart, drawn_period, objective_chart, summarised
from .html import END, _e, _head, _table, card_row

FIRST_RESPONSE = ("first_response", "response")  # the metric a "first response on time" card counts, by its usual ids
MEASURES = {"on_time_rate": N_("on-time rate"), "resolution_rate": N_("resolution rate"), "mean_time": N_("mean working time"),
            "percentile": N_("percentile of working time"), "average": N_("average"), "share": N_("share"),
            "coverage": N_("coverage"), "finding_rate": N_("finding rate"), "availability": N_("availability")}
WORDS = (N_("day"), N_("week"), N_("month"), N_("quarter"), N_("year"), N_("severity"), N_("tier"))  # shown through _()


@dataclass
class Figures:
    """The numbers on the report's cards, each with what it is counted over."""

    span: str  # the report's first to last period
    objectives: tuple[int, int] = (0, 0)  # (met in every period with data, judged): per objective and version
    objective_periods: tuple[int, int] = (0, 0)  # (met, judged): per objective and own period
    clocks: tuple[int, int] = (0, 0)  # (breached, clocks) of the measured metrics
    first_response: tuple[str, int, int] | None = None  # (metric, met, met or breached)
    notified: dict[str, int] = field(default_factory=dict)  # escalation notifications per role
    owed: list[tuple[str, Decimal, int]] = field(default_factory=list)  # (fine or credit, amount, how many)


def figures(doc: dict[str, Any]) -> Figures:
    """The cards' numbers, read from the report document (the browser test counts them from its JSON the same way)."""
    periods = sorted({g["period"] for g in doc["groups"]})
    span = periods[0] if len(periods) == 1 else _("{first} – {last}").format(first=periods[0], last=periods[-1]) if periods else "—"
    found = Figures(span=span)
    verdicts: dict[tuple[str, str], list[bool]] = {}
    for r in doc["objectives"]:
        verdicts.setdefault((r["objective"], r["version"]), [])
        if r["met"] is not None:
            verdicts[(r["objective"], r["version"])].append(r["met"])
    judged = {k: v for k, v in verdicts.items() if v}
    found.objectives = (sum(all(v) for v in judged.values()), len(judged))
    every = [m for v in judged.values() for m in v]
    found.objective_periods = (every.count(True), len(every))
    metrics = [(n, m) for g in doc["groups"] for n, m in g["metrics"].items() if "not_measured" not in m]
    found.clocks = (sum(m["breached"] for _n, m in metrics), sum(m["clocks"] for _n, m in metrics))
    first = next((n for n in FIRST_RESPONSE if any(n == name for name, _m in metrics)), None)
    if first:
        met = sum(m["met"] for n, m in metrics if n == first)
        found.first_response = (first, met, met + sum(m["breached"] for n, m in metrics if n == first))
    roles: Counter[str] = Counter()
    for g in doc["groups"]:
        roles.update(g.get("notified", {}))
    found.notified = dict(roles.most_common())
    ledger = doc.get("ledger", {})
    for direction, count in (("fine", "charges"), ("credit", "credits")):
        totals = [t for t in ledger.get("totals", ()) if t["direction"] == direction]
        if totals:
            found.owed.append((direction, sum((Decimal(t["amount"]) for t in totals), Decimal(0)), sum(t[count] for t in totals)))
    return found


def name_of(doc: dict[str, Any], kind: str, ident: str) -> str:
    """A role's or subject's name as the policy gives it, in the page's language (the English name where one is given)."""
    names = doc.get("names", {}).get(kind, {}).get(ident)
    if not names:
        return ident
    return str(names.get("name_en", names["name"]) if current() == "en" else names["name"])


def _cards(doc: dict[str, Any], f: Figures) -> str:
    """The cards, each with its denominator, and its figures as data- attributes (what the browser test compares with the JSON)."""
    met, judged = f.objectives
    cards: list[tuple[str, str, str, dict[str, str]]] = [(_("objectives met in every period of {span} ({met} of {judged} objective-periods met)").format(
                 span=f.span, met=f.objective_periods[0], judged=f.objective_periods[1]),
              f"{met} / {judged}", "good" if met == judged else "bad", {"objectives": f"{met} {judged}"})]
    breached, clocks = f.clocks
    cards.append((_("clocks breached ({share})").format(share=pct(rate(breached, clocks)) or "—"), f"{breached:,} / {clocks:,}", "",
                  {"clocks": f"{breached} {clocks}"}))
    if f.first_response:
        metric, on_time, decided = f.first_response
        title = next((m.get("title") for g in doc["groups"] for n, m in g["metrics"].items() if n == metric and m.get("title")), metric)
        cards.append((_("{metric} on time: {share} of the clocks met or breached").format(metric=title, share=pct(rate(on_time, decided)) or "—"),
                      f"{on_time:,} / {decided:,}", "", {"first-response": f"{on_time} {decided}"}))
    if f.notified:
        split = "".join(f"\n{name_of(doc, 'roles', role)} {n:,}" for role, n in f.notified.items())  # a line a role
        cards.append((_("escalation notifications, per role:{split}").format(split=split), f"{sum(f.notified.values()):,}", "",
                      {"notified": " ".join(f"{role}={n}" for role, n in f.notified.items())}))
    currency = doc.get("ledger", {}).get("currency", "")
    for direction, amount, n in f.owed:
        label = _("penalties ({count} charges)") if direction == "fine" else _("service credits ({count} credits)")
        cards.append((label.format(count=n), f"{currency} {amount:,.2f}".strip(), "bad", {direction: f"{amount} {n}"}))
    if doc["summary"]["rejected"]:
        cards.append((_("tickets rejected"), str(doc["summary"]["rejected"]), "bad", {"rejected": str(doc["summary"]["rejected"])}))
    return card_row([c[:3] for c in cards], [c[3] for c in cards])


def _no_data(doc: dict[str, Any], rows: list[dict[str, Any]], span: str) -> str:
    """Why an objective has no value in any period, in words."""
    why = next((r["not_measured"] for r in rows if r.get("not_measured")), None)
    if why:
        return _("Not measured: {why}.").format(why=translated(why))
    subject = rows[0].get("subject")
    if subject:
        return _("No data: no record of {subject} counts for this objective in {span}.").format(
            subject=name_of(doc, "subjects", subject), span=span)
    return _("No data: no ticket counts for this objective in {span}.").format(span=span)


def _objective_figures(doc: dict[str, Any], span: str) -> list[str]:
    by_objective: dict[tuple[str, str], list[dict[str, Any]]] = {}  # a chart per objective of each version
    for row in doc["objectives"]:
        by_objective.setdefault((row["objective"], row["version"]), []).append(row)
    own = {r["objective"]: r["own_period"] for r in doc["objectives_at_period"]}
    shown = []
    for (name, version), rows in by_objective.items():
        first = rows[0]
        period = own.get(name, doc["period"])
        title = f"{first.get('description') or name}"
        under = " " + _("under {version}").format(version=version) if len(doc["versions"]) > 1 else ""
        with_data = [r for r in rows if r["value"] is not None or r.get("infinite")]
        if not with_data:
            shown.append(f'<figure class="nodata" data-objective="{_e(name)}"><figcaption title="{_e(name)}">{_e(title)}{_e(under)}'
                         f'</figcaption><p>{_e(_no_data(doc, rows, span))}</p></figure>')
            continue
        drawn = drawn_period(period, [r["period"] for r in rows if r["period"]])
        measure = _(MEASURES[first["measure"]]) if first["measure"] in MEASURES else first["measure"]
        caption = _("{measure} per {period}, target {target}").format(measure=measure, period=_(drawn), target=threshold(first))
        if drawn != period:
            caption += "; " + _("the worst {period} of each").format(period=_(period))
        shown.append(f'<figure><figcaption title="{_e(name)}">{_e(title)}{_e(under)} <span class="sub">{_e(caption)}</span></figcaption>'
                     f'{objective_chart(name, first["measure"], summarised([r for r in rows if r["period"]], period, drawn))}</figure>')
    return shown


def _counts(doc: dict[str, Any], f: Figures) -> str:
    """Breached clocks per severity (or per period, summarised for a long span) and notifications per role."""
    breaches: Counter[str] = Counter()
    periods = [g["period"] for g in doc["groups"]]
    drawn = drawn_period(doc["period"], periods) if periods else doc["period"]
    for g in doc["groups"]:  # summed over the periods when grouped --by (severity, tier): one bar a value
        key = " ".join(k for k in ("" if doc["by"] else bucket(g["period"], drawn), _group_name(doc, g)) if k)  # per period without --by
        breaches[key] += sum(m.get("breached", 0) for m in g["metrics"].values())
    heading = _("Breached clocks by {by}").format(by=", ".join(_(b) for b in doc["by"])) if doc["by"] else \
        _("Breached clocks per {period}").format(period=_(drawn))
    parts = [_h2(heading)]
    none = _("No clock was breached in {span}.").format(span=f.span)
    parts.append(count_chart("breached", dict(sorted(breaches.items()))) if any(breaches.values()) else _said(none))
    parts.append(_h2(_("Escalation notifications by role")))
    roles = {name_of(doc, "roles", r): n for r, n in f.notified.items()}
    none = _("No escalation fired in {span}.").format(span=f.span)
    parts.append(count_chart("notified", roles) if roles else _said(none))
    return "\n".join(parts)


def _group_name(doc: dict[str, Any], group: dict[str, Any]) -> str:
    """A group as people name it: its subjects (other than tickets) and --by values by the policy's names (P1 一级紧急)."""
    names = doc.get("value_names", {})
    values = [f"{group[b]} {names.get(b, {}).get(group[b], '')}".strip() for b in doc["by"] if group[b] not in (None, "")]
    return " ".join([*([name_of(doc, "subjects", group["kind"])] if "kind" in group else []), *values])


def _detail(doc: dict[str, Any]) -> str:
    """Every group's metrics (period × --by values), folded: the cards and charts are what is read first."""
    body = []
    for group in doc["groups"]:
        heading = f"{group['period']} {_group_name(doc, group)}".strip()
        body.append(f'<h3 title="{_e(group_label(group, doc))}">{_e(heading)}: {_e(counted(group, _group_name(doc, group)))}</h3>')
        rows = [[m.get("title") or n, *metric_cells(n, m)[1:]] for n, m in group["metrics"].items()]
        body.append(_wide(_table([_(c) for c in METRIC_COLUMNS], rows, codes=list(group["metrics"]))))
        if group.get("notified"):
            steps = ", ".join(f"{k} × {v}" for k, v in group["escalations"].items())
            told = _("Escalation notifications: {split}.").format(
                split=", ".join(f"{name_of(doc, 'roles', role)} {n}" for role, n in group["notified"].items()))
            body.append(f'<p title="{_e(steps)}">{_e(told)}</p>')
    what = _("Detail per {period} and {by}").format(period=_(doc["period"]), by=", ".join(_(b) for b in doc["by"])) if doc["by"] \
        else _("Detail per {period}").format(period=_(doc["period"]))
    return f"<details><summary>{_e(what)} ({len(doc['groups'])})</summary>{''.join(body)}</details>"


def _wide(table: str) -> str:
    return f'<div class="wide">{table}</div>'


def _h2(text: str) -> str:
    return f"<h2>{_e(text)}</h2>"


def _said(text: str) -> str:
    """Why a chart is not drawn, in its place."""
    return f'<p class="nodata">{_e(text)}</p>'


def report_page(doc: dict[str, Any], out: IO[str]) -> None:
    """The report as a page: cards, a chart per objective (or why it has none), the objectives table, breaches and
    notifications, the detail per group folded, findings and the ledger."""
    f = figures(doc)
    title = _("Service quality report — {title}").format(title=report_title(doc))
    body = [f"<h1>{_e(title)}</h1>", f"<p>{_e(summary_text(doc))}</p>"]
    if doc["partial"]:
        partial = _("Partial: the run was interrupted.")
        body.append(f'<p class="partial">{_e(partial)}</p>')
    body.append(_cards(doc, f))
    body.append(_h2(_("Objectives")) + '<div class="charts">' + "".join(_objective_figures(doc, f.span)) + "</div>")
    rows = doc["objectives_at_period"]
    cells = [objective_cells(row, doc) for row in rows]
    body.append(_wide(_table(objective_headings(OBJECTIVE_COLUMNS), [[r.get("description") or r["objective"], *c[1:]] for r, (c, _m) in zip(rows, cells)],
                             ["met" if m else ("missed" if m is False else "") for _c, m in cells], [r["objective"] for r in rows])))
    body += [f"<p class=\"note\">{_e(n)}</p>" for n in report_notes(doc)]
    body.append(_counts(doc, f))
    body.append(_detail(doc))
    findings: Counter[str] = Counter()
    for group in doc["groups"]:
        findings.update(group.get("findings", {}))
    if findings:
        body.append(_h2(_("Findings")) + _wide(_table((_("code"), _("count")), [(k, str(v)) for k, v in sorted(findings.items())])))
    for caption, columns, table in owed_tables(doc):
        body.append(_h2(_(caption)) + _wide(_table([_(c) for c in columns], table)))
    out.write(_head(title) + "\n".join(body) + "\n" + END)

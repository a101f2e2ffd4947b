"""`report --format html` and `simulate --format html`: one self-contained page each (inline CSS,
SVG and script; a Content-Security-Policy that forbids every request), so it opens offline and
as a CI artifact.

The report's page is `report_page` (its charts `charts`); this module holds what the pages share.
The simulate page draws each ticket's timeline only when its page of the list is shown, from compact rows (instants as seconds after the ticket's creation, repeated texts as indexes
into one string table), so 100 000 tickets stay a list to page through, not 100 000 SVGs.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import IO, Any

from ..calendar.business import BusinessCalendar
from ..calendar.spec import CalendarSpec
from ..i18n import N_, _, current, translated
from ..sim.outcome import ClockStatus, Outcome, Rejection, SubjectOutcome
from .cells import derived_text
from .encode import Encoder, dumps, number

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
MAX_CALENDAR_DAYS = 3700  # out-of-calendar shading covers at most ten years of a history (a choice)


def _asset(name: str) -> str:
    return resources.files("slapolicy.output").joinpath("assets", name).read_text(encoding="utf-8")


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: Any) -> str:
    """JSON that cannot end or comment out the <script> element it sits in (every `<` is written `\\u003c`, still JSON)."""
    return dumps(value).decode("utf-8").replace("<", "\\u003c")


def page_lang() -> str:
    """The page's lang attribute: the language the command speaks."""
    return "zh-CN" if current() == "zh" else "en"


def _head(title: str, csp: str = CSP, lang: str | None = None, style: str = "") -> str:
    """The page up to its body, in `lang` (else the command's language): no request can leave it but what `csp` allows,
    its style inline."""
    lang = page_lang() if lang is None else lang
    return (f'<!DOCTYPE html>\n<html lang="{_e(lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_asset('page.css')}{style}</style></head>\n<body>\n")


END = "</body></html>\n"


def _table(columns: Iterable[str], rows: Iterable[Iterable[str]], classes: Iterable[str] = (), codes: Sequence[str] = ()) -> str:
    """A table; `codes`: each row's code, shown as its first cell's tooltip (the cell names it for people)."""
    marks = list(classes)
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join(f'<tr class="{marks[i] if i < len(marks) else ""}">'
                   + "".join(f'<td title="{_e(codes[i])}">{_e(c)}</td>' if j == 0 and i < len(codes) else f"<td>{_e(c)}</td>"
                             for j, c in enumerate(r)) + "</tr>"
                   for i, r in enumerate(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ---- pages of cards and tables ------------------------------------------------------------------

def card_row(cards: Iterable[tuple[str, Any, str]], marks: Sequence[dict[str, str]] = ()) -> str:
    """KPI cards: (label, value, class: "bad", "good" or ""), each with its `marks` as data- attributes (what a test reads)."""
    found = list(marks)
    shown = []
    for i, (label, value, kind) in enumerate(cards):
        data = "".join(f' data-{k}="{_e(v)}"' for k, v in (found[i] if i < len(found) else {}).items())
        shown.append(f'<div class="card {kind}"{data}><div class="value">{_e(value)}</div><div class="label">{_e(label)}</div></div>')
    return '<div class="cards">' + "".join(shown) + "</div>"


def tables_page(title: str, lead: str, cards: str, sections: Iterable[tuple[str, Sequence[str], list[list[str]], bool]]) -> str:
    """A page of tables (`whatif`): a lead paragraph, cards, each table under its heading (folded ones in <details>);
    a table wider than a phone scrolls inside its box, never the page."""
    body = [f"<h1>{_e(title)}</h1><p>{_e(lead)}</p>{cards}"]
    for heading, columns, rows, folded in sections:
        if rows:
            table = f'<div class="wide">{_table(columns, rows)}</div>'
            body.append(f"<details><summary>{_e(heading)}</summary>{table}</details>" if folded else f"<h2>{_e(heading)}</h2>{table}")
    return _head(title) + "\n".join(body) + "\n" + END


# ---- simulate ----------------------------------------------------------------------------------

CLOCK_STATUSES = {"met": N_("met"), "breached": N_("breached"), "running": N_("running"), "cancelled": N_("cancelled"),
                  "untimed": N_("untimed")}
TIMELINE_TEXTS = {  # the {names} in assets/timeline.html
    "heading": N_("Ticket timelines"), "met": N_("working time (met)"), "breached": N_("breached clock"), "running": N_("running"),
    "cancelled": N_("cancelled"), "off": N_("outside the calendar"), "paused": N_("paused"), "due": N_("due"), "breach": N_("breach"),
    "escalation": N_("escalation"), "change": N_("target change"),
    "note": N_("Hover a mark for its time and the rule (file:line) behind it; click it to keep the explanation under the timeline."
               " A clock still running is drawn up to the --as-of instant."),
    "search": N_("ticket id"), "only_breached": N_("only tickets with a breach"), "previous": N_("◀ previous"), "next": N_("next ▶")}
TIMELINE_WORDS = {  # what timeline.js writes, its {names} filled in the browser
    "created": N_("{policy}, created {when} ({tz})"), "findings": N_("; {count} finding(s)"), "no_rule": N_("no rule"),
    "rule": N_("rule {rule}"), "measured": N_("measured"), "label": N_("{name}: {target}{calendar}, {status}, {rule}"),
    "paused_total": N_("; paused {duration} in all"), "started": N_("{name} {status}: started {when}"), "stopped": N_(", stopped {when}"),
    "cancelled_at": N_(", cancelled {when}"), "running_at": N_(", running at --as-of {when}"), "then_rule": N_("; {rule}"),
    "paused": N_("{name} paused {start} → {end} ({duration})"), "change": N_("{name}: target {target} from {when}"),
    "by_rule": N_(" (rule {rule})"), "none": N_("none"), "due": N_("{name} due {when}: {target}"),
    "on_calendar": N_(" on the {calendar} calendar"), "due_from": N_(" from {when}; {rule}"),
    "escalation": N_("{name} escalation step {step} → {roles} at {when}"), "breach": N_("{name} breached {when} (due {target}); {rule}"),
    "rejected": N_("{id} (line {line}) rejected: {why}"), "later": N_("{id} (line {line}) not yet created: {why}"),
    "page": N_("page {page} of {pages} ({count} tickets)"), "hours_minutes": N_("{hours}h{minutes}m"), "hours": N_("{hours}h"),
    "minutes": N_("{minutes}m")}


def _timeline_words() -> dict[str, Any]:
    """TIMELINE_WORDS and the clock statuses in the page's language, for timeline.js."""
    return {**{k: _(v) for k, v in TIMELINE_WORDS.items()}, "status": {k: _(v) for k, v in CLOCK_STATUSES.items()}}


class TimelinePage:
    """Collects outcomes as compact rows and writes the simulate page when closed.

    A row is [id, line, heading, policy, created, clocks, escalations, findings(, derived)] or, rejected,
    [id, line, errors], or, created after --as-of (no error), [id, line, why, "later"]; instants are seconds
    after `created`, texts indexes into `strings`.
    A running clock is drawn up to `as_of`, the instant the replay stopped the clocks at."""

    def __init__(self, out: IO[str], heading: Callable[[SubjectOutcome], str], as_of: float) -> None:
        self.out = out
        self.heading = heading
        self.as_of = as_of
        self.encoder = Encoder()  # the rule labels (file:line) the JSON output writes
        self.strings: dict[str, int] = {}
        self.calendars: dict[tuple[str, str, str], tuple[int, CalendarSpec]] = {}
        self.rows: list[str] = []
        self.statuses: Counter[tuple[str, str]] = Counter()
        self.escalations = 0
        self.span = (float("inf"), float("-inf"))

    def _s(self, text: str | None) -> int | None:
        if text is None:
            return None
        return self.strings.setdefault(text, len(self.strings))

    def add(self, outcome: Outcome) -> None:
        if isinstance(outcome, Rejection):
            errors = "; ".join(f"{r.code}: {translated(r.message)}" for r in outcome.reasons)
            self.rows.append(_script_json([outcome.id, outcome.line, errors, *(["later"] if outcome.not_yet_created else [])]))
            return
        policy, t0, s = outcome.policy, outcome.created, self._s

        def off(t: float | None) -> int | float | None:
            return None if t is None else number(round(t - t0, 3))

        clocks = []
        last = t0
        for c in outcome.clocks:
            key = (policy.id, policy.version, c.calendar)
            if key not in self.calendars:
                self.calendars[key] = (len(self.calendars), policy.calendars[c.calendar])
            self.statuses[(c.metric.id, c.status.value)] += 1
            instants = [c.started, c.due, c.stopped, c.cancelled, c.breached_at, c.failed]
            last = max([last, *(t for t in instants if t is not None), *(ch.at for ch in c.changes),
                        *((self.as_of,) if c.status is ClockStatus.RUNNING else ())])
            clocks.append([s(c.metric.id), c.cycle, s(c.target.text if c.target else None), self.calendars[key][0],
                           *(off(t) for t in instants), s(c.status.value), number(c.paused_seconds), s(self.encoder.rule(c.rule)),
                           [[off(ch.at), s(ch.target.text if ch.target else None), s(self.encoder.rule(ch.rule))]
                            for ch in c.changes], [[off(a), off(b)] for a, b in c.pauses]])
        escalations = [[off(e.at), s(e.step.metric), e.cycle, e.step.index, s(", ".join(e.step.notify))] for e in outcome.escalations]
        self.escalations += len(escalations)
        last = max([last, *(e.at for e in outcome.escalations)])
        self.span = (min(self.span[0], t0), max(self.span[1], last))
        derived = [s(derived_text(self.encoder.derivation(d, policy.tz))) for d in outcome.derived]
        self.rows.append(_script_json([outcome.id, outcome.line, self.heading(outcome).removeprefix(" — "),
                                       s(f"{policy.id} {policy.version}"), t0, clocks, escalations, len(outcome.findings),
                                       *([derived] if derived else [])]))

    def _calendar_data(self) -> list[dict[str, Any]]:
        """Each calendar's working intervals over the history (epoch seconds, flat), for the grey
        out-of-calendar spans; a 24x7 calendar has none to draw."""
        found = []
        first, last = self.span
        for (_policy, _version, name), (_index, spec) in sorted(self.calendars.items(), key=lambda kv: kv[1][0]):
            entry: dict[str, Any] = {"name": name, "tz": str(spec.tz), "always": spec.always, "spans": []}
            if not spec.always and first <= last:
                cal = BusinessCalendar(spec)
                day = dt.datetime.fromtimestamp(first, spec.tz).date() - dt.timedelta(days=1)
                end = min(dt.datetime.fromtimestamp(last, spec.tz).date() + dt.timedelta(days=1),
                          day + dt.timedelta(days=MAX_CALENDAR_DAYS))
                while day <= end:
                    for a, b in cal.working_intervals(day):
                        entry["spans"] += [int(a.timestamp()), int(b.timestamp())]
                    day += dt.timedelta(days=1)
            found.append(entry)
        return found

    def close(self, simulated: int, rejected: int, interrupted: bool = False, later: int = 0) -> None:
        metrics = sorted({m for m, _status in self.statuses})
        rows = [[m, *(str(self.statuses[(m, st)]) for st in CLOCK_STATUSES)] for m in metrics]
        title = _("Simulated tickets")
        total = simulated + rejected + later
        counted = _("{total} tickets: {simulated} simulated, {rejected} rejected").format(total=total, simulated=simulated, rejected=rejected)
        counted += _(", {later} not yet created").format(later=later) if later else ""
        lead = _("{counted}; {escalations} escalations. Times are shown in each calendar's zone.").format(
            counted=counted, escalations=self.escalations)
        partial = _("Partial: the run was interrupted after {total} tickets.").format(total=total)
        texts = {k: _e(_(v)) for k, v in TIMELINE_TEXTS.items()}
        body = (f"<h1>{_e(title)}</h1><p>{_e(lead)}</p>"
                + (f'<p class="partial">{_e(partial)}</p>' if interrupted else "")
                + _table((_("metric"), *(_(st) for st in CLOCK_STATUSES.values())), rows)
                + _asset("timeline.html").format(**texts))
        meta = {"strings": list(self.strings), "calendars": self._calendar_data(), "as_of": number(self.as_of),
                "words": _timeline_words()}
        self.out.write(_head(title) + body)
        self.out.write(f'<script type="application/json" id="meta">{_script_json(meta)}</script>\n'
                       '<script type="text/plain" id="tickets">\n')
        for row in self.rows:
            self.out.write(row + "\n")
        self.out.write(f"</script>\n<script>{_asset('timeline.js')}</script>\n{END}")


# ---- the live board ----------------------------------------------------------------------------

LIVE_CSP = CSP + "; connect-src 'self'"  # a served board fetches its data from where it was served, and nowhere else
BOARD_TITLES = {"zh": "SLA 实时看板", "en": "SLA live board"}


def board_page(doc: dict[str, Any], out: IO[str], lang: str = "zh", source: str | None = None, refresh: int = 30,
               at_once: bool = False) -> None:
    """The live board (`slapolicy.output.board.document`) as one page in Chinese and English: the open
    tickets by time left, what falls due within the hour and later today, today's breaches and
    escalations, filters by severity, group and assignee, each clock with its rule and clauses.

    Offline (`source` None) it draws the document it holds and requests nothing. Served, it also
    fetches `source` (a URL on its own origin that answers with the document, e.g. GET /tickets)
    every `refresh` seconds, sending the token of its address's fragment (`#token=…`) as a bearer
    token, and counts the time left down between fetches; `at_once`: it fetches as soon as it has
    loaded too (a page served without its data: `slapolicy serve`'s /board)."""
    config = {"lang": lang, "source": source, "refresh": refresh, "at_once": at_once}
    out.write(_head(BOARD_TITLES[lang], LIVE_CSP if source else CSP, lang, _asset("board.css")) + _asset("board.html")
              + f'<script type="application/json" id="board-config">{_script_json(config)}</script>\n'
              + f'<script type="application/json" id="board">{_script_json(doc)}</script>\n'
              + f"<script>{_asset('board.js')}</script>\n{END}")

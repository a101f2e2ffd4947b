"""Every code slapolicy reports, in one registry: policy diagnostics (SLA0xx-SLA8xx) and the
reasons a ticket is rejected.

Each code has a stage (where it is found), a default severity, a one-line title and a
documentation text; the semantic checks keep their documentation (with Passes / Fails
examples) in their own module docstring, which `doc()` reads. `slapolicy explain CODE`
and `slapolicy checks` print from here, and the manual's code tables (docs/codes.md) are checked
against it by a test.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from dataclasses import dataclass

from ..i18n import N_


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Code:
    code: str
    slug: str
    stage: str  # load | schema | model | check | versions | tests | config | import | ticket | finding
    severity: Severity
    title: str
    text: str = ""  # how to read and fix it; for checks, the module docstring is used
    module: str | None = None  # the check module that finds it

    def doc(self) -> str:
        """The full explanation: the check module's docstring, or the text kept here."""
        if self.module is not None:
            return inspect.getdoc(importlib.import_module(self.module)) or self.title
        return self.text or self.title

    def plain_doc(self) -> str:
        """The explanation as people read it: the docstring markup `Passes::` shown as `Passes:`."""
        return re.sub(r"^(Passes|Fails)::$", r"\1:", self.doc(), flags=re.MULTILINE)


def _check(code: str, slug: str, severity: Severity, title: str, module: str, stage: str = "check") -> Code:
    return Code(code, slug, stage, severity, title, module=f"slapolicy.validate.checks.{module}")


_ALL = (
    Code("SLA001", "unreadable", "load", E, N_("file or directory cannot be read (exit 2)"),
         "The path does not exist, is not a regular file (a FIFO, a device, a broken link), or cannot be "
         "opened. Check the path and the file's permissions."),
    Code("SLA002", "not-utf8", "load", E, N_("not UTF-8 text"),
         "Policies and test files are UTF-8 text. Save the file as UTF-8 (in most editors: "
         "'Save with encoding', UTF-8)."),
    Code("SLA003", "too-large", "load", E, N_("file larger than 5 MiB"),
         "A policy is a regulation, not a data dump; split it or remove generated content."),
    Code("SLA004", "yaml-syntax", "load", E, N_("YAML syntax error (tabs, unclosed brackets, …)"),
         "The file is not valid YAML at the position given. Indent with spaces, line up the keys of one block, "
         "close every [ and {, put a space after each colon, and type YAML's punctuation with the input method "
         "in English: a full-width colon, comma, bracket or parenthesis (：，【】（）) is named at its column.\n\n"
         "Fails:\n\n    targets:\n    \t- first_response: 15m     # a tab\n    tiers：                         # a full-width colon"),
    Code("SLA005", "duplicate-key", "load", E, N_("duplicate key (YAML would silently keep the last one)"),
         "The same key appears twice in one mapping; only one can count. Remove or rename one.\n\n"
         "Fails:\n\n    P1: {name: 紧急}\n    P1: {name: 重要}"),
    Code("SLA006", "empty-file", "load", E, N_("empty file"), "The file holds no YAML document."),
    Code("SLA007", "top-level", "load", E, N_("top level is not a mapping"),
         "A policy (or test file) is a mapping of keys: `policy:`, `version:`, ... at the top level."),
    Code("SLA008", "tag-or-merge", "load", E, N_("a tag (`!!python/object`) or merge key (`<<`)"),
         "Policies hold plain data only: no YAML tags and no merge keys. Write the keys out."),
    Code("SLA009", "too-deep", "load", E, N_("document too large once aliases are expanded, or nested too deeply"),
         "Anchors and aliases that repeat each other can expand a small file into millions of values; "
         "such documents are refused. Write the values out."),
    Code("SLA101", "unknown-key", "schema", E, N_("unknown key (with \"did you mean\")"),
         "The key is not part of the policy language at this place; a near miss is named."),
    Code("SLA102", "missing-key", "schema", E, N_("missing required key"), "A key this section needs is absent."),
    Code("SLA103", "wrong-type", "schema", E, N_("wrong type"),
         "The value has the wrong kind: a list where a mapping is needed, text where a number is needed, ..."),
    Code("SLA104", "invalid-value", "schema", E, N_("invalid value: duration, interval, date, name, enum, regex, …"),
         "The value has the right kind but cannot be used: '15 mins' instead of 15m, 2025-02-30, "
         "an unknown operator, a regular expression that does not compile, ..."),
    _check("SLA105", "effective-dates-backwards", E, N_("`effective_until` before `effective_from`"), "effective_dates"),
    _check("SLA106", "rate-without-percent", E, N_("a rate written as a plain number (`98` for 98 %) or as a duration"),
           "rate_units"),
    _check("SLA201", "unknown-reference", E,
           N_("unknown severity, tier, role, calendar, metric, event, status, attribute or value"), "references"),
    _check("SLA202", "duplicate-id", E, N_("duplicate id of a target rule, escalation step or objective"), "duplicate_ids"),
    _check("SLA301", "response-after-resolution", E,
           N_("a step of a ticket's life promised later than a following one (first_response longer than resolution …)"),
           "response_after_resolution"),
    _check("SLA302", "escalation-order", E, N_("escalation steps out of firing order"), "escalation_order"),
    _check("SLA303", "escalation-share-range", E, N_("warning share not strictly between 0 % and 100 %"), "escalation_share"),
    _check("SLA304", "days-on-business-calendar", W,
           N_("a duration in days (`3d`) on a business calendar, where it counts working hours"), "day_durations"),
    _check("SLA305", "day-hours-on-uneven-days", E,
           N_("`N days of working hours` on a calendar whose working days differ in length"), "day_hours"),
    _check("SLA401", "calendar-without-working-time", E, N_("calendar without working time"), "calendar_no_time"),
    _check("SLA402", "calendar-overlapping-intervals", E,
           N_("overlapping working intervals (also an overnight interval into the next day)"), "calendar_overlap"),
    Code("SLA403", "unknown-timezone", "model", E, N_("unknown IANA time zone"),
         "Time zones are IANA names such as Asia/Shanghai, Europe/Berlin or UTC (`slapolicy` uses the tz "
         "database shipped with Python or the tzdata package); China's is Asia/Shanghai. A zone is a place, "
         "not an offset: UTC+8 is refused. A zone written wrong in several places is reported once.\n\n"
         "Fails:\n\n    timezone: Beijing      # did you mean 'Asia/Shanghai'?"),
    _check("SLA404", "unknown-holiday-country", E, N_("unknown holiday country or subdivision"), "holiday_country"),
    _check("SLA405", "holiday-data-coverage", W,
           N_("holiday data do not cover the years the policy is in force "
           "(to `effective_until`, or to this year while open-ended)"), "holiday_coverage"),
    _check("SLA406", "calendar-conflicting-days", E, N_("a day both extra holiday and extra working day"), "calendar_dates"),
    _check("SLA407", "calendar-extends-cycle", E, N_("calendar `extends` cycle"), "calendar_extends"),
    _check("SLA408", "unused-calendar", W, N_("a declared calendar that nothing uses"), "unused_calendar"),
    _check("SLA409", "calendar-choice-incomplete", E,
           N_("a calendar chosen by the subject that leaves some subject without a calendar"), "calendar_choice"),
    _check("SLA410", "period-overlap", E, N_("two named periods of one date-period attribute share a day, or it is also "
           "declared under attributes"), "period_overlap"),
    _check("SLA501", "missing-target", E, N_("a `required` metric lacks a target for some severity × tier (× value of a required attribute it reads)"), "coverage"),
    _check("SLA502", "condition-never-matches", W, N_("a condition no ticket can satisfy"), "never_matches"),
    _check("SLA503", "target-shadowed", W,
           N_("a target that never applies: earlier rules already give that metric to every ticket the rule matches"),
           "shadowed"),
    _check("SLA504", "escalation-without-target", W,
           N_("an escalation step that can never fire: no ticket it applies to gets a target for its metric"),
           "step_without_target"),
    _check("SLA505", "objective-measures-nothing", E, N_("an on-time objective on a metric no target times"),
           "objective_metric"),
    _check("SLA506", "engine-refuses", E, N_("a condition or ruleset the rules engine cannot take"), "engine_limits"),
    _check("SLA507", "deadline-ignored-in-silence", W,
           N_("an attribute that carries a deadline says `unknown: ignore` without saying why"), "silent_deadlines"),
    _check("SLA508", "credit-bands", E,
           N_("credit bands that overlap or leave a gap, short-outage steps or lateness steps out of order"), "credit_bands"),
    _check("SLA509", "owed-parts-mismatch", E,
           N_("parts of an availability measure, credit or credit limit that do not fit (types, periods, what a breach earns)"),
           "owed_fit"),
    _check("SLA510", "lookup-incomplete", E, N_("a lookup table (priority matrix) lacks cells for some combination of "
           "its keys' values"), "lookup_cells"),
    _check("SLA511", "lookup-cycle", E, N_("lookup tables that read each other's values in a circle"), "lookup_cycle"),
    _check("SLA601", "duplicate-version", E, N_("the same version of a policy twice in a directory"), "versions", "versions"),
    _check("SLA602", "versions-backwards", E, N_("versions whose effective dates go backwards"), "versions", "versions"),
    _check("SLA603", "versions-overlap", E, N_("overlapping effective periods"), "versions", "versions"),
    _check("SLA701", "figure-without-provenance", W,
           N_("a figure that says neither which clause gives it nor that it is a choice"), "provenance"),
    _check("SLA702", "unknown-clause", E, N_("a cited clause that is not in the registers the policy implements"), "clause_refs"),
    _check("SLA703", "undecided-disagreement", W,
           N_("two clauses that disagree are cited without a decision between them"), "clause_decisions"),
    _check("SLA704", "construct-not-in-clause", W,
           N_("a pause, cancellation, repeat or window the cited clauses do not give, not marked a choice"), "clause_constructs"),
    _check("SLA705", "figure-not-the-clauses", E, N_("a figure that cites a clause but is not the clause's figure"),
           "cited_figures"),
    _check("SLA706", "unnamed-value", W, N_("a value code the document shows without a name in a language the policy names "
           "its values in (value_names)"), "value_names"),
    _check("SLA707", "translation-unused", W, N_("a translation (translations:) of a text the policy no longer has"), "translations"),
    Code("SLA801", "unknown-policy", "tests", E, N_("a test file names a policy (or version) that does not exist"),
         "`policy:` (and `version:`) of a test file must name a policy found beside it or under the paths "
         "given to `slapolicy test`."),
    Code("SLA802", "unknown-name-in-test", "tests", E,
         N_("a test file uses an event type, metric, escalation step or derived attribute its policy does not define"),
         "Each event type, metric and escalation step named in a case must exist in the policy the case runs on, and "
         "each attribute under `derived:` must be one a lookup table or date period of the policy gives."),
    Code("SLA803", "case-failed", "tests", E, N_("a test case whose expectation does not hold"),
         "The case ran, and what it expects (a clock's status or due time, an escalation, a notice, an "
         "objective, …) is not what the replay gives; the report shows expected and actual. Fix the policy, "
         "or the case if the regulation says otherwise."),
    Code("SLA804", "policy-fails-to-load", "tests", E, N_("the policy a test file runs on fails to load (exit 2)"),
         "A version of the policy the test file names, or a policy file beside the test file, has an error, so the "
         "cases cannot run on the policy as written (they would run on fewer versions, or on none). The line points "
         "at the policy's first error; `slapolicy validate` lists them all."),
    Code("SLA805", "version-without-cases", "tests", W, N_("a policy version under which no test case runs"),
         "Each version of a tested policy needs a case whose subject is created while it is in force; otherwise "
         "nothing checks what that version promises (a previous version kept for `whatif`, say). `slapolicy test "
         "--strict` fails on it."),
    # ---- what a team decided about the codes (inline ignores, configuration) ----
    Code("SLA901", "unused-ignore", "config", W, N_("an ignore comment that silences nothing"),
         "A `# slapolicy: ignore[CODE]` comment silences CODE on its own line (after a value) or on the next "
         "line (on a line of its own); when that next line starts a block (a list item written over several "
         "lines, or a key whose value is indented below it), on the whole block, down to the next item or key "
         "at its level. Nothing with that code is reported there, so the comment is stale: "
         "remove it, or move it to the line the finding is on.\n\nFails:\n\n"
         "    # slapolicy: ignore[SLA503]\n    - {id: p1-urgent, when: {severity: P1}, first_response: 15m}"),
    Code("SLA902", "bad-ignore", "config", E, N_("an ignore comment that names no code, or a code it cannot silence"),
         "Write `# slapolicy: ignore[SLA503]`, several codes separated by commas. Only the findings of the "
         "semantic checks (`slapolicy checks`) can be silenced; load, schema and test-file errors mean the file "
         "was not checked, and must be fixed.\n\nFails:\n\n    timezone: Beijing   # slapolicy: ignore[SLA999]"),
    # ---- import profiles (slapolicy import, --profile) ----
    Code("SLA911", "unknown-profile", "import", E, N_("--profile names neither a shipped import profile nor a file"),
         "Give the name of a shipped profile (the message lists them; so do `slapolicy profiles` and docs/imports.md) or the path of your own "
         "profile file.\n\nFails:\n\n    slapolicy import --profile jira export.csv     # the name is jira-service-management"),
    Code("SLA912", "bad-time-format", "import", E, N_("a `timestamps:` format that cannot read a date-time"),
         "Formats are Python strptime patterns: %Y year, %m month, %d day, %H hour (00-23), %I hour (1-12) with %p "
         "AM/PM, %M minute, %S second, %b month name (Mar), %y two-digit year. ISO-8601 and Excel date numbers are "
         "always read and need no format.\n\nFails:\n\n    timestamps: [\"DD/MM/YYYY hh:mm\"]     # write \"%d/%m/%Y %H:%M\""),
    Code("SLA913", "profile-mismatch", "import", E, N_("parts of an import profile that do not fit together"),
         "`rows: ticket` needs `events:` (which timestamp columns become which events, one of them `created`); "
         "`rows: event` needs `event:` (the columns of each row's time and type); `rows: webhook` needs `events:`, "
         "`event:` or both, and reads JSON paths (`path:`) where an export's profile reads columns (`column:`). A value "
         "is read from a `column` (`path`) or is a constant `value`, not both; `minutes_after` names an event listed "
         "before it.\n\nFails:\n\n"
         "    rows: ticket\n    event: {at: Time, type: Action}     # one row per event: write rows: event"),
    Code("SLA914", "bad-json-path", "import", E, N_("a webhook profile's path that is not a JSON path"),
         "A path names keys joined by dots, list indexes in brackets, and a key with a dot in it quoted in brackets: "
         "`ticket.priority.name`, `ticket.article_ids[0]`, `fields[\"v1.2\"]`. A path that is not in a payload is no "
         "value there (an empty cell), not an error of the profile.\n\nFails:\n\n"
         "    id: ticket..number     # write ticket.number"),
    # ---- reasons a ticket is rejected (simulate, report, whatif, test) ----
    Code("unparseable", "unparseable", "ticket", E, N_("the input line or item cannot be read as a ticket"),
         "A JSONL line that is not JSON, not an object, or not UTF-8; a CSV row without ticket_id; a YAML "
         "document that does not parse."),
    Code("bad_shape", "bad-shape", "ticket", E, N_("the ticket is not shaped as slapolicy reads tickets"),
         'A ticket is {"id", "attributes": {...}, "events": [{"at", "type", "status"?, "attributes"?}]}; '
         "attribute values are text, numbers or true/false."),
    Code("missing_created", "missing-created", "ticket", E, N_("the ticket has no events, or no 'created' event"),
         "Every ticket starts with a `created` event; the clocks are measured from it."),
    Code("event_before_created", "event-before-created", "ticket", E, N_("an event comes before 'created'"),
         "Events are ordered by time; the first one must be `created`."),
    Code("bad_timestamp", "bad-timestamp", "ticket", E,
         N_("a timestamp that is not ISO-8601, or outside the supported range"),
         "Write timestamps like 2025-03-07T17:50:00+08:00; those without an offset are read in the policy's "
         "time zone."),
    Code("bad_duration", "bad-duration", "ticket", E, N_("a time agreed for a deadline that is not a duration"),
         "A target `agreed: ATTRIBUTE` reads the subject's attribute of type duration as the time agreed for it; write "
         "it as policies write durations: 8h, 90 minutes, 3 working days, 2 days of working hours (a number alone has "
         "no unit)."),
    Code("unknown_event_type", "unknown-event-type", "ticket", E, N_("an event type the policy does not declare"),
         "Built-in event types and those under the policy's `events:` are accepted; names are lower case. A "
         "misspelt `created` (`Created`, `creatd`) is reported here, with the name to write, rather than as a "
         "missing created event."),
    Code("unknown_status", "unknown-status", "ticket", E, N_("a status the policy does not declare"),
         "A `status` event must set one of the policy's `statuses`."),
    Code("unknown_severity", "unknown-severity", "ticket", E, N_("no severity, or one the policy does not declare"),
         "Every ticket needs a severity among the policy's `severities`; a policy that declares none grades no "
         "ticket, and a ticket that gives one anyway is rejected."),
    Code("unknown_tier", "unknown-tier", "ticket", E, N_("a tier the policy does not declare"),
         "A ticket's `tier`, when given, must be one of the policy's `tiers`."),
    Code("uncovered_value", "uncovered-value", "ticket", E,
         N_("a cell value the import profile's map does not cover"),
         "The import profile maps the helpdesk's values (priorities, event names, …) to the policy's; this cell "
         "has one the map lacks, and the profile gives no default. Add it under the map or give a default. (A "
         "value outside the `values` an attribute of the policy lists is not a rejection: it is an "
         "`unlisted_value` finding on a subject that is replayed.)"),
    Code("duplicate_id", "duplicate-id", "ticket", E, N_("a ticket id already used by an earlier line"),
         "The first line that carries an id claims it; later tickets with the same id are rejected "
         "(R-002-03: every request has a unique service number)."),
    Code("event_id_conflict", "event-id-conflict", "ticket", E, N_("an event id already accepted for another event"),
         "`slapolicy serve` applies each event once: an event posted again with an id it accepted is answered "
         "as before and not applied again; the same id with another body is refused (HTTP 409). Give each event "
         "its own id (a helpdesk's delivery or history id)."),
    Code("no_policy_version", "no-policy-version", "ticket", E,
         N_("no version of the policy is in force on the day the ticket was created"),
         "Versions apply to tickets created between their effective_from and effective_until."),
    Code("unknown_kind", "unknown-kind", "ticket", E, N_("a kind of subject the policy does not govern"),
         "An input item's `kind` (ticket when absent) must be `ticket` or one of the policy's `subjects` "
         "(contract, call, duty, …)."),
    Code("missing_attribute", "missing-attribute", "finding", W, N_("an attribute the policy requires recorded is missing"),
         "The policy declares the attribute `required: true`: its clause asks for it to be recorded (a call logged "
         "with the customer's phone, R-004-02). A subject without it by --as-of breaks that clause: the finding "
         "names the attribute and its clause, dated at the subject's creation. The subject is still replayed with "
         "every clock and objective; rules that read the attribute see it missing. Give it, or declare a "
         "`default` where a missing value has a meaning."),
    Code("unlisted_value", "unlisted-value", "finding", W, N_("an attribute value outside the values the policy lists"),
         "The attribute lists its values (`values:`) after its clause: R-000-09's three channels, R-004-07's four "
         "grades; or gives a number's scale (`range:`), or its type (`number`, `boolean`). A subject that had "
         "another value breaks that clause: the finding names the value and the clause, dated when the subject "
         "first had it. The subject is still replayed; rules that compare the attribute see a listed attribute's "
         "value as given (so `channel: hotline` does not hold for 'wechat'), and a value of another type as "
         "missing (no rules engine is asked about it: the two compare such values differently)."),
    Code("undecided_rule", "undecided-rule", "finding", W,
         N_("a rule could not be applied because the subject lacks an attribute it reads"),
         "The subject was replayed, but a target, escalation step or notice whose condition reads a missing attribute "
         "could not be decided; the finding names the rule and its clause. Give the attribute, declare a `default`, "
         "make it `required`, or declare `unknown: ignore` where leaving it out is intended."),
    Code("given_differs", "given-differs", "finding", W,
         N_("a given value differs from the one the policy derives (a lookup table, a date period)"),
         "The policy derives the attribute (`lookups:`: the priority matrix gives severity from criticality × impact; "
         "`periods:`: the period of the creation day) with `given: finding` (the default), and the subject gave "
         "another value. The derived value applies; the finding names both values, the cell (or the day) and the "
         "rule's clause, dated when the subject first had them. With `given: precedence` the given value applies and "
         "there is no finding."),
    Code("out_of_order", "out-of-order", "finding", W, N_("an event came before one an invariant requires first"),
         "An `invariants:` rule with `requires` / `before`: the event was recorded while a required event (by one "
         "of the roles in `by`, when given) had not happened (worked before registered, closed before the customer "
         "confirmed, implemented before approval). The finding names the event, the clause and the actor."),
    Code("ownership", "ownership", "finding", W, N_("an owned subject was handed to someone else"),
         "An `invariants:` rule with `owner: first`: the first assignee keeps the subject until an `until` event "
         "(default closed); a later event assigning it to someone else is a finding."),
    Code("misrouted", "misrouted", "finding", W, N_("the first assignment went to a group the routing rules do not give"),
         "The first `assigned` event's `group` is not the group of the first `routing:` rule that matches the "
         "subject (technical questions to the technical-support group, simple ones to the service desk)."),
    Code("malformed_id", "malformed-id", "finding", W, N_("a ticket id that does not match the policy's `identity` pattern"),
         "The policy declares what a service number looks like (`identity: {pattern: ...}`); this ticket's id does "
         "not match it. The ticket is still replayed."),
    Code("recurrence", "recurrence", "finding", W, N_("the subject completes a correlation: the same problem again"),
         "A `correlations:` rule matched: the same key (customer, product, problem code) `count` times within "
         "`within`, or reported again after an earlier subject was resolved, or naming an earlier subject "
         "(`link`). The finding is on the subject that completes the match and lists the subjects involved; an "
         "event named after the correlation happens at its creation, so an obligation (a metric) may start on it."),
    Code("not_yet_created", "not-yet-created", "ticket", W, N_("created after --as-of: listed and counted, not replayed"),
         "--as-of is the replay's 'now': a subject created after it did not exist then. It is not replayed and "
         "takes no part in KPIs, correlations or objectives, but it is listed (`\"status\": \"not_yet_created\"`) "
         "and counted apart (`N not yet created` in the summary). It is not a problem of the input, so it does "
         "not by itself make the exit code 1; one that also has a reason to be rejected is rejected with those "
         "reasons. Give a later --as-of to replay it."),
    Code("not_governed", "not-governed", "ticket", W, N_("in a comparison, a kind of subject only the other version governs"),
         "whatif and diff --history replay one history under two versions. A subject of a kind only one of them "
         "governs (a version that adds zone outages to an availability agreement) is not replayed under the other, "
         "and not rejected by it either: each version's summary counts it apart (`\"not_governed_base\"`, "
         "`N of a kind it does not govern`), it is no changed outcome and does not make the exit code 1. Outside "
         "a comparison the same subject is rejected as `unknown_kind`."),
    Code("limit", "limit", "ticket", E, N_("the ticket exceeds a documented limit (events, clock periods)"),
         "A ticket may have at most 20 000 events, and a recurring clock or `every` duty at most 10 000 periods up to --as-of; "
         "these bound the work one ticket can cause. Usually --as-of is far in the future, or events are missing."),
    Code("calendar", "calendar", "ticket", E, N_("a deadline the business calendar cannot compute"),
         "The deadline falls in years the holiday data do not cover, or the calendar has no working time left."),
)

CODES: dict[str, Code] = {c.code: c for c in _ALL}

# root causes, reported before the other diagnostics of their file: an undeclared name explains
# what follows from it (a required metric without a target, because the target misspells it)
ROOT_CAUSES = frozenset({"SLA201"})


def get(code: str) -> Code:
    """The code, matched case-insensitively; KeyError if there is none."""
    found = CODES.get(code) or CODES.get(code.upper()) or CODES.get(code.lower())
    if found is None:
        raise KeyError(code)
    return found


def severity(code: str) -> Severity:
    return CODES[code].severity

"""Import profiles: how a helpdesk's data maps onto subjects — the profile model, loaded from YAML
checked against a shipped JSON Schema with file:line:column diagnostics (`load_profile`), the JSON
paths of webhook profiles, the value maps every reader applies (`mapped`), and what reading with a
profile yields (`Imported`). Reading is the readers' own: CSV exports (`imports`), webhook
payloads (`webhooks`).
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..calendar.instants import InstantError, zone
from ..diagnostics.record import Diagnostic, InputError, did_you_mean, one_line, shorten
from ..i18n import N_, Message, listing
from ..policy.loader import Document, JsonPath, load_file, load_text
from ..policy.schema import schema_problems
from .outcome import Reason, Rejection
from .tickets import RawItem, TicketError, ticket_from_data

UNSET: Any = object()  # no value: an empty cell or a missing path without a default


Segments = tuple[str | int, ...]  # a JSON path read: keys and list indexes


@dataclass(frozen=True)
class Value:
    """Where one value of a ticket comes from: a column (its cells mapped or kept), JSON paths of a
    webhook payload, or a constant."""

    where: str  # the profile key, for messages: attributes.severity
    column: str | None = None  # the column, or the path as written (one, or several joined by ', ')
    constant: Any = None
    map: Mapping[str, Any] | None = None
    default: Any = UNSET
    skip: frozenset[str] = frozenset()
    paths: tuple[Segments, ...] = ()  # rows: webhook — the paths read, their values joined into one map key
    required: bool = False  # an empty cell (a missing path) without a default is a rejection, not a value left out
    unmapped: str = "reject"  # a value the map lacks, without a default: reject, or omit (the attribute is unknown)


@dataclass(frozen=True)
class Timed:
    """A timestamp column of a one-row-per-ticket export (or a timestamp path of a webhook payload) that becomes an event."""

    type: str
    column: str
    minutes_after: str | None = None
    path: Segments = ()  # rows: webhook


@dataclass(frozen=True)
class Profile:
    name: str
    rows: str  # ticket | event | webhook
    id: str
    attributes: tuple[tuple[str, Value], ...]
    kind: Value | None = None
    events: tuple[Timed, ...] = ()
    event: tuple[tuple[str, Value], ...] = ()  # rows: event — at, type, status, actor, …
    formats: tuple[str, ...] = ()
    timezone: dt.tzinfo | None = None
    repeated_hour: str = "reject"  # an offset-less time the zone's clock showed twice: reject, or take the earlier or later
    delimiter: str | None = None
    encoding: str | None = None
    id_path: Segments = ()  # rows: webhook
    totals: frozenset[str] = frozenset()  # id cells that mark a totals row (合计): skipped, not a ticket
    spellings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a column's header spellings, by its first
    header_row: int | str = 1  # the header's row, or "find": the first row with every column the profile reads
    footer: tuple[str, ...] = ()  # how an id cell of a note under the tickets begins: skipped
    timezone_footer: tuple[str, ...] = ()  # how the id cell of a footer naming the times' zone begins (Zammad's "Timezone: …")

    def headers(self, column: str) -> tuple[str, ...]:
        """The headers that name `column` in an export: its spellings, or itself."""
        return self.spellings.get(column, (column,))

    def columns(self) -> list[tuple[str, str]]:
        """Every column the profile reads, with the profile key that names it."""
        out = [(self.id, "id")]
        values = [*self.attributes, *self.event] + ([("kind", self.kind)] if self.kind else [])
        out += [(v.column, v.where) for _, v in values if v.column is not None]
        out += [(t.column, f"events ({t.type})") for t in self.events]
        return out


@dataclass
class Imported:
    """What an export became: tickets and rejections in row order, and how many rows each took."""

    items: list[RawItem | Rejection] = field(default_factory=list)
    rows: int = 0
    skipped_by: Counter[str] = field(default_factory=Counter)  # rows skipped on purpose, by why: title, footer, totals, …
    omitted: Counter[str] = field(default_factory=Counter)  # values a map lacks, left out (unmapped: omit), by profile key

    @property
    def skipped(self) -> int:
        return self.skipped_by.total()

    @property
    def tickets(self) -> list[RawItem]:
        return [i for i in self.items if isinstance(i, RawItem)]

    @property
    def rejections(self) -> list[Rejection]:
        return [i for i in self.items if isinstance(i, Rejection)]

    @property
    def refused(self) -> Rejection | None:
        """The rejection of the file as a whole (not decodable, no header, columns missing), if it was."""
        return self.items[0] if self.rows == 0 and self.items and isinstance(self.items[0], Rejection) else None


class ExportRefused(Exception):
    """An export that cannot be read as the export at all (not decodable, empty, columns missing):
    a usage error, not a rejected ticket. Its message is one line: path:line: why."""

    def __init__(self, path: str, refused: Rejection) -> None:
        super().__init__(Message("{path}:{line}: {reasons}", path=path, line=refused.line, reasons=listing([r.message for r in refused.reasons],
                                                                                                           "; ")))


# ---- loading a profile ---------------------------------------------------------------------------

PROFILES = files(__package__).joinpath("profiles")  # the shipped import profiles' folder


def shipped() -> dict[str, str]:
    """The shipped profiles by name (file stem)."""
    return {Path(p.name).stem: p.name for p in PROFILES.iterdir() if p.name.endswith(".yaml")}


@dataclass(frozen=True)
class Shipped:
    """A shipped profile as a user copies it: its name, what it reads (rows, the export it is for) and its text."""

    name: str
    rows: str
    description: str
    text: str


def shipped_profile(name: str, *, or_file: bool = False) -> Shipped:
    """The shipped profile of that name; InputError (SLA911) with a did-you-mean otherwise, ProfileError (file:line:column)
    where its file is no profile (an installation edited by hand)."""
    names = shipped()
    if name not in names:
        raise InputError(Diagnostic.of(name, 0, 0, "SLA911",
                                       f"no shipped import profile{' and no file' if or_file else ''} of that name"
                                       f"{_nearest_profile(name, sorted(names))}; "
                                       f"shipped profiles: {', '.join(sorted(names))}"
                                       + (" (or give the path of your own profile file)" if or_file else "")))
    path = PROFILES.joinpath(names[name])
    text = path.read_text(encoding="utf-8")
    doc, problems = load_text(text, str(path))
    problems = problems or schema_problems(doc, "profile")
    if problems:
        raise ProfileError(problems)
    return Shipped(name, doc.data["rows"], one_line(doc.data.get("description", "")), text)


def _nearest_profile(name: str, names: list[str]) -> str:
    """A did-you-mean for a profile name: one it begins, one close to it, or the first of the helpdesk
    whose name is close to its first word (zamad: zammad-ticket-report)."""
    starts = [n for n in names if name and n.startswith(name.lower())]
    if starts:
        return f"; did you mean '{starts[0]}'?"
    families = {n.split("-")[0]: n for n in reversed(names)}
    family = difflib.get_close_matches(name.split("-")[0].lower(), list(families), n=1)
    return did_you_mean(name, names) or (f"; did you mean '{families[family[0]]}'?" if family else "")


def shipped_profiles() -> list[Shipped]:
    """Every shipped profile, by name."""
    return [shipped_profile(name) for name in sorted(shipped())]


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name, or a profile file; InputError with every problem found."""
    if name_or_path not in shipped() and Path(name_or_path).is_file():
        doc, problems = load_file(name_or_path)
    else:
        doc, problems = load_text(shipped_profile(name_or_path, or_file=True).text, f"{name_or_path} (shipped profile)")
    problems = problems or schema_problems(doc, "profile")
    if not problems:
        profile, problems = _model(doc)
        if not problems:
            return profile
    raise ProfileError(problems)


class ProfileError(InputError):
    """A profile with problems: all of them, in file order (the first is the InputError's)."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        self.problems = sorted(problems)
        super().__init__(self.problems[0])


_SAMPLE = dt.datetime(2025, 3, 7, 17, 50, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _model(doc: Document) -> tuple[Profile, list[Diagnostic]]:
    """The profile from schema-valid data, and what does not fit together (SLA912, SLA913, SLA914, SLA403)."""
    data = doc.data
    problems: list[Diagnostic] = []
    rows = data["rows"]
    webhook = rows == "webhook"
    source, misnamed = ("path", "column") if webhook else ("column", "path")
    spellings: dict[str, tuple[str, ...]] = {}  # an export's column, by its first spelling -> every spelling

    def read(raw: Any, at: JsonPath) -> tuple[str | None, tuple[Segments, ...]]:
        """What a value or an event reads: its column (and, rows: ticket, the path of the same field in the
        product's JSON export), or its JSON paths as written and as read."""
        if isinstance(raw, dict) and misnamed in raw and (rows != "ticket" or source not in raw):  # a path beside a column
            problems.append(doc.diagnostic((*at, misnamed), "SLA913", _misnamed(misnamed, rows), key=True))
            return None, ()
        origin = at
        written, at = (raw.get(source), (*at, source)) if isinstance(raw, dict) else (raw, at)
        if written is None:
            return None, ()
        texts = written if isinstance(written, list) else [written]
        if not webhook:  # several spellings of one header: the column is known by its first
            known = spellings.setdefault(texts[0], ())
            spellings[texts[0]] = known + tuple(t for t in texts if t not in known)
            json = raw.get("path") if isinstance(raw, dict) else None
            if isinstance(json, list):
                problems.append(doc.diagnostic((*origin, "path"), "SLA913", "a ticket export's field has one JSON path"))
                json = None
            return texts[0], (path((*origin, "path"), json),) if json else ()
        if isinstance(written, list) and (at[0] == "id" or at[:2] == ("event", "at")):
            problems.append(doc.diagnostic(at, "SLA913", "a webhook payload's id and event time are each one JSON path"))
            return None, ()
        return ", ".join(texts), tuple(path(at if len(texts) == 1 else (*at, i), t) for i, t in enumerate(texts))

    def path(at: JsonPath, text: str) -> Segments:
        try:
            return parse_path(text)
        except ValueError as exc:
            problems.append(doc.diagnostic(at, "SLA914", f"'{shorten(text, 60)}' {exc}"))
            return ()

    def value(raw: Any, at: JsonPath) -> Value:
        column, paths = read(raw, at)
        where = ".".join(map(str, at))
        if not isinstance(raw, dict):
            return Value(where, column, paths=paths)
        if (source in raw or misnamed in raw) == ("value" in raw):
            example = "{path: ticket.priority.name}" if webhook else "{column: Priority}"
            problems.append(doc.diagnostic(at, "SLA913", f"give either `{source}:` (read from the "
                                                         f"{'payload' if webhook else 'export'}) or `value:` (the same for "
                                                         f"every ticket), e.g. {example}"))
        return Value(where, column, raw.get("value"), raw.get("map"), raw.get("default", UNSET), frozenset(raw.get("skip", ())),
                     paths, bool(raw.get("required", False)), raw.get("unmapped", "reject"))

    problems += _layout_problems(doc, rows)
    events: list[Timed] = []
    for i, e in enumerate(data.get("events", []) if rows != "event" else []):
        after = e.get("minutes_after")
        if after is not None and webhook:
            problems.append(doc.diagnostic(("events", i, "minutes_after"), "SLA913", "minutes_after reads an export's column "
                                                                                      "of minutes; a webhook payload gives times"))
        elif after is not None and after not in {t.type for t in events}:
            problems.append(doc.diagnostic(("events", i, "minutes_after"), "SLA913",
                                           f"minutes_after '{after}' names no event listed before this one; "
                                           "list that event first, e.g. {type: created, column: Created}"))
        column, paths = read(e, ("events", i))
        if column is None:
            if misnamed not in e:
                problems.append(doc.diagnostic(("events", i), "SLA913", f"give the event's `{source}:`, e.g. "
                                                                        f"{{type: {e['type']}, {source}: ...}}"))
            continue
        events.append(Timed(e["type"], column, after, paths[0] if paths else ()))
    if rows == "ticket" and events and not any(t.type == "created" and t.minutes_after is None for t in events):
        problems.append(doc.diagnostic(("events",), "SLA913", "no column gives the `created` event; every ticket starts with it, "
                                                              "e.g. - {type: created, column: Created}"))
    reported = data.get("event", {}) if rows != "ticket" else {}
    event = tuple((k, value(v, ("event", k))) for k, v in sorted(reported.items(), key=lambda kv: kv[0] != "at"))
    formats = tuple(data.get("timestamps", ()))
    for i, fmt in enumerate(formats):
        reason = _format_problem(fmt) if fmt not in EPOCHS else None if webhook else \
            f"'{fmt}' reads the numbers of a webhook payload; an export's cells are text: write a strptime format"
        if reason:
            problems.append(doc.diagnostic(("timestamps", i), "SLA912", reason))
    if "encoding" in data and not _text_encoding(data["encoding"]):
        problems.append(doc.diagnostic(("encoding",), "SLA104", f"'{shorten(data['encoding'], 40)}' is not a known text "
                                                                "encoding; write utf-8, gb18030, gbk, big5, latin-1, …"))
    tz = None
    if "timezone" in data:
        try:
            tz = zone(data["timezone"])
        except InstantError as exc:
            problems.append(doc.diagnostic(("timezone",), "SLA403", str(exc)))
    id_column, id_paths = read(data["id"], ("id",))
    profile = Profile(
        name=data["profile"], rows=rows, id=id_column or "",
        attributes=tuple((k, value(v, ("attributes", k))) for k, v in data.get("attributes", {}).items()),
        kind=value(data["kind"], ("kind",)) if "kind" in data else None,
        events=tuple(events), event=event, formats=formats, timezone=tz, repeated_hour=data.get("repeated_hour", "reject"),
        delimiter=data.get("delimiter"), encoding=data.get("encoding"), id_path=id_paths[0] if id_paths else (),
        totals=frozenset(data.get("totals", ())), spellings={k: v for k, v in spellings.items() if len(v) > 1},
        header_row=data.get("header_row", 1), footer=tuple(data.get("footer", ())),
        timezone_footer=tuple(data.get("timezone_footer", ())),
    )
    return profile, problems


def _layout_problems(doc: Document, rows: str) -> list[Diagnostic]:
    """Whether the profile says where the events are, as its kind of rows needs."""
    data = doc.data
    if rows == "webhook":
        return [] if "events" in data or "event" in data else [doc.diagnostic(
            ("rows",), "SLA913", "rows: webhook needs `events:` (timestamp paths), `event:` (the event each payload reports) "
                                 "or both, e.g. events: [{type: created, path: ticket.created_at}]")]
    problems = []
    wrong, needed = ("event", "events") if rows == "ticket" else ("events", "event")
    if wrong in data:
        problems.append(doc.diagnostic((wrong,), "SLA913", f"`{wrong}:` belongs to rows: {'ticket' if wrong == 'events' else 'event'}; "
                                                           f"with rows: {rows} write `{needed}:`", key=True))
    if needed not in data:
        example = "events: [{type: created, column: Created}]" if rows == "ticket" else "event: {at: Time, type: Action}"
        problems.append(doc.diagnostic(("rows",), "SLA913", f"rows: {rows} needs `{needed}:`, e.g. {example}"))
    return problems


def _misnamed(key: str, rows: str) -> str:
    if key == "column":
        return "a webhook profile reads JSON paths: write `path:` (ticket.priority.name), not `column:`"
    if rows == "ticket":
        return "an export (rows: ticket) is read by column: write `column:`, and `path:` beside it for its JSON export"
    return f"an export (rows: {rows}) is read by column: write `column:`, not `path:`"


MAX_MINUTES = 10 * 366 * 24 * 60  # a column (path) of minutes: more than ten years is not a reply time but a broken cell
EPOCHS = ("epoch", "epoch_ms")  # `timestamps:` words for a webhook payload's numbers: seconds or milliseconds since 1970


def parse_path(text: str) -> Segments:
    """A JSON path as profiles write it: keys joined by dots, list indexes and keys with dots or spaces
    in brackets (`ticket.article_ids[0]`, `fields["Date of First Response"]`); ValueError says what is wrong."""
    segments: list[str | int] = []
    at = 0
    while at < len(text):
        if text[at] == "[":
            close = text.find("]", at)
            inner = text[at + 1:close] if close > at else ""
            if inner.isdigit() and len(inner) <= 6:
                segments.append(int(inner))
            elif len(inner) > 2 and inner[0] == inner[-1] == '"' and '"' not in inner[1:-1]:
                segments.append(inner[1:-1])
            else:
                break
            at = close + 1
        else:
            end = min((i for i in (text.find(".", at), text.find("[", at)) if i >= 0), default=len(text))
            name = text[at:end]
            if not name or name != name.strip() or '"' in name or "]" in name:
                break
            segments.append(name)
            at = end
        if at < len(text) and text[at] == ".":
            at += 1
            if at == len(text) or text[at] in ".[":
                break
        elif at < len(text) and text[at] != "[":
            break
    else:
        if segments:
            return tuple(segments)
    raise ValueError(f"is not a JSON path (at character {at + 1}); write keys joined by dots, list indexes in brackets "
                     'and a key with a dot in it quoted in brackets, e.g. ticket.priority.name, article_ids[0], fields["v1.2"]')


def _text_encoding(name: str) -> bool:
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))
    except LookupError:
        return False


def _format_problem(fmt: str) -> str | None:
    """Why a strptime format cannot read a date-time it writes itself, or None."""
    if "%" not in fmt:
        return f"'{fmt}' has no % fields; write a strptime format such as '%d/%m/%Y %H:%M' (day/month/year hour:minute)"
    try:
        dt.datetime.strptime(_SAMPLE.strftime(fmt), fmt)
    except ValueError as exc:
        return f"'{fmt}' cannot be read back ({exc}); use %Y %m %d %H %M %S (or %b, %y, %I with %p)"
    if "%d" not in fmt and "%j" not in fmt:
        return f"'{fmt}' has no day (%d); a timestamp needs the date and the time, e.g. '%Y-%m-%d %H:%M'"
    return None


def mapped(spec: Value, keys: tuple[str, ...], place: str, reasons: list[Reason]) -> Any:
    """What a value's map gives for the first of `keys` (the most specific first) it names: None for a value
    the profile skips; else its default, UNSET for a value the profile leaves out (`unmapped: omit`), or
    UNSET with the reason (uncovered_value) naming `place`."""
    for key in keys:
        if key in spec.skip:
            return None
        if spec.map is not None and key in spec.map:
            return spec.map[key]
    if spec.default is not UNSET:
        return spec.default
    if spec.unmapped == "omit":  # left out: the policy does without it (unknown: ignore); the reader counts it
        return UNSET
    text = keys[0]
    known = ", ".join(shorten(k, 48) for k in list(spec.map or ())[:10]) + (" …" if len(spec.map or ()) > 10 else "")
    reasons.append(Reason("uncovered_value", Message(
        N_("{place}: {value} is not in the profile's map for {field} ({known}){near}; add it under {field}.map{skip} or give a "
           "default{hint}"), place=place, value=shown(text), field=spec.where, known=known, near=did_you_mean(text, list(spec.map or ())),
        skip=Message(N_(" or skip")) if spec.where == "event.type" else "", hint=open_quote(text))))
    return UNSET


def shown(text: str) -> str:
    """A cell quoted in a message: cut, control characters escaped."""
    return f"'{one_line(shorten(text, 40))}'"


def open_quote(text: str) -> str:
    """A hint when a cell runs over lines: a quote opened and never closed swallows the rows after it."""
    return Message(N_("; the cell runs over several lines: is a quote (\") left open in this row?")) if "\n" in text else ""


def rejection(tid: str | None, line: int, reasons: list[Reason]) -> Rejection:
    """One rejection with every reason of the row (or of the ticket's rows): all its errors at once."""
    return Rejection(tid or None, line, tuple(reasons))


def elapsed(base: dt.datetime, minutes: float) -> dt.datetime:
    """`minutes` of real time after `base`, shown in base's zone. Counted in UTC: adding to a zoned
    time directly is wall-clock arithmetic, an hour off across a daylight-saving change. A time
    without a zone (read later in the policy's) can only be counted on the wall clock."""
    if base.tzinfo is None:
        return base + dt.timedelta(minutes=minutes)
    return (base.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(base.tzinfo)


def check_tickets(result: Imported, tz: dt.tzinfo) -> None:
    """Each imported ticket through the checks every input passes (a created event first, an id used
    once, …), so `slapolicy import` rejects what a replay would. Offset-less times are read in `tz`."""
    first: dict[str, int] = {}
    for position, item in enumerate(result.items):
        if isinstance(item, RawItem):
            tid = item.data["id"]
            try:
                if tid in first:
                    raise TicketError("duplicate_id", Message(N_("row {line}: ticket id '{id}' was already used at row {first}"),
                                                              line=item.line, id=tid, first=first[tid]))
                first[tid] = item.line
                ticket_from_data(item.data, item.line, tz)
            except TicketError as exc:
                result.items[position] = Rejection(tid, item.line, (Reason(exc.code, exc.message),))


__all__ = ["EPOCHS", "MAX_MINUTES", "UNSET", "ExportRefused", "Imported", "Profile", "ProfileError", "Segments", "Timed", "Value",
           "check_tickets", "elapsed", "load_profile", "mapped", "parse_path", "rejection", "shipped", "shown", "open_quote"]

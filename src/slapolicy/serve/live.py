"""The policy replayed live: an event in, stored with its subject, the subject replayed by the
simulator as of now, the steps that fell due recorded once each (with a delivery per recipient),
and the instant its outcome next changes kept in the subjects' index (`wake`), which the scheduler
polls (`tick`). The service and `simulate` agree by construction: both are the same replay of the
same events.

What an event is: `{"event_id", "ticket_id", "kind"?, "at", "type", "status"?, "attributes"?,
"actor"?, "role"?, "assignee"?, "group"?}` — one event of slapolicy's ticket shape with the id of
its subject and its own id. A subject's events are kept as posted, in order of arrival (events at
the same instant keep it, as a history's do); the first must be its `created` event. An event the
subject could not be replayed with is refused with simulate's reasons, and nothing of it is kept.

Correlations (rules over many subjects): each subject keeps its part (`records`) and the groups it
is in (same key; the subject a link names); when its part changes, the matches of every subject in
those groups are found again by the simulator's `Correlator`, and a subject whose matches changed
is replayed. A step fires only once every other subject's stored part holds its events at or before
the step's instant (`_fire`): an event posted ahead whose instant passed is in a part only once its
subject was replayed, here or on another instance.

Every method takes the transaction it works in: the caller (`runtime`) commits before it answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from ..rules.compiler import compile_policy
from ..rules.engine import get_backend
from ..sim.correlate import Correlator, Record, records
from ..sim.matches import NOTHING_CORRELATED, Correlated, Match
from ..sim.outcome import Outcome, Rejection, SubjectOutcome
from ..sim.simulator import Replayer
from ..sim.tickets import WHO, RawItem, Ticket, TicketError, ticket_from_data, ticket_key
from ..validate.repository import PolicySet
from .config import Deployment
from .documents import Documents, dedupe_key, timing
from .tx import DeliveryRow, SubjectRow, Tx

log = logging.getLogger("slapolicy.serve")

FIELDS = ("event_id", "ticket_id", "kind", "at", "type", "status", "attributes", *WHO)
MAX_ID = 200  # characters of an event id or a subject id


@dataclass(frozen=True)
class Answer:
    """The answer to one event: an HTTP status (202 accepted, 200 a repeat, 409 an id reused for another
    event, 422 refused) and its document."""

    status: int
    body: Mapping[str, Any]


@dataclass
class Fired:
    """A firing recorded now: what the metrics count."""

    key: str
    lag: float
    late: bool
    source: str  # event | scheduler


class EventFailed(Exception):
    """The replay failed on the event at `index` of a batch (a fault of slapolicy's): its answer."""

    def __init__(self, index: int, answer: Answer) -> None:
        super().__init__(index)
        self.index = index
        self.answer = answer


def refused(event_id: Any, ticket_id: Any, reasons: Iterable[tuple[str, str]], status: int = 422) -> Answer:
    return Answer(status, {"event_id": event_id, "ticket_id": ticket_id, "status": "refused",
                           "errors": [{"code": c, "message": m} for c, m in reasons]})


class Live:
    """One policy set replayed live."""

    def __init__(self, policies: PolicySet, engine: str | None, deployment: Deployment, now: float) -> None:
        self.deployment = deployment
        self.backend = get_backend(engine)
        self.documents = Documents()
        self.fired: list[Fired] = []  # since the caller last took them (`take_fired`)
        self.use(policies, now)

    def use(self, policies: PolicySet, now: float) -> None:
        """Replay with these policies from now on (compiled here: a reload compiles before it replaces)."""
        rulesets = [compile_policy(p) for p in policies.versions]
        self.policies = policies
        self.replayer = Replayer(policies, self.backend, now, rulesets, upcoming=True)
        self.correlates = any(p.correlations for p in policies.versions)

    def take_fired(self) -> list[Fired]:
        fired, self.fired = self.fired, []
        return fired

    # ---- events in ---------------------------------------------------------------------------
    def ingest(self, tx: Tx, events: list[Any], now: float, failed: Mapping[int, Answer] | None = None) -> list[Answer]:
        """Each event applied in turn, but those `failed` names (answered so). An event the replay fails
        on raises EventFailed: the caller rolls the transaction back and runs the batch again without it,
        so it leaves nothing behind (a savepoint an event would cost two statements each time)."""
        self._retime(now)
        failed = failed or {}
        tx.hold((str(e["event_id"]) for e in events if isinstance(e, dict) and isinstance(e.get("event_id"), str)),
                (key for e in events if isinstance(e, dict) and (key := ticket_key(e.get("ticket_id")))))
        answers = []
        for index, data in enumerate(events):
            if index in failed:
                answers.append(failed[index])
                continue
            try:
                answers.append(self._event(tx, data, now))
            except (TicketError, ValueError, KeyError, TypeError, AttributeError) as exc:
                log.exception("event failed")
                said = data if isinstance(data, dict) else {}
                raise EventFailed(index, refused(said.get("event_id"), said.get("ticket_id"),
                                                 [("internal", f"the event could not be applied: {exc}")], 500)) from exc
        return answers

    def _event(self, tx: Tx, data: Any, now: float) -> Answer:
        problem = _shape(data)
        if problem is not None:
            return problem
        event_id, subject_id = str(data["event_id"]), str(ticket_key(data["ticket_id"]))
        digest = hashlib.sha256(_canonical(data)).hexdigest()
        prior = tx.event(event_id)
        if prior is not None:
            if prior[0] != digest:
                return refused(event_id, subject_id, [("event_id_conflict", f"event id '{event_id}' was accepted "
                                                       "before for another event; give each event its own id")], 409)
            return Answer(200, {**msgspec.json.decode(prior[1]), "repeat": True})
        row = tx.subject(subject_id)
        kind = data.get("kind") or "ticket"
        if row is not None and row.kind != kind:
            return refused(event_id, subject_id, [("bad_shape", f"'{subject_id}' is a {row.kind}; this event says {kind}")])
        body: dict[str, Any] = msgspec.json.decode(row.body) if row is not None else {"id": subject_id, "attributes": {}, "events": []}
        if kind != "ticket":
            body["kind"] = kind
        body["events"].append({k: v for k, v in data.items() if k not in ("ticket_id", "kind")})
        seq = row.seq if row is not None else tx.next_seq()
        outcome, ticket = self._replay(body, seq, row.matches if row is not None else "[]", row.records if row is not None else "[]")
        if isinstance(outcome, Rejection) and not outcome.not_yet_created:
            return refused(event_id, subject_id, [(r.code, r.message) for r in outcome.reasons])
        self._settle(tx, row, row or SubjectRow(subject_id, seq, kind, "", None, None, False, "[]", "[]", None),
                     body, outcome, ticket, now, "event")
        answer = {"event_id": event_id, "ticket_id": subject_id, "status": "accepted"}
        tx.add_event(event_id, subject_id, digest, msgspec.json.encode(answer).decode(), now)
        return Answer(202, answer)

    # ---- the scheduler -----------------------------------------------------------------------
    def tick(self, tx: Tx, now: float, limit: int = 500) -> int:
        """Replay the subjects whose outcome changed since their last replay (their wake is before now),
        soonest first, at most `limit`: the steps that fell due fire. Returns how many were replayed."""
        self._retime(now)
        due = tx.due_subjects(now, limit)
        for subject_id in due:
            row = tx.subject(subject_id, lock=False)  # claimed and held by due_subjects
            if row is not None:
                self.refresh(tx, row, now)
        return len(due)

    def refresh(self, tx: Tx, row: SubjectRow, now: float, source: str = "scheduler") -> None:
        """Replay a stored subject as of now and record what it fired."""
        self._retime(now)
        body = msgspec.json.decode(row.body)
        outcome, ticket = self._replay(body, row.seq, row.matches, row.records)
        self._settle(tx, row, row, body, outcome, ticket, now, source)

    # ---- reading -----------------------------------------------------------------------------
    def state(self, tx: Tx, subject_id: str, now: float) -> Outcome | None:
        """The subject as of now (None: no such subject)."""
        row = tx.subject(subject_id, lock=False)
        return None if row is None else self.outcome_of(row, now)

    def outcome_of(self, row: SubjectRow, now: float) -> Outcome:
        self._retime(now)
        return self._replay(msgspec.json.decode(row.body), row.seq, row.matches, row.records)[0]

    # ---- inside ------------------------------------------------------------------------------
    def _retime(self, now: float) -> None:
        if now != self.replayer.as_of:
            self.replayer.retime(now)

    def _replay(self, body: dict[str, Any], seq: int, matches: str, recorded: str) -> tuple[Outcome, Ticket | None]:
        """The subject's outcome as of the replayer's now, with the correlations it completes."""
        tz = self.policies.tz
        try:
            ticket = ticket_from_data(body, seq, tz)
        except TicketError:
            return self.replayer.item(RawItem(body, seq)), None
        if self.correlates:
            undecided = tuple((r[1], tuple(r[2])) for r in _records(recorded) if r[0] == "undecided")
            self.replayer.correlated = Correlated({seq: _matches(matches)}, {seq: undecided})
        outcome = self.replayer.outcome(ticket)
        self.replayer.correlated = NOTHING_CORRELATED
        return outcome, ticket

    def _settle(self, tx: Tx, before: SubjectRow | None, row: SubjectRow, body: dict[str, Any], outcome: Outcome,
                ticket: Ticket | None, now: float, source: str) -> None:
        """Store the subject after a replay: its part in correlations (replaying it and the subjects
        whose matches change), the steps that fell due, and when it next changes."""
        text = msgspec.json.encode(body).decode()
        if self.correlates and ticket is not None:
            recs = records(self.replayer, ticket)
            recorded = _encode(recs)
            if recorded != row.records:
                changed = self._correlate(tx, row, recs, now)
                row = replace(row, body=text, records=recorded, matches=changed.pop(row.id, row.matches))
                others = self._rows(tx, changed)
                if others:  # stored first (its earliest event not applied as it was): a peer whose own part
                    tx.put_subject(row, now)  # changes too finds the matches again with this one's
                    for other in others:
                        self.refresh(tx, other, now, source)
                    stored = tx.subject(row.id, lock=False)  # and may have changed this one's matches again
                    row = row if stored is None else replace(row, matches=stored.matches)
                outcome, ticket = self._replay(body, row.seq, row.matches, recorded)
        times = [e.at for e in ticket.events] if ticket is not None else []
        wake, next_due, is_open = timing(outcome, times, now)
        if isinstance(outcome, SubjectOutcome) and outcome.escalations:
            waiting = self._fire(tx, outcome, now, source, tx.fired_keys(row.id) if before is not None else set())
            wake = min((t for t in (wake, waiting) if t is not None), default=None)
        later = [t for t in times if t > now]
        tx.put_subject(replace(row, body=text, wake=wake, next_due=next_due, is_open=is_open,
                               pending=min(later) if later else None), now)

    def _rows(self, tx: Tx, changed: dict[str, str]) -> list[SubjectRow]:
        """The other subjects whose matches changed, with them stored (their rows are locked by `members`)."""
        out = []
        for subject_id, matches in sorted(changed.items()):
            other = tx.subject(subject_id, lock=False)
            if other is not None:
                out.append(replace(other, matches=matches))
        return out

    def _fire(self, tx: Tx, outcome: SubjectOutcome, now: float, source: str, known: set[str]) -> float | None:
        """Record each firing not recorded before (here or on another instance), with its deliveries.
        With correlations, a step fires only before the earliest event another subject's stored part
        lacks (`Tx.watermark`): its replay then saw every peer event at or before its instant. The
        others wait for the next poll (returned: the subject wakes then), when that subject has been
        replayed here or by the instance that holds it; waking at once would claim the subject again
        and again while that instance waits for its row."""
        waiting: float | None = None
        mark: float | None = math.inf  # not read yet (read once, for the first step not fired before)
        for e in outcome.escalations:
            key = dedupe_key(outcome.id, e)
            if key in known:
                continue
            if self.correlates and mark == math.inf:
                mark = tx.watermark(outcome.id)
            if mark is not None and mark <= e.at:
                waiting = now + self.deployment.poll
                continue
            late = now - e.at > self.deployment.late_after
            payload = self.documents.firing(outcome, e, key, now, late)
            if not tx.add_firing(key, outcome.id, e.at, now, late, msgspec.json.encode(payload).decode()):
                continue
            self.fired.append(Fired(key, now - e.at, late, source))
            for role in e.step.notify:
                recipients = self.deployment.recipients.get(role, ())
                if not recipients:  # never dropped: listed as unrouted, for an admin to see
                    tx.add_delivery(DeliveryRow(f"{key}>{role}", key, role, "none", "", "unrouted", 0, None,
                                                f"no recipient for the role '{role}' in the deployment file", None))
                for r in recipients:
                    tx.add_delivery(DeliveryRow(f"{key}>{role}>{r.channel}:{r.address}", key, role, r.channel, r.address,
                                                "pending", 0, now, None, None))
        return waiting

    def _correlate(self, tx: Tx, row: SubjectRow, recs: list[Record], now: float) -> dict[str, str]:
        """The subject's new part in the correlations stored, and the matches found again in every group
        it leaves or joins: {subject: its matches, encoded} for each subject whose matches changed."""
        affected = _groups(_records(row.records)) | _groups(recs)
        others = [m for m in tx.regroup(row.id, affected, _groups(recs)) if m.id != row.id]  # itself may not be stored yet
        correlator = Correlator(self.replayer)
        seqs = {row.seq: row.id, **{m.seq: m.id for m in others}}
        for record in [*recs, *(r for m in others for r in _records(m.records))]:
            if record[0] != "undecided" and _groups([record]) & affected:
                correlator.add(record)
        found = correlator.result(lambda lines: {n: seqs[n] for n in lines if n in seqs})
        redone = {_identity(g) for g in affected}
        changed = {}
        for subject_id, seq, stored in [(row.id, row.seq, row.matches), *((m.id, m.seq, m.matches) for m in others)]:
            old = _matches(stored)
            new = tuple(sorted([*(m for m in old if (m.correlation, m.key) not in redone), *found.matches.get(seq, ())],
                               key=lambda m: m.correlation))
            if new != old:
                changed[subject_id] = _encode([[m.correlation, m.at, list(m.members), list(m.key)] for m in new])
        return changed


def _shape(data: Any) -> Answer | None:
    """What makes an event unreadable before any replay (the rest is the simulator's to say)."""
    if not isinstance(data, dict):
        return refused(None, None, [("bad_shape", "an event is a JSON object {\"event_id\", \"ticket_id\", \"at\", \"type\", …}")])
    event_id, subject = data.get("event_id"), data.get("ticket_id")
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        return refused(event_id, subject, [("bad_shape", f"unknown field '{unknown[0]}'; an event has {', '.join(FIELDS)}")])
    if not isinstance(event_id, str) or not event_id or len(event_id) > MAX_ID:
        return refused(event_id, subject, [("bad_shape", f"the event needs an `event_id`: text of 1 to {MAX_ID} characters, "
                                                         "unique per event (a repeat of it is answered, not applied again)")])
    key = ticket_key(subject)
    if key is None or len(key) > MAX_ID:
        return refused(event_id, subject, [("bad_shape", f"the event needs a `ticket_id`: the id of its subject (text of 1 to {MAX_ID} characters)")])
    kind = data.get("kind")
    if kind is not None and (not isinstance(kind, str) or not kind):
        return refused(event_id, subject, [("bad_shape", "`kind` must be the name of a kind of subject (ticket, contract, call …)")])
    return None


def _canonical(data: dict[str, Any]) -> bytes:
    """The event's bytes with its keys sorted, at every depth: the same event posted again has the same
    digest whatever order its keys came in (msgspec 0.18.0, the lowest allowed, cannot sort keys)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _encode(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _records(text: str) -> list[Record]:
    """Correlation records as `records` makes them, from their JSON (tuples again; a missing resolution NaN)."""
    out: list[Record] = []
    for r in msgspec.json.decode(text):
        if r[0] == "key":
            out.append(("key", tuple(r[1]), tuple(r[2]), r[3], r[4], math.nan if r[5] is None else r[5]))
        elif r[0] == "link":
            out.append(("link", tuple(r[1]), r[2], r[3], r[4], r[5]))
        else:
            out.append(("undecided", r[1], tuple(r[2]), r[3]))
    return out


def _groups(recs: Iterable[Record]) -> set[str]:
    """The correlation groups records belong to: a key of a correlation; an id a link names or is named by."""
    out = set()
    for r in recs:
        if r[0] == "key":
            out.add(_encode(["key", r[1][1], list(r[2])]))
        elif r[0] == "link":
            out.add(_encode(["link", r[1][1], [r[2]]]))
            if r[3] is not None:
                out.add(_encode(["link", r[1][1], [r[3]]]))
    return out


def _identity(group: str) -> tuple[str, tuple[Any, ...]]:
    """The (correlation, key) a group's matches carry."""
    _, correlation, key = msgspec.json.decode(group)
    return correlation, tuple(key)


def _matches(text: str) -> tuple[Match, ...]:
    return tuple(Match(c, at, tuple(members), tuple(key)) for c, at, members, key in msgspec.json.decode(text))

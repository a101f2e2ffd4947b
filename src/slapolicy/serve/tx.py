"""The queries of one transaction (`Tx`) and the rows they read: the same SQL on SQLite and
PostgreSQL (`?` placeholders), PostgreSQL's row and advisory locks where it has them. `store` opens
the databases and runs each transaction."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class SubjectRow:
    id: str
    seq: int
    kind: str
    body: str
    wake: float | None
    next_due: float | None
    is_open: bool
    records: str
    matches: str
    pending: float | None  # its earliest event after its last replay's now (not applied yet)


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    dedupe_key: str
    role: str
    channel: str
    address: str
    state: str
    attempts: int
    due: float | None
    error: str | None
    delivered: float | None


_SUBJECT = "id, seq, kind, body, wake, next_due, is_open, records, matches, pending"
_DELIVERY = "id, dedupe_key, role, channel, address, state, attempts, due, error, delivered"


def _subject(row: Sequence[Any]) -> SubjectRow:
    return SubjectRow(row[0], int(row[1]), row[2], row[3], row[4], row[5], bool(row[6]), row[7], row[8], row[9])


def _delivery(row: Sequence[Any]) -> DeliveryRow:
    return DeliveryRow(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]), row[7], row[8], row[9])


_PUT_SUBJECT = (f"INSERT INTO subjects ({_SUBJECT}, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET body = excluded.body, wake = excluded.wake, next_due = excluded.next_due, "
                "is_open = excluded.is_open, records = excluded.records, matches = excluded.matches, "
                "pending = excluded.pending, updated = excluded.updated")
_ADD_EVENT = "INSERT INTO events (id, subject, digest, answer, received) VALUES (?, ?, ?, ?, ?)"


class Tx:
    """The queries of one transaction, the same on both databases (`?` placeholders; PostgreSQL's
    row locks where it has them).

    A batch of events costs a few statements, not a few per event (on PostgreSQL each is a round trip
    that the single writer waits for): `hold` reads the batch's events and subjects at once,
    and the subjects and events it writes are held back and written together (`flush`, executemany)
    before any other statement and before the commit, so every query still sees them. A subject row
    is kept only while this transaction holds it: on PostgreSQL one it locked, wrote, or found missing
    under the subject's advisory lock (`hold`: no other instance creates it meanwhile)."""

    def __init__(self, cursor: Any, postgres: bool) -> None:
        self._cursor = cursor
        self._pg = postgres
        self._lock = " FOR UPDATE" if postgres else ""
        self._skip = " FOR UPDATE SKIP LOCKED" if postgres else ""
        self._held: dict[str, SubjectRow | None] = {}
        self._events: dict[str, tuple[str, str] | None] = {}
        self._unwritten_subjects: dict[str, tuple[Any, ...]] = {}
        self._unwritten_events: list[tuple[Any, ...]] = []
        self._seqs: deque[int] = deque()  # subject numbers reserved by `hold`
        self.earliest_wake: float | None = None  # of the subjects this transaction wrote

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._pg else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.flush()
        return self._cursor.execute(self._sql(sql), params)

    def flush(self) -> None:
        """Write the subjects and events held back (in id order: two instances lock rows in one order)."""
        if self._unwritten_subjects:
            rows = [self._unwritten_subjects[k] for k in sorted(self._unwritten_subjects)]
            self._unwritten_subjects = {}
            self._cursor.executemany(self._sql(_PUT_SUBJECT), rows)
        if self._unwritten_events:
            rows, self._unwritten_events = self._unwritten_events, []
            self._cursor.executemany(self._sql(_ADD_EVENT), rows)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(sql, params).fetchall())

    def first(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.execute(sql, params).fetchone()

    # ---- events --------------------------------------------------------------------------------
    def event(self, event_id: str) -> tuple[str, str] | None:
        """(digest, answer) of an event accepted before (None: none)."""
        if event_id not in self._events:
            self.hold((event_id,), ())
        return self._events[event_id]

    def add_event(self, event_id: str, subject: str, digest: str, answer: str, now: float) -> None:
        self._events[event_id] = (digest, answer)
        self._unwritten_events.append((event_id, subject, digest, answer, now))

    def event_count(self) -> int:
        return int(self.first("SELECT count(*) FROM events")[0])

    # ---- subjects ------------------------------------------------------------------------------
    def subject(self, subject_id: str, lock: bool = True) -> SubjectRow | None:
        if subject_id in self._held:
            return self._held[subject_id]
        row = self.first(f"SELECT {_SUBJECT} FROM subjects WHERE id = ?{self._lock if lock else ''}", (subject_id,))
        found = None if row is None else _subject(row)
        if not self._pg or (lock and found is not None):
            self._held[subject_id] = found
        return found

    def hold(self, event_ids: Iterable[str], subject_ids: Iterable[str]) -> None:
        """Read these events' (digest, answer) and these subjects' rows at once, the subjects locked in
        one order on PostgreSQL (two batches cannot deadlock on them). A subject not stored yet has no
        row to lock: on PostgreSQL each subject's advisory lock is taken first, so two instances given
        events of one new subject at once apply them one after the other (each would otherwise create it
        from its own event alone, and the later write would drop the earlier instance's accepted event).
        On PostgreSQL the statements go in one round trip (pipeline mode)."""
        events = sorted(set(event_ids) - self._events.keys())
        subjects = sorted(set(subject_ids) - self._held.keys())
        event_chunks, subject_chunks = _chunks(events), _chunks(subjects)
        statements: list[tuple[str, Sequence[Any]]] = []
        if self._pg and subjects:
            statements.append(("SELECT pg_advisory_xact_lock(hashtextextended(s, 22)) FROM unnest(?::text[]) WITH ORDINALITY "
                               "AS u(s, n) ORDER BY n", [subjects]))
        statements += [(f"SELECT {_SUBJECT} FROM subjects WHERE id IN ({_marks(c)}) ORDER BY id{self._lock}", c) for c in subject_chunks]
        # the events after the locks: an event another instance stored while this one waited is seen (a
        # repeat posted to two instances at once is answered as one, not applied twice)
        statements += [(f"SELECT id, digest, answer FROM events WHERE id IN ({_marks(c)})", c) for c in event_chunks]
        results = self._together(statements)[len(statements) - len(subject_chunks) - len(event_chunks):]
        for chunk, rows in zip(subject_chunks, results):
            found = {r.id: r for r in map(_subject, rows)}
            self._held.update((i, found.get(i)) for i in chunk)
        for chunk, rows in zip(event_chunks, results[len(subject_chunks):]):
            self._events.update(dict.fromkeys(chunk))
            self._events.update((r[0], (r[1], r[2])) for r in rows)
        new = sum(1 for i in subjects if self._held[i] is None)
        if new:  # their numbers at once (a statement each, and on PostgreSQL a round trip each, otherwise)
            last = int(self.first("UPDATE counters SET value = value + ? WHERE name = 'subject' RETURNING value", (new,))[0])
            self._seqs.extend(range(last - new + 1, last + 1))

    def _together(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
        """Each statement's rows (none for one that returns none); on PostgreSQL sent at once, a cursor
        each, and read after one sync."""
        if not self._pg:  # one cursor: each statement's rows read before the next runs
            out = []
            for sql, params in statements:
                cursor = self.execute(sql, params)
                out.append(list(cursor.fetchall()) if cursor.description is not None else [])
            return out
        self.flush()
        connection = self._cursor.connection
        with connection.pipeline():
            cursors = [connection.cursor().execute(self._sql(sql), params) for sql, params in statements]
        return [list(c.fetchall()) if c.description is not None else [] for c in cursors]

    def subjects_by_seq(self, seqs: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(seqs))
        out: dict[int, str] = {}
        for chunk in _chunks(wanted):
            out.update((int(s), i) for s, i in self.rows(f"SELECT seq, id FROM subjects WHERE seq IN ({_marks(chunk)})", chunk))
        return out

    def next_seq(self) -> int:
        """A new subject's number, in order of arrival: one `hold` reserved, else the next. A number
        reserved for a subject whose events were refused is left unused (the numbers only order subjects)."""
        if self._seqs:
            return self._seqs.popleft()
        return int(self.first("UPDATE counters SET value = value + 1 WHERE name = 'subject' RETURNING value")[0])

    def put_subject(self, row: SubjectRow, now: float) -> None:
        self._held[row.id] = row
        if row.wake is not None and (self.earliest_wake is None or row.wake < self.earliest_wake):
            self.earliest_wake = row.wake
        self._unwritten_subjects[row.id] = (row.id, row.seq, row.kind, row.body, row.wake, row.next_due, int(row.is_open),
                                            row.records, row.matches, row.pending, now)

    def due_subjects(self, now: float, limit: int) -> list[str]:
        """Subjects whose outcome changed since their last replay (wake before now), soonest first; on
        PostgreSQL claimed: rows another instance holds are skipped. At the same wake, one with an event
        not yet applied comes first: the steps waiting for it (`watermark`) wake then too. Their rows are
        held (`subject` reads them without a statement each)."""
        rows = [_subject(r) for r in self.rows(f"SELECT {_SUBJECT} FROM subjects WHERE wake < ? ORDER BY wake, pending IS NULL, "
                                               f"pending LIMIT ?{self._skip}", (now, limit))]
        for row in rows:
            self._held.setdefault(row.id, row)
        return [row.id for row in rows]

    def watermark(self, subject: str) -> float | None:
        """The earliest event of another subject not yet applied to its stored part in the correlations
        (None: none): what is stored of them holds every event before it."""
        row = self.first("SELECT pending FROM subjects WHERE pending IS NOT NULL AND id <> ? ORDER BY pending LIMIT 1", (subject,))
        return None if row is None else float(row[0])

    def next_wake(self) -> float | None:
        row = self.first("SELECT min(wake) FROM subjects")
        return None if row is None or row[0] is None else float(row[0])

    def rewake_all(self, now: float) -> int:
        """Every subject that may still change is replayed again at `now` (after a policy reload)."""
        count = int(self.execute("UPDATE subjects SET wake = ? WHERE is_open = 1 OR wake IS NOT NULL", (now,)).rowcount)
        self._held.clear()  # their wake changed here
        return count

    def open_subjects(self, until: float | None, limit: int) -> list[SubjectRow]:
        """Open subjects by their soonest due time (those whose every clock is paused last); with
        `until`, only those due by then."""
        if until is None:
            sql = f"SELECT {_SUBJECT} FROM subjects WHERE is_open = 1 ORDER BY next_due IS NULL, next_due, id LIMIT ?"
            return [_subject(r) for r in self.rows(sql, (limit,))]
        sql = f"SELECT {_SUBJECT} FROM subjects WHERE next_due <= ? AND is_open = 1 ORDER BY next_due, id LIMIT ?"
        return [_subject(r) for r in self.rows(sql, (until, limit))]

    def closed_since(self, since: float, limit: int) -> list[SubjectRow]:
        """Subjects with no open clock replayed since `since` (their breaches and escalations of today
        are on the board), the latest first."""
        sql = f"SELECT {_SUBJECT} FROM subjects WHERE updated >= ? AND is_open = 0 ORDER BY updated DESC LIMIT ?"
        return [_subject(r) for r in self.rows(sql, (since, limit))]

    def counts(self) -> dict[str, int]:
        row = self.first("SELECT count(*), coalesce(sum(is_open), 0) FROM subjects")
        out = {"subjects": int(row[0]), "open": int(row[1])}
        for state, n in self.rows("SELECT state, count(*) FROM deliveries GROUP BY state"):
            out[f"deliveries_{state}"] = int(n)
        return out

    # ---- correlations --------------------------------------------------------------------------
    def regroup(self, subject: str, affected: Iterable[str], groups: Iterable[str]) -> list[SubjectRow]:
        """The subject's correlation groups set to `groups`, and the members of every `affected` group
        (the subject's old and new ones) read, their rows locked on PostgreSQL in id order. On
        PostgreSQL the affected groups are taken first (advisory locks until the transaction ends, in
        one order): two instances changing one group's members one after the other each read the
        other's member. The statements but the last go in one round trip (pipeline mode)."""
        wanted, joined = sorted(set(affected)), sorted(set(groups))
        statements: list[tuple[str, Sequence[Any]]] = []
        if self._pg and wanted:
            statements.append(("SELECT pg_advisory_xact_lock(hashtextextended(g, 21)) FROM unnest(?::text[]) WITH ORDINALITY "
                               "AS u(g, n) ORDER BY n", [wanted]))
        statements.append(("DELETE FROM members WHERE subject = ?", [subject]))
        statements += [("INSERT INTO members (grp, subject) VALUES (?, ?)", [group, subject]) for group in joined]
        if wanted:
            statements.append((f"SELECT subject FROM members WHERE grp IN ({_marks(wanted)})", wanted))
        results = self._together(statements)
        ids = sorted({r[0] for r in results[-1]}) if wanted else []
        if not ids:
            return []
        return [_subject(r) for r in self.rows(f"SELECT {_SUBJECT} FROM subjects WHERE id IN ({_marks(ids)}) ORDER BY id{self._lock}", ids)]

    # ---- firings and deliveries ----------------------------------------------------------------
    def add_firing(self, key: str, subject: str, at: float, fired: float, late: bool, body: str) -> bool:
        """Record a firing; False when its dedupe key fired before (here or on another instance)."""
        cursor = self.execute("INSERT INTO firings (dedupe_key, subject, at, fired, late, body) VALUES (?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (dedupe_key) DO NOTHING", (key, subject, at, fired, int(late), body))
        return bool(cursor.rowcount == 1)

    def fired_keys(self, subject: str) -> set[str]:
        return {r[0] for r in self.rows("SELECT dedupe_key FROM firings WHERE subject = ?", (subject,))}

    def firings(self, subject: str | None = None, since: float | None = None, limit: int = 1000) -> list[tuple[str, str, float, float, bool, str]]:
        """(key, subject, at, fired, late, body) of a subject's firings, or of all since an instant, in firing order."""
        if subject is not None:
            rows = self.rows("SELECT dedupe_key, subject, at, fired, late, body FROM firings WHERE subject = ? ORDER BY at, dedupe_key",
                             (subject,))
        else:
            rows = self.rows("SELECT dedupe_key, subject, at, fired, late, body FROM firings WHERE fired >= ? "
                             "ORDER BY fired, at, dedupe_key LIMIT ?", (since if since is not None else 0.0, limit))
        return [(r[0], r[1], float(r[2]), float(r[3]), bool(r[4]), r[5]) for r in rows]

    def firing_bodies(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {r[0]: r[1] for r in self.rows(f"SELECT dedupe_key, body FROM firings WHERE dedupe_key IN ({_marks(wanted)})", wanted)}

    def add_delivery(self, delivery: DeliveryRow) -> None:
        self.execute(f"INSERT INTO deliveries ({_DELIVERY}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                     (delivery.id, delivery.dedupe_key, delivery.role, delivery.channel, delivery.address, delivery.state,
                      delivery.attempts, delivery.due, delivery.error, delivery.delivered))

    def deliveries(self, keys: Iterable[str] = (), state: str | None = None, limit: int = 1000) -> list[DeliveryRow]:
        if state is not None:
            return [_delivery(r) for r in self.rows(f"SELECT {_DELIVERY} FROM deliveries WHERE state = ? ORDER BY due, id LIMIT ?",
                                                    (state, limit))]
        wanted = sorted(set(keys))
        if not wanted:
            return []
        return [_delivery(r) for r in self.rows(f"SELECT {_DELIVERY} FROM deliveries WHERE dedupe_key IN ({_marks(wanted)}) ORDER BY id", wanted)]

    def claim_deliveries(self, now: float, lease: float, limit: int) -> list[DeliveryRow]:
        """Pending deliveries due by now, leased to this worker until now + lease (a worker that dies
        leaves them to be tried again when the lease ends)."""
        rows = [_delivery(r) for r in self.rows(
            f"SELECT {_DELIVERY} FROM deliveries WHERE state = 'pending' AND due <= ? ORDER BY due LIMIT ?{self._skip}", (now, limit))]
        for row in rows:
            self.execute("UPDATE deliveries SET due = ? WHERE id = ?", (now + lease, row.id))
        return rows

    def finish_delivery(self, delivery_id: str, state: str, attempts: int, due: float | None, error: str | None,
                        delivered: float | None) -> None:
        self.execute("UPDATE deliveries SET state = ?, attempts = ?, due = ?, error = ?, delivered = ? WHERE id = ?",
                     (state, attempts, due, error, delivered, delivery_id))

    def retry_delivery(self, delivery_id: str, now: float) -> bool:
        """A dead letter sent again (by an admin): pending, its attempts counted anew."""
        cursor = self.execute("UPDATE deliveries SET state = 'pending', attempts = 0, due = ?, error = NULL "
                              "WHERE id = ? AND state = 'dead'", (now, delivery_id))
        return bool(cursor.rowcount == 1)


def _chunks(ids: list[T], size: int = 500) -> list[list[T]]:
    """Ids in lists of at most `size` (the parameters of one statement)."""
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def _marks(chunk: Sequence[Any]) -> str:
    return ", ".join("?" * len(chunk))

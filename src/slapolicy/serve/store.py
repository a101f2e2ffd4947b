"""Where the service's state survives: SQLite (the default, no set-up: one file, WAL) or
PostgreSQL (several instances behind a load balancer), one schema for both, kept by plain
versioned SQL files (`migrations/NNNN_*.sql`, applied in order once each).

Every unit of work is one transaction (`Store.run`, the queries in `tx`): it is acknowledged only
once committed. SQLite runs with `synchronous=FULL`, so a committed transaction survives kill -9 and
power loss alike; a writer takes the write lock at BEGIN (IMMEDIATE), so transactions never
deadlock. On PostgreSQL a subject's row is locked (FOR UPDATE) while it is replayed, and the
scheduler claims due subjects and deliveries with FOR UPDATE SKIP LOCKED, so two instances never
work on the same one; a correlation group's members are found again under an advisory lock of the
group; a transaction that meets a deadlock or a serialization failure is run again.
"""

from __future__ import annotations

import importlib.resources
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from .tx import Tx

T = TypeVar("T")
RETRIES = 8


class StoreError(Exception):
    """The database cannot be opened or migrated: one line, exit 2."""


class Store:
    """A database: transactions (`run`), each retried when the database asks for it."""

    postgres = False

    def run(self, work: Callable[[Tx], T], write: bool = True) -> T:
        raise NotImplementedError

    def connect(self) -> Store:
        """The same database for another thread (a connection of its own where the driver needs one)."""
        return self

    def close(self) -> None:
        raise NotImplementedError

    @property
    def name(self) -> str:
        raise NotImplementedError


def migrations() -> list[tuple[int, str]]:
    """The versioned SQL files, in order: (version, statements)."""
    folder = importlib.resources.files("slapolicy.serve") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d{4})_\w+\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def statements(sql: str) -> list[str]:
    """A migration's statements (one per `;` at the end of a line; `--` comments dropped)."""
    text = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*$", text, flags=re.M) if s.strip()]


def _migrate(tx: Tx) -> None:
    tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied DOUBLE PRECISION NOT NULL)")
    done = {int(r[0]) for r in tx.rows("SELECT version FROM schema_migrations")}
    for version, sql in migrations():
        if version not in done:
            for statement in statements(sql):
                tx.execute(statement)
            tx.execute("INSERT INTO schema_migrations (version, applied) VALUES (?, ?)", (version, time.time()))


def _migrate_locked(tx: Tx) -> None:
    """Migrate while holding an advisory lock: instances that start together migrate one at a time."""
    tx.execute("SELECT pg_advisory_xact_lock(2021)")
    _migrate(tx)


class SqliteStore(Store):
    """One SQLite file in WAL mode; a connection per thread that works on it (`connect`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self.run(_migrate)

    @property
    def name(self) -> str:
        return f"sqlite:{self.path}"

    def connect(self) -> SqliteStore:
        """The same database through a connection of the calling thread's own."""
        return SqliteStore(self.path)

    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot open the database: {exc}") from None
            self._connection = conn
        return self._connection

    def run(self, work: Callable[[Tx], T], write: bool = True) -> T:
        conn = self._conn()
        cursor = conn.cursor()
        cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            tx = Tx(cursor, False)
            result = work(tx)
            tx.flush()
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        return result

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresStore(Store):
    """A PostgreSQL database through a small connection pool (a broken connection is replaced)."""

    postgres = True

    def __init__(self, url: str, size: int = 4) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self._errors = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
        try:
            self._pool = ConnectionPool(url, min_size=1, max_size=size, open=True, timeout=30.0)
            self._pool.wait(timeout=30.0)
        except (psycopg.Error, Exception) as exc:  # the pool reports a connection it cannot make as PoolTimeout
            raise StoreError(f"{_safe(url)}: cannot connect: {exc}") from None
        self.run(_migrate_locked)

    @property
    def name(self) -> str:
        return _safe(self.url)

    def run(self, work: Callable[[Tx], T], write: bool = True) -> T:
        for attempt in range(RETRIES):
            try:
                with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
                    tx = Tx(cursor, True)
                    result = work(tx)
                    tx.flush()
                    return result
            except self._errors:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # jittered: two instances that collided part
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._pool.close()

def _safe(url: str) -> str:
    """A database URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def open_store(database: str) -> Store:
    """The database a deployment names: a postgresql:// URL, else a SQLite file (sqlite:///path or a path)."""
    if database.startswith(("postgresql://", "postgres://")):
        return PostgresStore(database)
    return SqliteStore(database.removeprefix("sqlite:///") if database.startswith("sqlite:///") else database)


@contextmanager
def opened(database: str) -> Iterator[Store]:
    store = open_store(database)
    try:
        yield store
    finally:
        store.close()

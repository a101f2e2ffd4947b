-- slapolicy serve, schema version 1: the same SQL on SQLite and PostgreSQL.
-- Instants are epoch seconds (DOUBLE PRECISION); JSON is kept as text.

-- a subject (ticket, call, contract …) as slapolicy reads it, and what its last replay found
CREATE TABLE subjects (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,          -- its number, in order of arrival: the "line" a replay names it by
    kind TEXT NOT NULL,
    body TEXT NOT NULL,                  -- JSON: {"id", "kind", "attributes", "events": [...]}, the events as posted
    wake DOUBLE PRECISION,               -- when its outcome next changes without a new event (NULL: never)
    next_due DOUBLE PRECISION,           -- the soonest due time of its clocks that run unpaused (NULL: none)
    is_open INTEGER NOT NULL,            -- 1 while a clock of it runs
    records TEXT NOT NULL,               -- JSON: its part in the policy's correlations
    matches TEXT NOT NULL,               -- JSON: the correlations it completes
    updated DOUBLE PRECISION NOT NULL
);
CREATE INDEX subjects_wake ON subjects (wake);
CREATE INDEX subjects_next_due ON subjects (next_due);

-- every event accepted, by its id: a repeat gets the same answer
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    digest TEXT NOT NULL,                -- SHA-256 of the event as posted: the same id with another body is refused
    answer TEXT NOT NULL,
    received DOUBLE PRECISION NOT NULL
);
CREATE INDEX events_subject ON events (subject);

-- each escalation step fired, once per dedupe key (subject, metric, cycle, step, repetition)
CREATE TABLE firings (
    dedupe_key TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,        -- the step's instant
    fired DOUBLE PRECISION NOT NULL,     -- when the service fired it
    late INTEGER NOT NULL,
    body TEXT NOT NULL                   -- JSON: what each delivery sends
);
CREATE INDEX firings_subject ON firings (subject);
CREATE INDEX firings_fired ON firings (fired);

-- one delivery of a firing to one recipient of one role
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,                 -- dedupe key, role, channel and address
    dedupe_key TEXT NOT NULL,
    role TEXT NOT NULL,
    channel TEXT NOT NULL,               -- webhook | email | none (the role has no recipient)
    address TEXT NOT NULL,
    state TEXT NOT NULL,                 -- pending | delivered | dead | unrouted
    attempts INTEGER NOT NULL,
    due DOUBLE PRECISION,                -- the next attempt (while one is under way: the end of its lease)
    error TEXT,
    delivered DOUBLE PRECISION
);
CREATE INDEX deliveries_due ON deliveries (state, due);
CREATE INDEX deliveries_key ON deliveries (dedupe_key);

-- the correlation groups a subject is a member of (same key; the subject a link names)
CREATE TABLE members (
    grp TEXT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (grp, subject)
);
CREATE INDEX members_subject ON members (subject);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('subject', 0);

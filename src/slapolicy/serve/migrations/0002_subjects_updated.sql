-- slapolicy serve, schema version 2: GET /tickets lists today's breaches and escalations of the
-- subjects replayed today that have no open clock left (Tx.closed_since), by when each was replayed.
CREATE INDEX subjects_updated ON subjects (updated);

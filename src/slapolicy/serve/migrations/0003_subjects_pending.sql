-- slapolicy serve, schema version 3: each subject's earliest event its last replay did not apply (it
-- was ahead of that replay's now). A step of a correlating policy fires only before every other
-- subject's (Tx.watermark): until then some peer's part in a correlation may not be stored yet.
-- A subject stored before this version may have such an event no later than its wake.
ALTER TABLE subjects ADD COLUMN pending DOUBLE PRECISION;
UPDATE subjects SET pending = wake;
CREATE INDEX subjects_pending ON subjects (pending);

-- +goose Up
-- A missed incoming call is recorded as a call (phone_call.go) so the
-- client's history shows it, but it is not a call made: the reports count
-- calls WHERE NOT missed. A constant default is metadata-only (no table
-- rewrite); the check is added NOT VALID and validated separately, so no
-- long exclusive lock is held on a live database.
ALTER TABLE calls ADD COLUMN IF NOT EXISTS missed boolean NOT NULL DEFAULT false;
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_missed_incoming;
ALTER TABLE calls ADD CONSTRAINT calls_missed_incoming CHECK (NOT missed OR direction = 'in') NOT VALID;
ALTER TABLE calls VALIDATE CONSTRAINT calls_missed_incoming;

-- +goose Down
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_missed_incoming;
ALTER TABLE calls DROP COLUMN IF EXISTS missed;

-- +goose Up
-- This database's deployment id: random, made once when the schema is
-- created (or upgraded to this version), and part of every asynq TaskID.
-- asynq keeps finished TaskIDs in Redis for a day and refuses them meanwhile,
-- so without it a database re-created (or a second one) next to a Redis that
-- kept its data would reuse ids such as "outbox:42" and see its new jobs
-- taken for finished ones. One row, enforced by the key on a constant.
CREATE TABLE deployment (
    one        bool PRIMARY KEY DEFAULT true CHECK (one),
    id         text NOT NULL CHECK (id ~ '^[0-9a-f]{16}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deployment (id) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16));

-- A fan-out's heartbeat: every committed chunk sets it. A bulk call still
-- fanning out whose heartbeat stopped has lost its worker (kill -9, a lost
-- node), and the relay resumes it without waiting for asynq's lease and
-- recoverer (jobs.Relay). Nullable, no default: instant on a live table.
ALTER TABLE bulk_calls ADD COLUMN fanout_beat_at timestamptz;

-- +goose Down
ALTER TABLE bulk_calls DROP COLUMN fanout_beat_at;
DROP TABLE deployment;

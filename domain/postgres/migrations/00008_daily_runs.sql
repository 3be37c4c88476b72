-- +goose Up
-- The managers' digest becomes one more kind of daily run: one table keeps
-- every once-a-day notice's (club, kind, local date) idempotency key, so one
-- set of store methods serves them all (daily_run.go).
ALTER TABLE daily_runs DROP CONSTRAINT daily_runs_kind_check;
ALTER TABLE daily_runs ADD CONSTRAINT daily_runs_kind_check CHECK (kind IN ('digest', 'morning', 'midday'));
INSERT INTO daily_runs (club_id, kind, local_date, enqueued_at, sent_at)
SELECT club_id, 'digest', local_date, enqueued_at, sent_at FROM digest_runs;
DROP TABLE digest_runs;

-- +goose Down
CREATE TABLE digest_runs (
    club_id     bigint NOT NULL REFERENCES clubs (id),
    local_date  date NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    PRIMARY KEY (club_id, local_date)
);
INSERT INTO digest_runs (club_id, local_date, enqueued_at, sent_at)
SELECT club_id, local_date, enqueued_at, sent_at FROM daily_runs WHERE kind = 'digest';
DELETE FROM daily_runs WHERE kind = 'digest';
ALTER TABLE daily_runs DROP CONSTRAINT daily_runs_kind_check;
ALTER TABLE daily_runs ADD CONSTRAINT daily_runs_kind_check CHECK (kind IN ('morning', 'midday'));

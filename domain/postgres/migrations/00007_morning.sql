-- +goose Up
-- Once-a-day notices besides the managers' digest (jobs/morning.go,
-- jobs/midday.go): each staff member's morning list and the managers'
-- mid-day overdue summary. (club, kind, local date) is the notice's
-- idempotency key, as (club, local date) is the digest's in digest_runs:
-- the sweep records the row before it enqueues, the job marks it sent.
CREATE TABLE daily_runs (
    club_id     bigint NOT NULL REFERENCES clubs (id),
    kind        text NOT NULL CHECK (kind IN ('morning', 'midday')),
    local_date  date NOT NULL,
    enqueued_at timestamptz NOT NULL,
    sent_at     timestamptz,
    PRIMARY KEY (club_id, kind, local_date)
);

-- +goose Down
DROP TABLE daily_runs;

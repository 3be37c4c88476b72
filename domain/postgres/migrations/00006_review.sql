-- +goose Up
-- Review fixes of the workers and the scheduler.

-- A sender claims a delivery key for a while (claimed_until) and sends with
-- no transaction open, so a message waiting for Telegram holds no pooled
-- connection (domain/postgres/delivery.go, DeliveryOnce). NULL: delivered;
-- every row written before this migration was.
ALTER TABLE deliveries ADD COLUMN claimed_until timestamptz;

-- Overdue notices claimed by a job (their tasks marked with the slot) and
-- not yet sent. The overdue sweep enqueues every unsent one again under its
-- own job id, so a notice whose job Redis lost between the claim and the
-- send still reaches its assignee (domain/postgres/overdue.go).
CREATE TABLE overdue_notices (
    club_id    bigint NOT NULL REFERENCES clubs (id),
    staff_id   bigint NOT NULL,
    slot       timestamptz NOT NULL,
    claimed_at timestamptz NOT NULL,
    sent_at    timestamptz,
    PRIMARY KEY (club_id, staff_id, slot),
    FOREIGN KEY (club_id, staff_id) REFERENCES staff (club_id, id)
);
CREATE INDEX overdue_notices_unsent_idx ON overdue_notices (slot) WHERE sent_at IS NULL;
CREATE INDEX overdue_notices_sent_idx ON overdue_notices (sent_at) WHERE sent_at IS NOT NULL;

-- +goose Down
DROP TABLE overdue_notices;
ALTER TABLE deliveries DROP COLUMN claimed_until;

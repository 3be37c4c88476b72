-- +goose Up
-- The outbox relay polls, and also LISTENs so that a new row is handed over at
-- once: a statement-level trigger notifies after every insert (one
-- notification per transaction, whatever the number of rows; PostgreSQL folds
-- identical notifications of one transaction together).
-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clubcrm_outbox', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Pruning completed rows reads them by completion time.
CREATE INDEX outbox_completed_idx ON outbox (completed_at) WHERE completed_at IS NOT NULL;

-- +goose Down
DROP INDEX outbox_completed_idx;
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();

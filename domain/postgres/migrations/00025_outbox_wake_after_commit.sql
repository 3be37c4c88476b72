-- +goose Up
-- The relay's wake-up moves out of the writing transaction (DB.inTx,
-- outbox_wake.go). NOTIFY takes a database-wide lock when its transaction
-- commits and holds it until the commit record is flushed, so every
-- transaction that wrote an outbox row (nearly every state change) waited
-- for the fsync of every other one: commits were serialised across the
-- whole database, and worker processes added no throughput (docs/scaling.md).
-- The store now sends the NOTIFY after the commit, in a transaction of its
-- own that does not wait for its flush. Instant: a catalog change only.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clubcrm_outbox', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

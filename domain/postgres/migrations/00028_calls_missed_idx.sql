-- +goose NO TRANSACTION
-- +goose Up
-- The missed calls of a period (report_missed.go) through an index of just
-- the missed ones: the general report of a year read every call of the year
-- to find them (a seq scan of 600k calls, 115 ms, on the report benchmark's
-- club), now only the missed. Built CONCURRENTLY, so writers are not
-- blocked; an index left INVALID by an interrupted build is dropped first.
-- +goose StatementBegin
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('calls_club_missed_idx') AND NOT indisvalid) THEN
    EXECUTE 'DROP INDEX calls_club_missed_idx';
  END IF;
END $$;
-- +goose StatementEnd
CREATE INDEX CONCURRENTLY IF NOT EXISTS calls_club_missed_idx ON calls (club_id, called_at) WHERE missed;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS calls_club_missed_idx;

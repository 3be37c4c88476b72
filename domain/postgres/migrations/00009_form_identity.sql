-- +goose Up
-- A form's version is its identity on its buttons, so it must never be
-- reused: versions come from one sequence that never restarts (a form ended
-- and a new one started no longer begins again at 1, where the old form's
-- buttons would match it). The sequence starts past every version in use.
-- The table holds one small row per staff member, so widening the column
-- is quick.
CREATE SEQUENCE conversation_versions AS bigint;
SELECT setval('conversation_versions', greatest(1, (SELECT max(version) FROM conversations)),
    (SELECT count(*) > 0 FROM conversations));
ALTER TABLE conversations ALTER COLUMN version TYPE bigint,
    ALTER COLUMN version SET DEFAULT nextval('conversation_versions');
-- claimed: the version whose screen's Confirm was tapped (0: none), kept
-- when the form ends, so a second tap on that Confirm is told the form is
-- already recorded rather than that it changed.
ALTER TABLE conversations ADD COLUMN claimed bigint NOT NULL DEFAULT 0;
-- long_text_at: the Telegram date of the last text refused as too long. A
-- paste over 4096 characters arrives as several messages; the ones right
-- after the refused one are its tail, not an answer.
ALTER TABLE conversations ADD COLUMN long_text_at timestamptz;

-- +goose Down
ALTER TABLE conversations DROP COLUMN long_text_at, DROP COLUMN claimed,
    ALTER COLUMN version SET DEFAULT 1;
ALTER TABLE conversations ALTER COLUMN version TYPE int;
DROP SEQUENCE conversation_versions;

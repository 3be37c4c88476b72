-- +goose NO TRANSACTION
-- +goose Up
-- A result carries its task's template and type, so the reports that count
-- results by template, or filter them by template or type, read the
-- period's results alone: the general report of a month looked up the task
-- of each of its 32k results (or hashed all 10^6 tasks) to learn them.
-- A task's template and type never change, so the copies cannot go stale;
-- a trigger fills them from the task on every insert, so no writer can
-- forget them.
--
-- Safe on a live database, which is why it runs outside one transaction
-- (docs/scaling.md has the figures at 10^6 tasks):
--   - the columns and the trigger are catalog changes, each in a
--     transaction of its own (ACCESS EXCLUSIVE for milliseconds; given up
--     after lock_timeout behind a long transaction: run migrate again);
--   - the backfill goes through the table a thousand pages at a time,
--     committing each batch, under row locks nobody else takes (results are
--     never updated), while new results keep being inserted and filled by
--     the trigger;
--   - NOT NULL is proven by a CHECK validated without blocking writers
--     (SHARE UPDATE EXCLUSIVE), after which SET NOT NULL does not scan.
-- Every step can run again: a migration interrupted anywhere is finished by
-- the next `clubcrm migrate`.

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  ALTER TABLE task_results ADD COLUMN IF NOT EXISTS template_id bigint, ADD COLUMN IF NOT EXISTS task_type text;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION task_results_task_template() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.template_id, t.task_type INTO NEW.template_id, NEW.task_type
    FROM tasks t WHERE t.club_id = NEW.club_id AND t.id = NEW.task_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'task_results_task_template' AND tgrelid = 'task_results'::regclass) THEN
    CREATE TRIGGER task_results_task_template BEFORE INSERT OR UPDATE OF task_id ON task_results
        FOR EACH ROW EXECUTE FUNCTION task_results_task_template();
  END IF;
END $$;
-- +goose StatementEnd

-- The backfill: the pages as they are now, a thousand at a time (a TID
-- range scan), each batch committed. Rows inserted meanwhile are filled by
-- the trigger; a row's new version written to a later page is skipped by
-- IS NULL.
-- +goose StatementBegin
DO $$
DECLARE
  pages bigint := pg_relation_size('task_results') / current_setting('block_size')::bigint;
  p bigint := 0;
BEGIN
  WHILE p <= pages LOOP
    UPDATE task_results tr SET template_id = t.template_id, task_type = t.task_type
    FROM tasks t
    WHERE tr.ctid >= format('(%s,0)', p)::tid AND tr.ctid < format('(%s,0)', p + 1000)::tid
      AND tr.template_id IS NULL
      AND t.club_id = tr.club_id AND t.id = tr.task_id;
    COMMIT;
    p := p + 1000;
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'task_results_template_filled') THEN
    ALTER TABLE task_results ADD CONSTRAINT task_results_template_filled
        CHECK (template_id IS NOT NULL AND task_type IS NOT NULL) NOT VALID;
  END IF;
END $$;
-- +goose StatementEnd
ALTER TABLE task_results VALIDATE CONSTRAINT task_results_template_filled;
-- +goose StatementBegin
DO $$ BEGIN
  SET LOCAL lock_timeout = '5s';
  ALTER TABLE task_results ALTER COLUMN template_id SET NOT NULL, ALTER COLUMN task_type SET NOT NULL;
  ALTER TABLE task_results DROP CONSTRAINT task_results_template_filled;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER IF EXISTS task_results_task_template ON task_results;
DROP FUNCTION IF EXISTS task_results_task_template();
ALTER TABLE task_results DROP COLUMN IF EXISTS template_id, DROP COLUMN IF EXISTS task_type;

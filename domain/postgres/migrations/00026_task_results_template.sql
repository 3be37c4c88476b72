-- +goose Up
-- A result carries its task's template and type, so the reports that count
-- results by template, or filter them by template or type, read the
-- period's results alone: the general report of a month looked up the task
-- of each of its 32k results (or hashed all 10^6 tasks) to learn them.
-- A task's template and type never change, so the copies cannot go stale;
-- a trigger fills them from the task on every insert, so no writer can
-- forget them.
--
-- On a live database: adding the columns and the trigger only changes the
-- catalog (ACCESS EXCLUSIVE for milliseconds, given up after lock_timeout
-- behind a long transaction); the backfill updates every result under row
-- locks nobody else takes (results are never updated), while new results
-- keep being inserted; SET NOT NULL then holds ACCESS EXCLUSIVE on
-- task_results for one scan of it. Measured on 10^6 tasks (761k results):
-- docs/scaling.md.
SET LOCAL lock_timeout = '5s';
ALTER TABLE task_results ADD COLUMN template_id bigint, ADD COLUMN task_type text;

-- +goose StatementBegin
CREATE FUNCTION task_results_task_template() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.template_id, t.task_type INTO NEW.template_id, NEW.task_type
    FROM tasks t WHERE t.club_id = NEW.club_id AND t.id = NEW.task_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER task_results_task_template BEFORE INSERT OR UPDATE OF task_id ON task_results
    FOR EACH ROW EXECUTE FUNCTION task_results_task_template();

UPDATE task_results tr SET template_id = t.template_id, task_type = t.task_type
FROM tasks t WHERE t.club_id = tr.club_id AND t.id = tr.task_id;
ALTER TABLE task_results ALTER COLUMN template_id SET NOT NULL, ALTER COLUMN task_type SET NOT NULL;

-- +goose Down
DROP TRIGGER task_results_task_template ON task_results;
DROP FUNCTION task_results_task_template();
ALTER TABLE task_results DROP COLUMN template_id, DROP COLUMN task_type;

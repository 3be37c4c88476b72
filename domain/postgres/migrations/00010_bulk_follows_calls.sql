-- +goose Up
-- A bulk call's status follows its calls. Before this release "Done" on its
-- card could close it by hand while calls were still open, and nothing
-- brought it back in line: put such bulk calls back in progress (their
-- calls are still to be made; cancelling them is now a button on the card).
-- A handful of rows, found through tasks_parent_idx.
UPDATE tasks p SET status = 'in_progress', done_at = NULL, cancelled_at = NULL, updated_at = now()
WHERE p.task_type = 'bulk_call' AND p.status IN ('done', 'cancelled') AND p.deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM tasks t
              WHERE t.parent_id = p.id AND t.club_id = p.club_id
                AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL);

-- +goose Down
-- Nothing to undo: the repaired statuses are the ones the calls give.
SELECT 1;

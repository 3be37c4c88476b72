-- +goose Up
-- Indexes for the reports (domain/postgres/report_general.go,
-- report_funnel.go). Created, done, results and calls already have theirs
-- in 00001.
--
-- The general report reads the tasks that touch the period by any of four
-- times; these two serve the figures 00001 has no index for:
--   cancelled: status cancelled and cancelled_at in the period;
--   overdue:   due_at in the period, whatever the status (a task done late
--              still missed its deadline), which tasks_open_club_due_idx
--              (open tasks only) cannot answer.
CREATE INDEX tasks_club_cancelled_idx ON tasks (club_id, cancelled_at) WHERE cancelled_at IS NOT NULL;
CREATE INDEX tasks_club_due_all_idx ON tasks (club_id, due_at) WHERE due_at IS NOT NULL;

-- The funnel splits clients by the template of their first task: one
-- index-only probe per client (LIMIT 1 in this order) instead of reading
-- and sorting all of the client's tasks.
CREATE INDEX tasks_client_first_idx ON tasks (club_id, client_id, created_at, id) INCLUDE (template_id)
    WHERE client_id IS NOT NULL AND deleted_at IS NULL;

-- +goose Down
DROP INDEX tasks_client_first_idx;
DROP INDEX tasks_club_due_all_idx;
DROP INDEX tasks_club_cancelled_idx;

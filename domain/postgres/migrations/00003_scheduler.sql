-- +goose Up
-- The reminder sweep (domain/postgres/reminder.go, ReminderListDue) pages
-- through pending reminders in (remind_at, id) order and reads club_id. This
-- index holds exactly those rows (the same as tasks_reminder_due_idx, which
-- it replaces) with the key in order and club_id included, so a page is an
-- index-only range scan that stops after the page: no sort, no heap, and
-- no dependence on the planner's row estimate. That estimate is badly off
-- on a grown table, where most tasks have a past remind_at but were
-- reminded or closed long ago (the conditions are correlated, the planner
-- assumes they are not): with the single-column index it chose a parallel
-- bitmap or even a sequential scan plus a sort at 10^6 tasks.
CREATE INDEX tasks_reminder_pending_idx ON tasks (remind_at, id) INCLUDE (club_id)
    WHERE reminded_at IS NULL AND remind_at IS NOT NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL;
DROP INDEX tasks_reminder_due_idx;

-- +goose Down
CREATE INDEX tasks_reminder_due_idx ON tasks (remind_at)
    WHERE reminded_at IS NULL AND remind_at IS NOT NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL;
DROP INDEX tasks_reminder_pending_idx;

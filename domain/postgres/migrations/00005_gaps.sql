-- +goose Up
-- Task control's unassigned list and count (domain/postgres/control.go)
-- read the club's open unassigned tasks only, in the list's order (due
-- first, undated last, then id), instead of every open task of the club
-- through tasks_open_club_due_idx. Key and predicate match the list's query,
-- so its page and total come from an index-only scan.
CREATE INDEX tasks_open_unassigned_due_idx ON tasks (club_id, due_at, id)
    WHERE assignee_id IS NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL;

-- +goose Down
DROP INDEX tasks_open_unassigned_due_idx;

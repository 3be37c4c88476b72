package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// BulkCallsList returns a page of a bulk call's calls (its subtasks), open
// ones first, then in the order they were created. A task that is not a
// live bulk call of the club is ErrNotFound.
func (db *DB) BulkCallsList(ctx context.Context, clubID, bulkID int64, offset, limit int) (TaskPage, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	if offset < 0 {
		offset = 0
	}
	var isBulk bool
	err := db.pool.QueryRow(ctx, `SELECT task_type = 'bulk_call' FROM tasks WHERE club_id = $1 AND id = $2 AND deleted_at IS NULL`,
		clubID, bulkID).Scan(&isBulk)
	if err != nil {
		return TaskPage{}, fmt.Errorf("calls of bulk call %d: %w", bulkID, mapErr(err))
	}
	if !isBulk {
		return TaskPage{}, fmt.Errorf("calls of task %d: not a bulk call: %w", bulkID, domain.ErrNotFound)
	}
	rows, err := db.pool.Query(ctx, taskLineSelect+`
WHERE t.club_id = $1 AND t.parent_id = $2 AND t.deleted_at IS NULL
ORDER BY t.status IN ('new', 'in_progress') DESC, t.id
OFFSET $3 LIMIT $4`, clubID, bulkID, offset, limit)
	if err != nil {
		return TaskPage{}, fmt.Errorf("calls of bulk call %d: %w", bulkID, mapErr(err))
	}
	page, err := collectTaskPage(rows)
	if err != nil {
		return TaskPage{}, fmt.Errorf("calls of bulk call %d: %w", bulkID, mapErr(err))
	}
	return page, nil
}

// BulkCancelOpen cancels every call of a bulk call that is still open, in
// one statement, and then brings the bulk call in line with its calls (done,
// since none is open any more), in the same transaction. It returns the bulk
// call's state after it and how many calls it cancelled. Whoever may change
// the bulk call's status may do it (domain.CanActOnTask); a closed bulk call
// is ErrConflict "task_closed", one still being fanned out ErrConflict
// "bulk_fanning_out" (calls not created yet would be left open).
//
// The calls are updated before the bulk call's row is locked, the order in
// which a call closed on its own locks them (the call, then its bulk call:
// bulkParentFollow), so the two cannot deadlock.
func (db *DB) BulkCancelOpen(ctx context.Context, clubID, bulkID int64, actor domain.Staff) (BulkStatus, int, error) {
	now := db.clock.Now()
	var (
		s         BulkStatus
		cancelled int
	)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := taskRead(ctx, tx, clubID, bulkID)
		if err != nil {
			return err
		}
		if err := domain.CanActOnTask(actor, t, domain.ActionChangeStatus); err != nil {
			return err
		}
		if t.Type != domain.TypeBulkCall {
			return fmt.Errorf("cancel calls of task %d: not a bulk call: %w", bulkID, domain.ErrNotFound)
		}
		if !t.Status.Open() {
			return taskClosed(t)
		}
		var fannedOut bool
		if err := tx.QueryRow(ctx, `SELECT fanned_out_at IS NOT NULL FROM bulk_calls WHERE club_id = $1 AND task_id = $2`,
			clubID, bulkID).Scan(&fannedOut); err != nil {
			return fmt.Errorf("cancel calls of bulk call %d: %w", bulkID, mapErr(err))
		}
		if !fannedOut {
			return domain.Conflict(domain.CodeBulkFanningOut, fmt.Sprintf("bulk call %d is still creating its calls", bulkID), nil)
		}
		if err := tx.QueryRow(ctx, `
WITH cancelled AS (
    UPDATE tasks SET status = 'cancelled', cancelled_at = $3, updated_at = $3
    WHERE club_id = $1 AND parent_id = $2 AND status IN ('new', 'in_progress') AND deleted_at IS NULL
    RETURNING id
), uncurrent AS (
    UPDATE staff SET current_task_id = NULL
    WHERE club_id = $1 AND current_task_id IN (SELECT id FROM cancelled)
)
SELECT count(*) FROM cancelled`, clubID, bulkID, now).Scan(&cancelled); err != nil {
			return fmt.Errorf("cancel calls of bulk call %d: %w", bulkID, mapErr(err))
		}
		s, err = bulkStatusTx(ctx, tx, clubID, bulkID, now, true)
		return err
	})
	if err != nil {
		return BulkStatus{}, 0, err
	}
	return s, cancelled, nil
}

// taskRead reads a live task of the club without locking it.
func taskRead(ctx context.Context, tx pgx.Tx, clubID, taskID int64) (domain.Task, error) {
	t, err := scanTask(tx.QueryRow(ctx, `
SELECT `+taskColumns("")+`
FROM tasks WHERE club_id = $1 AND id = $2 AND deleted_at IS NULL`, clubID, taskID))
	if err != nil {
		return domain.Task{}, fmt.Errorf("task %d: %w", taskID, mapErr(err))
	}
	return t, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"
)

// StaffOpenTaskCount returns how many live tasks a staff member has open,
// and how many of those are overdue at now.
func (db *DB) StaffOpenTaskCount(ctx context.Context, clubID, staffID int64, now time.Time) (open, overdue int, err error) {
	err = db.pool.QueryRow(ctx, `
SELECT count(*), count(*) FILTER (WHERE due_at < $3)
FROM tasks
WHERE club_id = $1 AND assignee_id = $2 AND status IN ('new', 'in_progress') AND deleted_at IS NULL`,
		clubID, staffID, now).Scan(&open, &overdue)
	if err != nil {
		return 0, 0, fmt.Errorf("open tasks of staff %d: %w", staffID, mapErr(err))
	}
	return open, overdue, nil
}

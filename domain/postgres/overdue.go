package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// OverdueGroup is one assignee's tasks that became overdue and of which they
// have not been told: the unit the overdue sweep enqueues, so a person gets
// one message listing their newly overdue tasks, not one per task.
type OverdueGroup struct {
	ClubID  int64
	StaffID int64 // 0: unassigned tasks (nobody to tell; the managers' digest lists them)
	Tasks   int
}

// OverdueListPending groups the open tasks of live clubs that are past due
// at now (due_at < now) and not yet marked told, by club and assignee. It
// reads the partial index tasks_overdue_pending_idx, which holds only tasks
// not yet told, so its cost follows the number of newly overdue tasks.
func (db *DB) OverdueListPending(ctx context.Context, now time.Time) ([]OverdueGroup, error) {
	rows, err := db.pool.Query(ctx, overdueListPendingSQL, now)
	if err != nil {
		return nil, fmt.Errorf("overdue pending: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OverdueGroup, error) {
		var g OverdueGroup
		err := row.Scan(&g.ClubID, &g.StaffID, &g.Tasks)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("overdue pending: %w", mapErr(err))
	}
	return out, nil
}

// OverdueListPendingExplain returns EXPLAIN (ANALYZE, BUFFERS) of the sweep's
// query, for the benchmark.
func (db *DB) OverdueListPendingExplain(ctx context.Context, now time.Time) (string, error) {
	return explain(ctx, db.pool, overdueListPendingSQL, now)
}

// The predicate repeats tasks_overdue_pending_idx's WHERE clause.
const overdueListPendingSQL = `
SELECT t.club_id, coalesce(t.assignee_id, 0), count(*)
FROM tasks t JOIN clubs c ON c.id = t.club_id
WHERE t.due_at < $1
  AND t.overdue_notified_at IS NULL AND t.due_at IS NOT NULL AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
  AND c.deleted_at IS NULL
GROUP BY 1, 2
ORDER BY 1, 2`

// OverdueTask is a line of an overdue notice.
type OverdueTask struct {
	ID         int64
	Title      string
	ClientName string // empty for tasks without a client
	DueAt      time.Time
}

// OverdueNotice is what an assignee is told at one sweep slot.
type OverdueNotice struct {
	ClubID  int64
	StaffID int64
	Tasks   []OverdueTask // at most the limit asked, earliest due first
	Total   int           // all tasks of the notice, still open
}

// OverdueClaim marks the assignee's open tasks that were past due at slot and
// not yet marked (overdue_notified_at := slot), and returns every task marked
// with this slot that is still open. The mark makes each task part of exactly
// one notice however many sweeps and workers race; because it is the slot
// and not the time of the call, a retry after a failed send finds the same
// notice again and sends it under the same delivery key. staffID 0 marks the
// club's unassigned tasks (nobody to tell) and returns an empty notice.
func (db *DB) OverdueClaim(ctx context.Context, clubID, staffID int64, slot time.Time, limit int) (OverdueNotice, error) {
	n := OverdueNotice{ClubID: clubID, StaffID: staffID}
	if limit <= 0 {
		return n, domain.Invalid("limit_invalid", fmt.Sprintf("limit %d is not positive", limit), nil)
	}
	if _, err := db.pool.Exec(ctx, `
UPDATE tasks SET overdue_notified_at = $3
WHERE club_id = $1 AND assignee_id IS NOT DISTINCT FROM nullif($2::bigint, 0) AND due_at < $3
  AND overdue_notified_at IS NULL AND due_at IS NOT NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL`,
		clubID, staffID, slot); err != nil {
		return n, fmt.Errorf("claim overdue of staff %d: %w", staffID, mapErr(err))
	}
	if staffID == 0 {
		return n, nil
	}
	rows, err := db.pool.Query(ctx, `
SELECT t.id, t.title, coalesce(c.name, ''), t.due_at, count(*) OVER ()
FROM tasks t LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
WHERE t.club_id = $1 AND t.assignee_id = $2 AND t.overdue_notified_at = $3
  AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
ORDER BY t.due_at, t.id
LIMIT $4`, clubID, staffID, slot, limit)
	if err != nil {
		return n, fmt.Errorf("overdue notice of staff %d: %w", staffID, mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var o OverdueTask
		if err := rows.Scan(&o.ID, &o.Title, &o.ClientName, &o.DueAt, &n.Total); err != nil {
			return n, fmt.Errorf("overdue notice of staff %d: %w", staffID, mapErr(err))
		}
		n.Tasks = append(n.Tasks, o)
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("overdue notice of staff %d: %w", staffID, mapErr(err))
	}
	return n, nil
}

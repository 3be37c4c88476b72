package postgres

import (
	"context"
	"errors"
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
	ID          int64
	Title       string
	TitleNames  domain.Names // the template's names per language when Title is its name (domain.Names.In)
	ClientName  string       // empty for tasks without a client
	Description string       // its start (NoticeDescriptionLen characters); empty when none
	DueAt       time.Time
}

// OverdueNotice is what an assignee is told at one sweep slot.
type OverdueNotice struct {
	ClubID  int64
	StaffID int64
	Tasks   []OverdueTask // at most the limit asked, earliest due first
	Total   int           // all tasks of the notice, still open
}

// OverdueClaim marks the assignee's open tasks that were past due at slot and
// not yet marked (overdue_notified_at := slot), records the notice as
// claimed and unsent (overdue_notices), and returns every task marked with
// this slot that is still open. The mark makes each task part of exactly
// one notice however many sweeps and workers race; because it is the slot
// and not the time of the call, a retry after a failed send finds the same
// notice again and sends it under the same delivery key.
//
// The notice stays unsent until OverdueMarkSent, and the sweep enqueues every
// unsent notice again (OverdueListUnsent), so a job lost with Redis after
// the claim still tells the assignee. A notice claimed already marks
// nothing more: a late run of an old slot must not add tasks to a notice
// that may have gone out. One that was sent returns an empty notice.
//
// staffID 0 marks the club's unassigned tasks (nobody to tell) and returns
// an empty notice.
func (db *DB) OverdueClaim(ctx context.Context, clubID, staffID int64, slot time.Time, limit int) (OverdueNotice, error) {
	n := OverdueNotice{ClubID: clubID, StaffID: staffID}
	if limit <= 0 {
		return n, domain.Invalid(domain.CodeLimitInvalid, fmt.Sprintf("limit %d is not positive", limit), nil)
	}
	const mark = `
UPDATE tasks SET overdue_notified_at = $3
WHERE club_id = $1 AND assignee_id IS NOT DISTINCT FROM nullif($2::bigint, 0) AND due_at < $3
  AND overdue_notified_at IS NULL AND due_at IS NOT NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL`
	if staffID == 0 {
		if _, err := db.pool.Exec(ctx, mark, clubID, staffID, slot); err != nil {
			return n, fmt.Errorf("claim overdue of unassigned tasks: %w", mapErr(err))
		}
		return n, nil
	}
	sent := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var sentAt *time.Time
		err := tx.QueryRow(ctx, `SELECT sent_at FROM overdue_notices WHERE club_id = $1 AND staff_id = $2 AND slot = $3`,
			clubID, staffID, slot).Scan(&sentAt)
		switch {
		case err == nil:
			sent = sentAt != nil
			return nil // claimed by an earlier run: mark nothing more
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		tag, err := tx.Exec(ctx, mark, clubID, staffID, slot)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `
INSERT INTO overdue_notices (club_id, staff_id, slot, claimed_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (club_id, staff_id, slot) DO NOTHING`, clubID, staffID, slot, db.clock.Now())
		return err
	})
	if err != nil {
		return n, fmt.Errorf("claim overdue of staff %d: %w", staffID, mapErr(err))
	}
	if sent {
		return n, nil
	}
	rows, err := db.pool.Query(ctx, `
SELECT t.id, t.title, CASE WHEN t.title = tp.name THEN tp.names ELSE '{}' END, coalesce(c.name, ''), left(t.description, $5), t.due_at, count(*) OVER ()
FROM tasks t JOIN templates tp ON tp.club_id = t.club_id AND tp.id = t.template_id
LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
WHERE t.club_id = $1 AND t.assignee_id = $2 AND t.overdue_notified_at = $3
  AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
ORDER BY t.due_at, t.id
LIMIT $4`, clubID, staffID, slot, limit, NoticeDescriptionLen)
	if err != nil {
		return n, fmt.Errorf("overdue notice of staff %d: %w", staffID, mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var o OverdueTask
		if err := rows.Scan(&o.ID, &o.Title, &o.TitleNames, &o.ClientName, &o.Description, &o.DueAt, &n.Total); err != nil {
			return n, fmt.Errorf("overdue notice of staff %d: %w", staffID, mapErr(err))
		}
		n.Tasks = append(n.Tasks, o)
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("overdue notice of staff %d: %w", staffID, mapErr(err))
	}
	return n, nil
}

// OverdueMarkSent marks a notice sent, or never to be sent (everything in it
// closed meanwhile, the person or club gone): the sweep stops enqueueing
// it. Marking it again, or a notice never claimed, changes nothing.
func (db *DB) OverdueMarkSent(ctx context.Context, clubID, staffID int64, slot, now time.Time) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE overdue_notices SET sent_at = $4
WHERE club_id = $1 AND staff_id = $2 AND slot = $3 AND sent_at IS NULL`, clubID, staffID, slot, now); err != nil {
		return fmt.Errorf("mark overdue notice of staff %d sent: %w", staffID, mapErr(err))
	}
	return nil
}

// OverdueNoticeKey names a claimed overdue notice: an assignee and a slot.
type OverdueNoticeKey struct {
	ClubID  int64
	StaffID int64
	Slot    time.Time
}

// OverdueListUnsent returns up to limit notices of live clubs that were
// claimed and not sent, newest first. Their job may be queued, running or
// retrying (enqueueing it again under its id is then a no-op), archived
// after its retries (a no-op too, until someone runs it from asynqmon), or
// lost with Redis (enqueueing it again is what delivers it). Newest first,
// so notices stuck for good cannot crowd recent ones out of the limit. It
// reads the partial index overdue_notices_unsent_idx, which holds only
// unsent ones.
func (db *DB) OverdueListUnsent(ctx context.Context, limit int) ([]OverdueNoticeKey, error) {
	rows, err := db.pool.Query(ctx, `
SELECT n.club_id, n.staff_id, n.slot
FROM overdue_notices n JOIN clubs c ON c.id = n.club_id
WHERE n.sent_at IS NULL AND c.deleted_at IS NULL
ORDER BY n.slot DESC
LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("unsent overdue notices: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[OverdueNoticeKey])
	if err != nil {
		return nil, fmt.Errorf("unsent overdue notices: %w", mapErr(err))
	}
	return out, nil
}

// OverdueNoticesPrune deletes notices sent before before; a job of that
// slot is never retried that late.
func (db *DB) OverdueNoticesPrune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM overdue_notices WHERE sent_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune overdue notices: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

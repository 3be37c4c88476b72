package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/report"
)

// DigestOverdueLimit is how many overdue tasks a digest lists by name; the
// rest are counted.
const DigestOverdueLimit = 10

// DigestToday is the "today" half of a club's digest: the plan for the day,
// what is overdue now and who the system cannot reach.
type DigestToday struct {
	DueToday   int // open tasks due within today's range
	OverdueNow int // open tasks past due at now
	// OverdueByStaff counts the overdue tasks per assignee (StaffID 0:
	// unassigned), most first, unassigned last among equals.
	OverdueByStaff []StaffCount
	// Overdue lists the longest-overdue tasks, at most DigestOverdueLimit.
	Overdue []DigestOverdueTask
	// Unreachable names active staff whom Telegram refuses (blocked the bot).
	Unreachable []string
	// Recipients are the active owners and managers the digest goes to.
	Recipients []int64
}

// StaffCount is a number of tasks of one staff member.
type StaffCount struct {
	StaffID int64
	Name    string // empty for StaffID 0
	Count   int
}

// DigestOverdueTask is a line of the digest's overdue list.
type DigestOverdueTask struct {
	ID           int64
	Title        string
	AssigneeName string // empty: unassigned
	DueAt        time.Time
}

// DigestTodayGet reads the "today" half of a club's digest: today is the
// club's local day as a range, now the moment overdue is judged at.
func (db *DB) DigestTodayGet(ctx context.Context, clubID int64, today report.Range, now time.Time) (DigestToday, error) {
	var d DigestToday
	// One snapshot, so the counts and the lists agree.
	err := pgx.BeginTxFunc(ctx, db.reads(), pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE due_at >= $2 AND due_at < $3),
       count(*) FILTER (WHERE due_at < $4)
FROM tasks
WHERE club_id = $1 AND status IN ('new', 'in_progress') AND deleted_at IS NULL AND due_at IS NOT NULL
  AND (due_at < $4 OR (due_at >= $2 AND due_at < $3))`, clubID, today.From, today.To, now).Scan(&d.DueToday, &d.OverdueNow); err != nil {
			return fmt.Errorf("digest counts: %w", mapErr(err))
		}
		rows, err := tx.Query(ctx, `
SELECT coalesce(t.assignee_id, 0), coalesce(s.name, ''), count(*)
FROM tasks t LEFT JOIN staff s ON s.club_id = t.club_id AND s.id = t.assignee_id
WHERE t.club_id = $1 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL AND t.due_at < $2
GROUP BY 1, 2 ORDER BY 3 DESC, 1 = 0, 2`, clubID, now)
		if err != nil {
			return fmt.Errorf("digest overdue by staff: %w", mapErr(err))
		}
		if d.OverdueByStaff, err = pgx.CollectRows(rows, pgx.RowToStructByPos[StaffCount]); err != nil {
			return fmt.Errorf("digest overdue by staff: %w", mapErr(err))
		}
		rows, err = tx.Query(ctx, `
SELECT t.id, t.title, coalesce(s.name, ''), t.due_at
FROM tasks t LEFT JOIN staff s ON s.club_id = t.club_id AND s.id = t.assignee_id
WHERE t.club_id = $1 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL AND t.due_at < $2
ORDER BY t.due_at, t.id
LIMIT $3`, clubID, now, DigestOverdueLimit)
		if err != nil {
			return fmt.Errorf("digest overdue list: %w", mapErr(err))
		}
		if d.Overdue, err = pgx.CollectRows(rows, pgx.RowToStructByPos[DigestOverdueTask]); err != nil {
			return fmt.Errorf("digest overdue list: %w", mapErr(err))
		}
		rows, err = tx.Query(ctx, `
SELECT name FROM staff WHERE club_id = $1 AND active AND unreachable_at IS NOT NULL ORDER BY name`, clubID)
		if err != nil {
			return fmt.Errorf("digest unreachable: %w", mapErr(err))
		}
		if d.Unreachable, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return fmt.Errorf("digest unreachable: %w", mapErr(err))
		}
		rows, err = tx.Query(ctx, `
SELECT id FROM staff WHERE club_id = $1 AND active AND role IN ('owner', 'manager') ORDER BY id`, clubID)
		if err != nil {
			return fmt.Errorf("digest recipients: %w", mapErr(err))
		}
		if d.Recipients, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("digest recipients: %w", mapErr(err))
		}
		return nil
	})
	if err != nil {
		return DigestToday{}, err
	}
	return d, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// DigestOverdueLimit is how many overdue tasks a digest lists by name; the
// rest are counted.
const DigestOverdueLimit = 10

// DigestToday is the "today" half of a club's digest: the plan for the day,
// what is overdue now and who the system cannot reach.
type DigestToday struct {
	DueToday   int // open tasks due later today (domain.DueToday)
	OverdueNow int // open tasks past due now (domain.DueOverdue)
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
	TitleNames   domain.Names // the template's names per language when Title is its name (domain.Names.In)
	ClientName   string       // empty for tasks without a client
	Description  string       // its start (NoticeDescriptionLen characters); empty when none
	AssigneeName string       // empty: unassigned
	DueAt        time.Time
}

// DigestTodayGet reads the "today" half of a club's digest, with "due today"
// and "overdue" as day defines them (domain.DueDay: overdue is due before
// day.Now, due today from day.Now to day.End), the same as the morning lists.
func (db *DB) DigestTodayGet(ctx context.Context, clubID int64, day domain.DueDay) (DigestToday, error) {
	var d DigestToday
	now := day.Now
	// One snapshot, so the counts and the lists agree.
	err := pgx.BeginTxFunc(ctx, db.reads(), pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE due_at >= $2),
       count(*) FILTER (WHERE due_at < $2)
FROM tasks
WHERE club_id = $1 AND status IN ('new', 'in_progress') AND deleted_at IS NULL AND due_at < $3`,
			clubID, now, day.End).Scan(&d.DueToday, &d.OverdueNow); err != nil {
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
SELECT t.id, t.title, CASE WHEN t.title = tp.name THEN tp.names ELSE '{}' END, coalesce(c.name, ''), left(t.description, $4), coalesce(s.name, ''), t.due_at
FROM tasks t JOIN templates tp ON tp.club_id = t.club_id AND tp.id = t.template_id
LEFT JOIN staff s ON s.club_id = t.club_id AND s.id = t.assignee_id
LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
WHERE t.club_id = $1 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL AND t.due_at < $2
ORDER BY t.due_at, t.id
LIMIT $3`, clubID, now, DigestOverdueLimit, NoticeDescriptionLen)
		if err != nil {
			return fmt.Errorf("digest overdue list: %w", mapErr(err))
		}
		if d.Overdue, err = pgx.CollectRows(rows, pgx.RowToStructByPos[DigestOverdueTask]); err != nil {
			return fmt.Errorf("digest overdue list: %w", mapErr(err))
		}
		rows, err = tx.Query(ctx, `
SELECT s.name FROM staff s WHERE s.club_id = $1 AND s.active AND `+staffUnreachable+` ORDER BY s.name`, clubID)
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

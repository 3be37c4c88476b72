package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// StaffLoad is one staff member's line in task control.
type StaffLoad struct {
	StaffID     int64
	Name        string
	Role        domain.Role
	Unreachable bool // Telegram refused messages to them (blocked the bot)
	Open        int
	Overdue     int
	DoneToday   int // closed today in the club's zone
}

// ControlSummary is the head of task control: everyone's load and the
// unassigned tasks.
type ControlSummary struct {
	Staff             []StaffLoad
	Unassigned        int
	UnassignedOverdue int
}

// ControlSummaryGet counts, for every active staff member of the club, their
// open, overdue and done-today tasks ("today" is the club's local day of
// now), and the club's unassigned open tasks. Two aggregate queries.
func (db *DB) ControlSummaryGet(ctx context.Context, clubID int64, now time.Time, loc *time.Location) (ControlSummary, error) {
	if loc == nil {
		loc = time.UTC
	}
	dayStart, dayEnd := domain.LocalDay(now, loc)
	rows, err := db.pool.Query(ctx, `
SELECT s.id, s.name, s.role, `+staffUnreachable+`,
       count(t.id) FILTER (WHERE t.status IN ('new', 'in_progress')),
       count(t.id) FILTER (WHERE t.status IN ('new', 'in_progress') AND t.due_at < $2),
       count(t.id) FILTER (WHERE t.status = 'done' AND t.done_at >= $3 AND t.done_at < $4)
FROM staff s
LEFT JOIN tasks t ON t.club_id = s.club_id AND t.assignee_id = s.id AND t.deleted_at IS NULL
     AND (t.status IN ('new', 'in_progress') OR t.done_at >= $3)
WHERE s.club_id = $1 AND s.active
GROUP BY s.club_id, s.id
ORDER BY s.name, s.id`, clubID, now, dayStart, dayEnd)
	if err != nil {
		return ControlSummary{}, fmt.Errorf("task control: %w", mapErr(err))
	}
	loads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StaffLoad, error) {
		var l StaffLoad
		var role string
		err := row.Scan(&l.StaffID, &l.Name, &role, &l.Unreachable, &l.Open, &l.Overdue, &l.DoneToday)
		l.Role = domain.Role(role)
		return l, err
	})
	if err != nil {
		return ControlSummary{}, fmt.Errorf("task control: %w", mapErr(err))
	}
	sum := ControlSummary{Staff: loads}
	if sum.Staff == nil {
		sum.Staff = []StaffLoad{}
	}
	err = db.pool.QueryRow(ctx, `
SELECT count(*), count(*) FILTER (WHERE due_at < $2)
FROM tasks WHERE club_id = $1 AND assignee_id IS NULL AND status IN ('new', 'in_progress') AND deleted_at IS NULL`,
		clubID, now).Scan(&sum.Unassigned, &sum.UnassignedOverdue)
	if err != nil {
		return ControlSummary{}, fmt.Errorf("task control: unassigned: %w", mapErr(err))
	}
	return sum, nil
}

// ControlList names one of task control's lists.
type ControlList string

// Task control's lists.
const (
	ControlUnassigned ControlList = "unassigned" // open tasks nobody has
	ControlOverdue    ControlList = "overdue"    // open tasks past due, anyone's
)

// ControlListGet returns a page of one of task control's lists, most
// overdue (earliest due) first, tasks without a due time last.
//
// Each list has its own statement, so the planner sees a plain WHERE it can
// match to an index, also in a generic plan (no "$2 = 'unassigned' OR …"
// that reads every open task and filters). The page is chosen first, from
// the index alone where it can be (the unassigned list: an index-only scan
// of tasks_open_unassigned_due_idx, migration 00005), with the list's total
// counted on the way; only the page's rows are then joined to their names.
func (db *DB) ControlListGet(ctx context.Context, clubID int64, list ControlList, now time.Time, offset, limit int) (TaskPage, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	if offset < 0 {
		offset = 0
	}
	var (
		rows pgx.Rows
		err  error
	)
	switch list {
	case ControlUnassigned:
		rows, err = db.pool.Query(ctx, controlUnassignedSQL, clubID, offset, limit)
	case ControlOverdue:
		rows, err = db.pool.Query(ctx, controlOverdueSQL, clubID, now, offset, limit)
	default:
		return TaskPage{}, domain.Invalid(domain.CodeControlListInvalid, fmt.Sprintf("unknown control list %q", list), nil)
	}
	if err != nil {
		return TaskPage{}, fmt.Errorf("control list %s: %w", list, mapErr(err))
	}
	page, err := collectTaskPage(rows)
	if err != nil {
		return TaskPage{}, fmt.Errorf("control list %s: %w", list, mapErr(err))
	}
	return page, nil
}

// controlPageLines reads the task lines of the page a statement's "page"
// CTE (id, total) chose, in the lists' order; $1 is the club.
const controlPageLines = `
SELECT ` + taskLineColumns + `,
       p.total
FROM page p
JOIN tasks t ON t.club_id = $1 AND t.id = p.id` + taskLineJoins + `
ORDER BY t.due_at NULLS LAST, t.id`

// controlUnassignedSQL is the page of the club's open unassigned tasks
// ($2 offset, $3 limit). Its WHERE is the predicate of
// tasks_open_unassigned_due_idx and its order the index's, so the page and
// the total come from the index alone.
const controlUnassignedSQL = `
WITH page AS (
    SELECT t.id, count(*) OVER () AS total
    FROM tasks t
    WHERE t.club_id = $1 AND t.assignee_id IS NULL AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
    ORDER BY t.due_at NULLS LAST, t.id
    OFFSET $2 LIMIT $3
)` + controlPageLines

// controlOverdueSQL is the page of the club's open tasks due before $2
// ($3 offset, $4 limit), anyone's: a range of tasks_open_club_due_idx.
const controlOverdueSQL = `
WITH page AS (
    SELECT t.id, count(*) OVER () AS total
    FROM tasks t
    WHERE t.club_id = $1 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL AND t.due_at < $2
    ORDER BY t.due_at, t.id
    OFFSET $3 LIMIT $4
)` + controlPageLines

package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// TaskLine is a task as a list shows it: one line with a button.
type TaskLine struct {
	ID            int64
	Type          domain.TaskType
	Title         string
	Status        domain.Status
	TemplateName  string
	TemplateNames domain.Names // the template's name per language (TemplateNameIn)
	ClientName    string       // empty for tasks without a client
	AssigneeID    int64        // 0 while unassigned
	AssigneeName  string
	DueAt         *time.Time
}

// TaskFilter narrows a list of open tasks.
type TaskFilter string

// Task filters of "My tasks".
const (
	TaskFilterAll     TaskFilter = "all"
	TaskFilterToday   TaskFilter = "today"   // due today in the club's zone (overdue ones of today included)
	TaskFilterOverdue TaskFilter = "overdue" // due before now
)

// TaskListQuery selects a page of a staff member's open tasks.
type TaskListQuery struct {
	ClubID     int64
	AssigneeID int64
	Filter     TaskFilter
	Now        time.Time
	Loc        *time.Location // the club's zone, for "today"
	Offset     int
	Limit      int
	// WithBulk lists the bulk calls themselves too. "My tasks" leaves them
	// out: a bulk call's calls are its assignee's, one line each, and the
	// bulk call beside them would be one more line that is no call to make
	// and that closes by itself. Its creator follows it on its progress
	// message; managers see it in task control, which sets WithBulk.
	WithBulk bool
}

// TaskPage is a page of a list and the size of the whole list.
type TaskPage struct {
	Lines []TaskLine
	Total int
}

// taskLineColumns are the columns of a TaskLine, in collectTaskPage's
// order (which reads the page's total after them), over tasks t joined by
// taskLineJoins.
const taskLineColumns = `t.id, t.task_type, t.title, t.status, tp.name, tp.names, coalesce(c.name, ''), coalesce(t.assignee_id, 0), coalesce(s.name, ''), t.due_at`

// taskLineJoins add to tasks t the names a TaskLine shows.
const taskLineJoins = `
JOIN templates tp ON tp.club_id = t.club_id AND tp.id = t.template_id
LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
LEFT JOIN staff s ON s.club_id = t.club_id AND s.id = t.assignee_id`

const taskLineSelect = `
SELECT ` + taskLineColumns + `,
       count(*) OVER ()
FROM tasks t` + taskLineJoins

// collectTaskPage reads rows of taskLineColumns and the page's total.
func collectTaskPage(rows pgx.Rows) (TaskPage, error) {
	page := TaskPage{Lines: []TaskLine{}}
	for rows.Next() {
		var l TaskLine
		var typ, status string
		if err := rows.Scan(&l.ID, &typ, &l.Title, &status, &l.TemplateName, &l.TemplateNames, &l.ClientName, &l.AssigneeID, &l.AssigneeName, &l.DueAt, &page.Total); err != nil {
			rows.Close()
			return TaskPage{}, err
		}
		l.Type, l.Status = domain.TaskType(typ), domain.Status(status)
		page.Lines = append(page.Lines, l)
	}
	return page, rows.Err()
}

// TaskListMine returns a page of the staff member's open tasks, overdue
// first (they have the earliest due times), then by due time, tasks without
// a due time last. One query: the total comes from a window count.
func (db *DB) TaskListMine(ctx context.Context, q TaskListQuery) (TaskPage, error) {
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 10
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	// The filter's window as [from, to): "today" is the club's local day.
	var from, to *time.Time
	switch q.Filter {
	case TaskFilterToday:
		start, end := domain.LocalDay(q.Now, q.Loc)
		from, to = &start, &end
	case TaskFilterOverdue:
		to = &q.Now
	case TaskFilterAll, "":
	default:
		return TaskPage{}, domain.Invalid(domain.CodeTaskFilterInvalid, fmt.Sprintf("unknown task filter %q", q.Filter), nil)
	}
	rows, err := db.pool.Query(ctx, taskLineSelect+`
WHERE t.club_id = $1 AND t.assignee_id = $2 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
  AND ($3::timestamptz IS NULL OR t.due_at >= $3)
  AND ($4::timestamptz IS NULL OR t.due_at < $4)
  AND ($7 OR t.task_type <> 'bulk_call')
ORDER BY t.due_at NULLS LAST, t.id
OFFSET $5 LIMIT $6`, q.ClubID, q.AssigneeID, from, to, q.Offset, q.Limit, q.WithBulk)
	if err != nil {
		return TaskPage{}, fmt.Errorf("my tasks: %w", mapErr(err))
	}
	page, err := collectTaskPage(rows)
	if err != nil {
		return TaskPage{}, fmt.Errorf("my tasks: %w", mapErr(err))
	}
	return page, nil
}

// Task search limits.
const (
	taskSearchMaxQuery = 100
	taskSearchMaxLimit = 50
)

// TaskSearch finds the club's live tasks (open first, then the most recent
// closed ones) whose title or client name contains query, or whose client
// has a phone containing query's digits when query looks like a phone.
func (db *DB) TaskSearch(ctx context.Context, clubID int64, query string, limit int) ([]TaskLine, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, domain.Invalid(domain.CodeSearchQueryEmpty, "type part of a title, a name or a phone number", nil)
	}
	if utf8.RuneCountInString(q) > taskSearchMaxQuery {
		return nil, domain.Invalid(domain.CodeTooLong, fmt.Sprintf("the search is longer than %d characters", taskSearchMaxQuery),
			map[string]any{"limit": taskSearchMaxQuery})
	}
	if limit <= 0 || limit > taskSearchMaxLimit {
		limit = 10
	}
	digits, isPhone := phoneDigits(q)
	if !isPhone || len(digits) < 3 {
		digits = "" // too few digits to mean a phone: match text only
	}
	rows, err := db.pool.Query(ctx, taskSearchSQL, clubID, escapeLike(q), digits, limit)
	if err != nil {
		return nil, fmt.Errorf("task search: %w", mapErr(err))
	}
	page, err := collectTaskPage(rows)
	if err != nil {
		return nil, fmt.Errorf("task search: %w", mapErr(err))
	}
	return page.Lines, nil
}

// taskSearchSQL finds the ids by each way a task can match, each served by
// its own index (the trigram indexes on task titles, client names and
// phones, then tasks by client), and only then reads the tasks. One OR
// across the joined tables instead would make PostgreSQL read every task
// of the club and its client on every search.
const taskSearchSQL = taskLineSelect + `
WHERE t.club_id = $1 AND t.deleted_at IS NULL AND t.id IN (
    SELECT x.id FROM tasks x WHERE x.club_id = $1 AND lower(x.title) LIKE '%' || lower($2) || '%'
    UNION ALL
    SELECT x.id FROM clients xc JOIN tasks x ON x.club_id = xc.club_id AND x.client_id = xc.id
    WHERE xc.club_id = $1 AND lower(xc.name) LIKE '%' || lower($2) || '%'
    UNION ALL
    SELECT x.id FROM client_phones p JOIN tasks x ON x.club_id = p.club_id AND x.client_id = p.client_id
    WHERE $3 <> '' AND p.club_id = $1 AND p.phone LIKE '%' || $3 || '%')
ORDER BY t.status IN ('new', 'in_progress') DESC, t.due_at NULLS LAST, t.id DESC
LIMIT $4`

// TaskListByClient returns the client's live tasks, open ones first (by
// due), then the latest closed ones.
func (db *DB) TaskListByClient(ctx context.Context, clubID, clientID int64, limit int) ([]TaskLine, error) {
	if limit <= 0 || limit > taskSearchMaxLimit {
		limit = 10
	}
	rows, err := db.pool.Query(ctx, taskLineSelect+`
WHERE t.club_id = $1 AND t.client_id = $2 AND t.deleted_at IS NULL
ORDER BY t.status IN ('new', 'in_progress') DESC, CASE WHEN t.status IN ('new', 'in_progress') THEN t.due_at END NULLS LAST,
         t.updated_at DESC, t.id DESC
LIMIT $3`, clubID, clientID, limit)
	if err != nil {
		return nil, fmt.Errorf("tasks of client %d: %w", clientID, mapErr(err))
	}
	page, err := collectTaskPage(rows)
	if err != nil {
		return nil, fmt.Errorf("tasks of client %d: %w", clientID, mapErr(err))
	}
	return page.Lines, nil
}

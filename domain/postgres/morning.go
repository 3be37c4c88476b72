package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// MorningListLimit is how many tasks a morning list names; the rest are
// counted.
const MorningListLimit = 10

// MorningList is one staff member's open tasks for the day.
type MorningList struct {
	StaffID  int64
	DueToday int // due later today (domain.DueToday)
	Overdue  int // past due (domain.DueOverdue)
	// Tasks are the first MorningListLimit of them, earliest due first, so
	// the overdue ones lead.
	Tasks []MorningTask
}

// MorningTask is a line of a morning list.
type MorningTask struct {
	ID          int64
	Title       string
	TitleNames  domain.Names // the template's names per language when Title is its name (domain.Names.In)
	ClientName  string       // empty for tasks without a client
	Description string       // its start (NoticeDescriptionLen characters); empty when none
	DueAt       time.Time
}

// NoticeDescriptionLen is how much of a task's description the notices'
// lists read: enough for the few words a line quotes to tell tasks apart,
// never the whole 2000 characters.
const NoticeDescriptionLen = 100

// MorningListsGet reads the morning list of every active staff member of
// the club with open tasks due before day.End — those overdue and those due
// later today, as domain.DueDay defines them, the same as the digest — in
// staff id order. Staff with nothing due are not in the result. One
// statement: the counts are window aggregates over the same rows the lines
// come from.
func (db *DB) MorningListsGet(ctx context.Context, clubID int64, day domain.DueDay) ([]MorningList, error) {
	rows, err := db.reads().Query(ctx, `
SELECT assignee_id, due_today, overdue, id, title, title_names, client_name, description, due_at FROM (
    SELECT t.assignee_id, t.id, t.title, CASE WHEN t.title = tp.name THEN tp.names ELSE '{}' END AS title_names, coalesce(c.name, '') AS client_name, left(t.description, $5) AS description, t.due_at,
           row_number() OVER (PARTITION BY t.assignee_id ORDER BY t.due_at, t.id) AS n,
           count(*) FILTER (WHERE t.due_at >= $3) OVER (PARTITION BY t.assignee_id) AS due_today,
           count(*) FILTER (WHERE t.due_at < $3) OVER (PARTITION BY t.assignee_id) AS overdue
    FROM tasks t JOIN staff s ON s.club_id = t.club_id AND s.id = t.assignee_id
    JOIN templates tp ON tp.club_id = t.club_id AND tp.id = t.template_id
    LEFT JOIN clients c ON c.club_id = t.club_id AND c.id = t.client_id
    WHERE t.club_id = $1 AND s.active AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
      AND t.due_at < $2
) l
WHERE n <= $4
ORDER BY assignee_id, n`, clubID, day.End, day.Now, MorningListLimit, NoticeDescriptionLen)
	if err != nil {
		return nil, fmt.Errorf("morning lists of club %d: %w", clubID, mapErr(err))
	}
	defer rows.Close()
	out := []MorningList{}
	for rows.Next() {
		var staffID int64
		var dueToday, overdue int
		var task MorningTask
		if err := rows.Scan(&staffID, &dueToday, &overdue, &task.ID, &task.Title, &task.TitleNames, &task.ClientName, &task.Description, &task.DueAt); err != nil {
			return nil, fmt.Errorf("morning lists of club %d: %w", clubID, mapErr(err))
		}
		if len(out) == 0 || out[len(out)-1].StaffID != staffID {
			out = append(out, MorningList{StaffID: staffID, DueToday: dueToday, Overdue: overdue})
		}
		last := &out[len(out)-1]
		last.Tasks = append(last.Tasks, task)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("morning lists of club %d: %w", clubID, mapErr(err))
	}
	return out, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// DailyKind names a once-a-day notice kept in daily_runs.
type DailyKind string

// The once-a-day notices besides the digest.
const (
	DailyMorning DailyKind = "morning" // each staff member's list for the day
	DailyMidday  DailyKind = "midday"  // the managers' mid-day overdue summary
)

// DailyRunsStart records that the notices of kind for runs are due (INSERT
// … ON CONFLICT DO NOTHING, one statement for all clubs) and returns those
// of runs not yet sent: the ones just recorded and any recorded earlier
// whose job has not completed, which the caller enqueues again under the
// same job id. It is DigestRunsStart for the other daily notices.
func (db *DB) DailyRunsStart(ctx context.Context, kind DailyKind, runs []DigestRun, now time.Time) ([]DigestRun, error) {
	if len(runs) == 0 {
		return []DigestRun{}, nil
	}
	clubs := make([]int64, len(runs))
	dates := make([]string, len(runs))
	for i, r := range runs {
		clubs[i], dates[i] = r.ClubID, r.Date.String()
	}
	var out []DigestRun
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
INSERT INTO daily_runs (club_id, kind, local_date, enqueued_at)
SELECT r.club_id, $3, r.local_date, $4 FROM unnest($1::bigint[], $2::date[]) AS r(club_id, local_date)
ON CONFLICT (club_id, kind, local_date) DO NOTHING`, clubs, dates, string(kind), now); err != nil {
			return fmt.Errorf("start %s notices: %w", kind, mapErr(err))
		}
		rows, err := tx.Query(ctx, `
SELECT d.club_id, d.local_date FROM daily_runs d
JOIN unnest($1::bigint[], $2::date[]) AS r(club_id, local_date) ON r.club_id = d.club_id AND r.local_date = d.local_date
WHERE d.kind = $3 AND d.sent_at IS NULL
ORDER BY d.club_id`, clubs, dates, string(kind))
		if err != nil {
			return fmt.Errorf("start %s notices: %w", kind, mapErr(err))
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DigestRun, error) {
			var r DigestRun
			var d time.Time
			err := row.Scan(&r.ClubID, &d)
			r.Date = report.DateOf(d)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("start %s notices: %w", kind, mapErr(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DailyRunSentAt returns when the notice was sent, nil while it is not. A
// notice that was never started is ErrNotFound.
func (db *DB) DailyRunSentAt(ctx context.Context, kind DailyKind, clubID int64, date report.Date) (*time.Time, error) {
	var sent *time.Time
	err := db.pool.QueryRow(ctx, `SELECT sent_at FROM daily_runs WHERE club_id = $1 AND kind = $2 AND local_date = $3::date`,
		clubID, string(kind), date.String()).Scan(&sent)
	if err != nil {
		return nil, fmt.Errorf("%s notice of club %d for %s: %w", kind, clubID, date, mapErr(err))
	}
	return sent, nil
}

// DailyRunSent marks the notice sent; marking it again keeps the first time.
func (db *DB) DailyRunSent(ctx context.Context, kind DailyKind, clubID int64, date report.Date, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `
UPDATE daily_runs SET sent_at = coalesce(sent_at, $4) WHERE club_id = $1 AND kind = $2 AND local_date = $3::date`,
		clubID, string(kind), date.String(), at)
	if err != nil {
		return fmt.Errorf("mark %s notice of club %d for %s sent: %w", kind, clubID, date, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("mark %s notice of club %d for %s sent: %w", kind, clubID, date, domain.ErrNotFound)
	}
	return nil
}

// MorningListLimit is how many tasks a morning list names; the rest are
// counted.
const MorningListLimit = 10

// MorningList is one staff member's open tasks for the day.
type MorningList struct {
	StaffID  int64
	DueToday int // due later today (not yet overdue)
	Overdue  int // past due
	// Tasks are the first MorningListLimit of them, earliest due first, so
	// the overdue ones lead.
	Tasks []MorningTask
}

// MorningTask is a line of a morning list.
type MorningTask struct {
	ID    int64
	Title string
	DueAt time.Time
}

// MorningListsGet reads the morning list of every active staff member of
// the club with open tasks due before the end of today (today: the club's
// local day as a range) — those past due at now and those due later today —
// in staff id order. Staff with nothing due are not in the result. One
// statement: the counts are window aggregates over the same rows the lines
// come from.
func (db *DB) MorningListsGet(ctx context.Context, clubID int64, today report.Range, now time.Time) ([]MorningList, error) {
	rows, err := db.pool.Query(ctx, `
SELECT assignee_id, due_today, overdue, id, title, due_at FROM (
    SELECT t.assignee_id, t.id, t.title, t.due_at,
           row_number() OVER (PARTITION BY t.assignee_id ORDER BY t.due_at, t.id) AS n,
           count(*) FILTER (WHERE t.due_at >= $3) OVER (PARTITION BY t.assignee_id) AS due_today,
           count(*) FILTER (WHERE t.due_at < $3) OVER (PARTITION BY t.assignee_id) AS overdue
    FROM tasks t JOIN staff s ON s.club_id = t.club_id AND s.id = t.assignee_id
    WHERE t.club_id = $1 AND s.active AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
      AND t.due_at < $2
) l
WHERE n <= $4
ORDER BY assignee_id, n`, clubID, today.To, now, MorningListLimit)
	if err != nil {
		return nil, fmt.Errorf("morning lists of club %d: %w", clubID, mapErr(err))
	}
	defer rows.Close()
	out := []MorningList{}
	for rows.Next() {
		var staffID int64
		var dueToday, overdue int
		var task MorningTask
		if err := rows.Scan(&staffID, &dueToday, &overdue, &task.ID, &task.Title, &task.DueAt); err != nil {
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

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// DigestRun is one club's daily digest for one local date; (club, date) is
// the digest's idempotency key.
type DigestRun struct {
	ClubID int64
	Date   report.Date
}

// DigestRunsStart records that the digests of runs are due (INSERT … ON
// CONFLICT DO NOTHING, one statement for all clubs) and returns those of
// runs not yet sent: the ones just recorded, and any recorded earlier whose
// job has not completed (Redis lost it, the workers were down), which the
// caller enqueues again under the same job id.
func (db *DB) DigestRunsStart(ctx context.Context, runs []DigestRun, now time.Time) ([]DigestRun, error) {
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
INSERT INTO digest_runs (club_id, local_date, enqueued_at)
SELECT r.club_id, r.local_date, $3 FROM unnest($1::bigint[], $2::date[]) AS r(club_id, local_date)
ON CONFLICT (club_id, local_date) DO NOTHING`, clubs, dates, now); err != nil {
			return fmt.Errorf("start digests: %w", mapErr(err))
		}
		rows, err := tx.Query(ctx, `
SELECT d.club_id, d.local_date FROM digest_runs d
JOIN unnest($1::bigint[], $2::date[]) AS r(club_id, local_date) ON r.club_id = d.club_id AND r.local_date = d.local_date
WHERE d.sent_at IS NULL
ORDER BY d.club_id`, clubs, dates)
		if err != nil {
			return fmt.Errorf("start digests: %w", mapErr(err))
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DigestRun, error) {
			var r DigestRun
			var d time.Time
			err := row.Scan(&r.ClubID, &d)
			r.Date = report.DateOf(d)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("start digests: %w", mapErr(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DigestRunSentAt returns when the digest was sent, nil while it is not. A
// digest that was never started is ErrNotFound.
func (db *DB) DigestRunSentAt(ctx context.Context, clubID int64, date report.Date) (*time.Time, error) {
	var sent *time.Time
	err := db.pool.QueryRow(ctx, `SELECT sent_at FROM digest_runs WHERE club_id = $1 AND local_date = $2::date`,
		clubID, date.String()).Scan(&sent)
	if err != nil {
		return nil, fmt.Errorf("digest of club %d for %s: %w", clubID, date, mapErr(err))
	}
	return sent, nil
}

// DigestRunSent marks the digest sent; marking it again keeps the first time.
func (db *DB) DigestRunSent(ctx context.Context, clubID int64, date report.Date, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `
UPDATE digest_runs SET sent_at = coalesce(sent_at, $3) WHERE club_id = $1 AND local_date = $2::date`,
		clubID, date.String(), at)
	if err != nil {
		return fmt.Errorf("mark digest of club %d for %s sent: %w", clubID, date, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("mark digest of club %d for %s sent: %w", clubID, date, domain.ErrNotFound)
	}
	return nil
}

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
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
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

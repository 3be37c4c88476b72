package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// DailyRun is one club's once-a-day notice of some kind for one local
// date; (club, kind, date) is the notice's idempotency key in daily_runs.
type DailyRun struct {
	ClubID int64
	Date   report.Date
}

// DailyKind names a once-a-day notice kept in daily_runs.
type DailyKind string

// The once-a-day notices.
const (
	DailyDigest  DailyKind = "digest"  // the owners' and managers' digest
	DailyMorning DailyKind = "morning" // each staff member's list for the day
	DailyMidday  DailyKind = "midday"  // the managers' mid-day overdue summary
)

// DailyRunsStart records that the notices of kind for runs are due (INSERT
// … ON CONFLICT DO NOTHING, one statement for all clubs) and returns those
// of runs not yet sent: the ones just recorded and any recorded earlier
// whose job has not completed, which the caller enqueues again under the
// same job id.
func (db *DB) DailyRunsStart(ctx context.Context, kind DailyKind, runs []DailyRun, now time.Time) ([]DailyRun, error) {
	if len(runs) == 0 {
		return []DailyRun{}, nil
	}
	clubs := make([]int64, len(runs))
	dates := make([]string, len(runs))
	for i, r := range runs {
		clubs[i], dates[i] = r.ClubID, r.Date.String()
	}
	var out []DailyRun
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
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DailyRun, error) {
			var r DailyRun
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

// DailyRunMarkSent marks the notice sent; marking it again keeps the first
// time.
func (db *DB) DailyRunMarkSent(ctx context.Context, kind DailyKind, clubID int64, date report.Date, at time.Time) error {
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

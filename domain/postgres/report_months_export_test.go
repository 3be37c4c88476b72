package postgres

import (
	"context"
	"time"

	"github.com/clubcrm/clubcrm/domain/report"
)

// ReportPlanMonths is the stored months a report of the club over r would
// read at the store's now: the general report's plan, or with funnel the
// unfiltered funnel's (which also needs the club's current stage map).
func (db *DB) ReportPlanMonths(ctx context.Context, clubID int64, r report.Range, funnel bool) ([]time.Time, error) {
	key := ""
	if funnel {
		stages, m, err := funnelStages(ctx, db.pool, clubID)
		if err != nil {
			return nil, err
		}
		key = funnelKey(stages, m)
	}
	p, err := db.reportPlanFor(ctx, db.pool, clubID, r, db.clock.Now(), key)
	return p.stored, err
}

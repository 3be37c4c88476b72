package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/report"
)

// ReportExplain runs EXPLAIN (ANALYZE, BUFFERS) on the reports' main
// statements with the given parameters, for the benchmarks' logs.
func (db *DB) ReportExplain(ctx context.Context, clubID int64, r report.Range, f report.Filter, which string) (string, error) {
	args := reportArgs(clubID, r, f)
	var sql string
	switch which {
	case "tasks":
		sql, args = reportTaskGrainSQL, append(args, db.clock.Now())
	case "funnel":
		_, m, err := funnelStages(ctx, db.pool, clubID)
		if err != nil {
			return "", err
		}
		sql, args = reportFunnelSQL, funnelArgs(clubID, r, f, m)
	default:
		return "", fmt.Errorf("explain: unknown statement %q", which)
	}
	// In the report's own transaction, so its settings (work_mem) apply.
	var b strings.Builder
	err := db.reportSnapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
		return rows.Err()
	})
	return b.String(), err
}

// FanoutChunkPlan is the plan of a bulk call's next fan-out chunk, as
// FanoutChunk's transaction gets it (EXPLAIN, not run).
func (db *DB) FanoutChunkPlan(ctx context.Context, clubID, taskID int64, chunk int) (string, error) {
	var plan strings.Builder
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := fanoutPlanning(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+fanoutInsertSQL, clubID, taskID, int64(1), "t", 0, int64(0), int64(0), nil, db.clock.Now(), chunk)
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		plan.WriteString(strings.Join(lines, "\n"))
		return err
	})
	return plan.String(), err
}

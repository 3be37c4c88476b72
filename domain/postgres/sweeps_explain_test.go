package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// The cross-club sweeps (the outbox relay, its pruning, stalled fan-outs,
// due reminders, overdue notices, the daily runs) read every club by design,
// so TestHotQueriesUseClubIndexes leaves them out; but each runs all day
// against tables that grow with every club (a week of completed outbox rows
// is millions at thousands of clubs), so none may walk a tenant table or a
// whole index: every statement they send is EXPLAINed with sequential scans
// discouraged, and a sequential scan, or an index walked without a condition
// on its first column (but a partial index, which holds only the rows
// pending), is a failure.
//
// It caught the relay's claim joining its rows back by id alone after
// migration 00014 had made the key (club_id, id): a sequential scan of the
// whole outbox on every claim.
func TestSweepsUseIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, db, rec, club, other := recordingStore(t, "sweep", postgres.SyntheticInput{Tasks: 500, Clients: 100, Staff: 3, Years: 1, Seed: 5})
	// An outbox of a busy deployment: mostly completed rows kept for a
	// week, a few pending.
	pgtest.Exec(t, db, `
INSERT INTO outbox (club_id, kind, payload, created_at, available_at, handed_at, completed_at)
SELECT c, 'result.recorded', '{"task_id": 1}', $1::timestamptz - g * interval '1 minute', $1::timestamptz - g * interval '1 minute',
       $1::timestamptz - g * interval '1 minute', CASE WHEN g > 20 THEN $1::timestamptz - g * interval '1 minute' END
FROM generate_series(1, 5000) g, unnest($2::bigint[]) c`, genNow, []int64{club.id, other.id})
	// Bulk calls of the past, fanned out long ago, as every club has.
	pgtest.Exec(t, db, `
INSERT INTO bulk_calls (club_id, task_id, total, created, fanned_out_at, fanout_beat_at)
SELECT club_id, id, 10, 10, created_at, created_at FROM tasks ORDER BY id LIMIT 600`)
	pgtest.Exec(t, db, `ANALYZE`)

	rec.start()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	rows, err := db.OutboxClaim(ctx, genNow, 500, genNow.Add(2*time.Minute))
	must("OutboxClaim", err)
	if len(rows) < 2 {
		t.Fatalf("claimed %d rows, want the pending ones", len(rows))
	}
	must("OutboxMarkDone", db.OutboxMarkDone(ctx, rows[0].ClubID, rows[0].ID, genNow, ""))
	must("OutboxFail", db.OutboxFail(ctx, rows[1].ClubID, rows[1].ID, "no such kind"))
	_, err = db.OutboxCompleted(ctx, rows[0].ClubID, rows[0].ID)
	must("OutboxCompleted", err)
	must("OutboxRelease", db.OutboxRelease(ctx, []int64{rows[1].ID}, genNow.Add(time.Second), "redis down"))
	_, err = db.OutboxLag(ctx, genNow)
	must("OutboxLag", err)
	// A batch that is a small share of the table, as the relay's 5,000 are
	// of a week's rows: at a tenth of the table the planner rightly hashes.
	_, err = db.OutboxPrune(ctx, genNow.Add(-time.Hour), 100)
	must("OutboxPrune", err)
	_, err = db.FanoutStalled(ctx, genNow.Add(-15*time.Second), 10)
	must("FanoutStalled", err)
	_, err = db.DeliveriesPrune(ctx, genNow.Add(-30*24*time.Hour))
	must("DeliveriesPrune", err)
	_, err = db.ReminderListDue(ctx, genNow.Add(time.Minute), postgres.ReminderDue{}, 100)
	must("ReminderListDue", err)
	_, err = db.OverdueListPending(ctx, genNow)
	must("OverdueListPending", err)
	_, err = db.OverdueListUnsent(ctx, 100)
	must("OverdueListUnsent", err)
	_, err = db.OverdueNoticesPrune(ctx, genNow.Add(-7*24*time.Hour))
	must("OverdueNoticesPrune", err)
	_, err = db.DailyRunsStart(ctx, postgres.DailyDigest, []postgres.DailyRun{{ClubID: club.id, Date: report.DateOf(genNow)}, {ClubID: other.id, Date: report.DateOf(genNow)}}, genNow)
	must("DailyRunsStart", err)
	stmts := rec.stop()

	// Each index of a table with club_id: its table, and whether it is
	// partial.
	type index struct {
		table   string
		lead    string // the first column; empty for an expression
		partial bool
	}
	indexes := map[string]index{}
	tenant := map[string]bool{}
	r, err := pool.Query(ctx, `
SELECT c.relname, i.indexrelid::regclass::text, coalesce(a.attname, ''), i.indpred IS NOT NULL
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE c.relnamespace = 'public'::regnamespace
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'club_id')`)
	must("indexes", err)
	for r.Next() {
		var table, name, lead string
		var partial bool
		must("scan", r.Scan(&table, &name, &lead, &partial))
		indexes[name] = index{table, lead, partial}
		tenant[table] = true
	}
	r.Close()

	var problems []string
	explained := explainEach(t, pool, stmts, func(sql string, n map[string]any) {
		rel, _ := n["Relation Name"].(string)
		name, _ := n["Index Name"].(string)
		cond, _ := n["Index Cond"].(string)
		switch idx, isIndex := indexes[name]; {
		case n["Node Type"] == "Seq Scan" && tenant[rel]:
			problems = append(problems, fmt.Sprintf("sequential scan of %s in: %s", rel, firstLine(sql)))
		case isIndex && !idx.partial && (cond == "" || idx.lead != "" && !regexp.MustCompile(`\b`+idx.lead+`\b`).MatchString(cond)):
			// No condition, or none on the index's first column: the scan
			// walks the whole index, checking each entry.
			problems = append(problems, fmt.Sprintf("whole index %s of %s walked (condition %q) in: %s", name, idx.table, cond, firstLine(sql)))
		}
	})
	reportPlans(t, problems, explained, 12)
}

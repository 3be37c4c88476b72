package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A club with a funnel stores a month in which nobody reached a stage: its
// funnel walk is stored empty.
func TestReportMonthsBuildMonthWithoutFunnelHits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	c := repNewClub(t, db, "funnel")
	call := c.template("call", "Call", "personal_call", 1, false)
	c.stage("trial", "Trial", 1, false, c.result("trial", "Trial booked", 1))
	pgtest.Task(t, db, c.club, pgtest.TaskOpts{Template: call, Title: "No result", Client: c.client("Ivan"), Created: time.Now().AddDate(0, -2, 0)})
	n, err := db.ReportMonthsBuild(ctx, c.id)
	if err != nil || n == 0 {
		t.Fatalf("build: %d months, %v", n, err)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM report_period_funnel WHERE club_id = $1 AND clients = 0`, c.id); got != n {
		t.Fatalf("%d empty funnel walks stored, want one for each of the %d months", got, n)
	}
}

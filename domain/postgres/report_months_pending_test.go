package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// A club has months to store while some whole past month of its history is
// not stored for its time zone or changed since: history imported or
// generated, a change to old tasks, a move to another zone. Once built it
// is left alone; a club that is gone, or has only this month's work, never
// comes up. The trigger horizon is the database's real now, so the history
// here is months before time.Now().
func TestReportMonthsPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	now := time.Now()
	kyiv := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "kyiv"})
	ny := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "ny", TimeZone: "America/New_York"})
	fresh := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "fresh"})
	gone := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "gone"})

	pending := func(what string, want ...domain.Club) {
		t.Helper()
		got, err := db.ReportMonthsPending(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var ids []int64
		for _, c := range want {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(got, ids) {
			t.Fatalf("%s: pending clubs %v, want %v", what, got, ids)
		}
	}
	build := func(c domain.Club) int {
		t.Helper()
		n, err := db.ReportMonthsBuild(ctx, c.ID)
		if err != nil {
			t.Fatalf("build %s: %v", c.Slug, err)
		}
		return n
	}

	pending("no club has any history")

	old := pgtest.Task(t, db, kyiv, pgtest.TaskOpts{Title: "Five months ago", Created: now.AddDate(0, -5, 0)})
	pgtest.Task(t, db, ny, pgtest.TaskOpts{Title: "Three months ago", Created: now.AddDate(0, -3, 0)})
	pgtest.Task(t, db, fresh, pgtest.TaskOpts{Title: "Today", Created: now})
	pgtest.Task(t, db, gone, pgtest.TaskOpts{Title: "Four months ago", Created: now.AddDate(0, -4, 0)})
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, gone.ID)
	pending("history written", kyiv, ny)

	if n := build(kyiv); n < 4 {
		t.Fatalf("kyiv: built %d months, want the 4 or 5 whole months since its first task", n)
	}
	pending("kyiv built", ny)
	if n := build(ny); n < 2 {
		t.Fatalf("ny: built %d months, want the 2 or 3 whole months since its first task", n)
	}
	pending("both built")
	if n := build(kyiv); n != 0 {
		t.Fatalf("kyiv again: built %d months, want none", n)
	}

	// The five-month-old task is cancelled on its day: a change to a stored
	// month, logged by the trigger; the month is stored again.
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled', cancelled_at = created_at + interval '1 hour' WHERE id = $1`, old.ID)
	pending("an old task of kyiv changed", kyiv)
	if n := build(kyiv); n != 1 {
		t.Fatalf("kyiv after the change: built %d months, want 1", n)
	}
	pending("the changed month stored again")

	// A task written into the past of a stored month (an import) does too.
	pgtest.Task(t, db, ny, pgtest.TaskOpts{Title: "Imported", Created: now.AddDate(0, -2, 0)})
	pending("a task imported into ny's past", ny)
	build(ny)
	pending("the imported month stored")

	// The club moves: every month stored for New York is of the wrong
	// calendar now, and all of them are stored again for Kyiv.
	pgtest.Exec(t, db, `UPDATE clubs SET time_zone = 'Europe/Kyiv' WHERE id = $1`, ny.ID)
	pending("ny moved to Kyiv", ny)
	if n := build(ny); n < 2 {
		t.Fatalf("ny in Kyiv: built %d months, want every whole month again", n)
	}
	pending("ny stored for Kyiv")

	// The funnel's stages change (a plan applied): the months' funnel
	// walks were stored under the old stages, and are stored again.
	pgtest.Exec(t, db, `INSERT INTO funnel_stages (club_id, key, name, position) VALUES ($1, 'trial', 'Trial', 1)`, kyiv.ID)
	pending("kyiv's funnel got a stage", kyiv)
	if n := build(kyiv); n < 4 {
		t.Fatalf("kyiv with its new stage: built %d months, want every month again", n)
	}
	pending("kyiv stored under its new stage")
}

// A club with more past months than one build stores stays pending until
// every month is stored, so the sweep gets to the oldest ones too.
func TestReportMonthsPendingUntilEveryMonthIsStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	club := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "long"})
	pgtest.Task(t, db, club, pgtest.TaskOpts{Title: "Four years ago", Created: time.Now().AddDate(-4, 0, 0)})
	// The history was imported long ago: no change is logged, only the
	// months are missing.
	pgtest.Exec(t, db, `DELETE FROM report_dirty`)
	rounds := 0
	for {
		got, err := db.ReportMonthsPending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		if rounds++; rounds > 3 {
			t.Fatalf("still pending after %d builds", rounds-1)
		}
		if _, err := db.ReportMonthsBuild(ctx, club.ID); err != nil {
			t.Fatal(err)
		}
	}
	months := pgtest.Count(t, db, `SELECT count(*) FROM report_periods WHERE club_id = $1 AND period_end - period_start > interval '27 days'`, club.ID)
	days := pgtest.Count(t, db, `SELECT count(*) FROM report_periods WHERE club_id = $1 AND period_end - period_start < interval '26 hours'`, club.ID)
	if months < 47 {
		t.Fatalf("%d months stored, want every whole month of four years", months)
	}
	// The closed days of the month still going are stored too: as many as
	// have ended three days before now since the month began.
	loc, err := club.Location()
	if err != nil {
		t.Fatal(err)
	}
	horizon := report.DateOf(time.Now().Add(-3 * 24 * time.Hour).In(loc))
	if days != horizon.Day-1 {
		t.Fatalf("%d days stored, want the %d closed days of the month still going", days, horizon.Day-1)
	}
	if want := (months + days + 35) / 36; rounds != want {
		t.Fatalf("pending for %d builds, want %d (%d months and %d days, 36 a build)", rounds, want, months, days)
	}
}

// A funnel with more stages than reports handle does not keep a club's
// other figures from being stored, nor the club on the sweep's list.
func TestReportMonthsWithAFunnelTooLong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	club := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "long-funnel"})
	pgtest.Task(t, db, club, pgtest.TaskOpts{Title: "Three months ago", Created: time.Now().AddDate(0, -3, 0)})
	pgtest.Exec(t, db, `INSERT INTO funnel_stages (club_id, key, name, position)
SELECT $1, 's' || g, 'Stage ' || g, g FROM generate_series(1, $2::int + 1) g`, club.ID, postgres.MaxFunnelStages)
	n, err := db.ReportMonthsBuild(ctx, club.ID)
	if err != nil {
		t.Fatalf("build with %d stages: %v", postgres.MaxFunnelStages+1, err)
	}
	if n < 2 {
		t.Fatalf("built %d periods, want the months since the task", n)
	}
	if got, err := db.ReportMonthsPending(ctx); err != nil || len(got) != 0 {
		t.Fatalf("pending after the build: %v, %v; want none", got, err)
	}
	if walks := pgtest.Count(t, db, `SELECT count(*) FROM report_period_funnel WHERE club_id = $1`, club.ID); walks != 0 {
		t.Fatalf("%d funnel walks stored for a funnel no report reads", walks)
	}
}

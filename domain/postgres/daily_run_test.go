package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// The daily kinds are separate runs of one table, each once per club and
// local date; a run started but not sent (its job was lost) is returned
// again; marking sent keeps the first time.
func TestDailyRuns(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := pgtest.NewClub(t, db, "alpha"), pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	day := report.Date{Year: 2026, Month: 3, Day: 29}
	now := time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC)
	runs := []postgres.DailyRun{{ClubID: a.Club.ID, Date: day}, {ClubID: b.Club.ID, Date: day}}
	kinds := []postgres.DailyKind{postgres.DailyDigest, postgres.DailyMorning, postgres.DailyMidday}
	for _, kind := range kinds {
		for i := range 2 { // started twice (two schedulers): one row, returned while unsent
			got, err := db.DailyRunsStart(ctx, kind, runs, now.Add(time.Duration(i)*time.Minute))
			if err != nil || len(got) != 2 || got[0] != runs[0] || got[1] != runs[1] {
				t.Fatalf("%s start: %+v, %v", kind, got, err)
			}
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM daily_runs`); n != 2*len(kinds) {
		t.Fatalf("%d daily runs, want %d (2 clubs × %d kinds)", n, 2*len(kinds), len(kinds))
	}
	for _, kind := range kinds {
		if sent, err := db.DailyRunSentAt(ctx, kind, a.Club.ID, day); err != nil || sent != nil {
			t.Fatalf("%s sent at before sending: %v, %v", kind, sent, err)
		}
	}
	for _, kind := range []postgres.DailyKind{postgres.DailyDigest, postgres.DailyMorning} {
		if err := db.DailyRunMarkSent(ctx, kind, a.Club.ID, day, now); err != nil {
			t.Fatalf("%s sent: %v", kind, err)
		}
		if err := db.DailyRunMarkSent(ctx, kind, a.Club.ID, day, now.Add(time.Hour)); err != nil {
			t.Fatalf("%s sent again: %v", kind, err)
		}
		if sent, err := db.DailyRunSentAt(ctx, kind, a.Club.ID, day); err != nil || sent == nil || !sent.Equal(now) {
			t.Fatalf("%s sent at %v, %v; want the first time, %s", kind, sent, err, now)
		}
		// A sent run is not returned; the other club's still is.
		got, err := db.DailyRunsStart(ctx, kind, runs, now)
		if err != nil || len(got) != 1 || got[0] != runs[1] {
			t.Fatalf("%s start after one was sent: %+v, %v; want only beta's", kind, got, err)
		}
	}
	if sent, err := db.DailyRunSentAt(ctx, postgres.DailyMidday, a.Club.ID, day); err != nil || sent != nil {
		t.Fatalf("midday of the same club and day: sent at %v, %v; want unsent", sent, err)
	}
	if empty, err := db.DailyRunsStart(ctx, postgres.DailyDigest, nil, now); err != nil || len(empty) != 0 {
		t.Fatalf("no runs: %+v, %v", empty, err)
	}

	if _, err := db.DailyRunSentAt(ctx, postgres.DailyMorning, a.Club.ID, day.AddDays(1)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("sent at of a run never started: %v, want ErrNotFound", err)
	}
	if err := db.DailyRunMarkSent(ctx, postgres.DailyMidday, a.Club.ID, day.AddDays(1), now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("marking a run never started: %v, want ErrNotFound", err)
	}
	if _, err := db.DailyRunsStart(ctx, "weekly", runs, now); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("unknown kind: %v, want ErrInvalid", err)
	}
	if _, err := db.DailyRunsStart(ctx, postgres.DailyDigest, []postgres.DailyRun{{ClubID: 1 << 40, Date: day}}, now); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("unknown club: %v, want ErrInvalid", err)
	}
}

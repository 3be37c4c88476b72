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

// With a replica named, reports and digests read from it. The "replica"
// here is a second database that alone holds the club: a report that read
// the primary would not find the club at all.
func TestReportsReadFromReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	primaryURL, replicaURL := pgtest.NewURL(t), pgtest.NewURL(t)
	seed, err := postgres.Open(ctx, replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	club := repNewClub(t, seed, "replica")
	if _, err := seed.SyntheticFill(ctx, genSmall(club.id)); err != nil {
		t.Fatal(err)
	}
	r := report.PeriodRange(report.PeriodLastMonth, genNow, time.UTC)
	today := domain.DueDayAt(genNow, time.UTC)

	plain, err := postgres.Open(ctx, primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.ReportGeneral(ctx, club.id, r, report.Filter{}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("without a replica the report read the primary: want ErrNotFound, got %v", err)
	}

	db, err := postgres.Open(ctx, primaryURL, postgres.WithReplicaURL(replicaURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := db.ReportGeneral(ctx, club.id, r, report.Filter{})
	if err != nil || g.Totals.Created == 0 {
		t.Errorf("general report from the replica: %+v, %v", g.Totals, err)
	}
	if fn, err := db.ReportFunnel(ctx, club.id, r, report.Filter{}); err != nil || len(fn.Stages) == 0 {
		t.Errorf("funnel report from the replica: %d stages, %v", len(fn.Stages), err)
	}
	if _, err := db.DigestTodayGet(ctx, club.id, today); err != nil {
		t.Errorf("digest from the replica: %v", err)
	}
	if _, err := db.MorningListsGet(ctx, club.id, today); err != nil {
		t.Errorf("morning lists from the replica: %v", err)
	}
	// Writes still go to the primary.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clubs WHERE id = $1`, club.id); n != 0 {
		t.Errorf("the primary has the replica's club")
	}
	if _, err := postgres.Open(ctx, primaryURL, postgres.WithReplicaURL("postgres://nobody@127.0.0.1:1/x?connect_timeout=1")); err == nil {
		t.Error("an unreachable replica was accepted")
	}
}

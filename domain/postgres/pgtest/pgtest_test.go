package pgtest_test

import (
	"context"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestNewGivesIsolatedMigratedDatabases(t *testing.T) {
	t.Parallel()
	a := pgtest.New(t)
	b := pgtest.New(t)
	pgtest.Exec(t, a, "INSERT INTO clubs (slug, name, time_zone) VALUES ('a', 'A', 'Europe/Kyiv')")
	if n := pgtest.Count(t, a, "SELECT count(*) FROM clubs"); n != 1 {
		t.Fatalf("database a has %d clubs, want 1", n)
	}
	if n := pgtest.Count(t, b, "SELECT count(*) FROM clubs"); n != 0 {
		t.Fatalf("database b sees %d clubs of database a, want 0", n)
	}
	res, err := a.Migrate(context.Background())
	if err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	if len(res.Applied) != 0 || res.Current == 0 {
		t.Fatalf("migrate on a migrated database applied %v (current %d), want nothing", res.Applied, res.Current)
	}
}

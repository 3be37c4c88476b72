package main

import (
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// On a database never migrated every admin command says to run `clubcrm
// migrate`, in one line, instead of `relation "clubs" does not exist`, and
// creates nothing.
func TestAdminCommandsOnAnUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	resetSchema(t, url)
	env := map[string]string{"DATABASE_URL": url, "TELEGRAM_BOT_USERNAME": "ClubCrmBot"}
	csv := writeTemp(t, "c.csv", "name,phone\nA,+380501234567\n")
	plan := writeTemp(t, "p.yaml", "club:\n  slug: x\n  name: X\n  time_zone: UTC\n")
	for _, args := range [][]string{
		{"club", "list"},
		{"club", "apply", plan},
		{"staff", "list", "--club", "1"},
		{"staff", "invite", "--club", "1", "--role", "owner"},
		{"staff", "deactivate", "--club", "1", "--staff", "1"},
		{"clients", "import", "--club", "1", csv},
		{"report", "general", "--club", "1", "--from", "2026-01-01", "--to", "2026-01-31"},
		{"gen", "--club", "1", "--tasks", "10", "--clients", "10", "--staff", "2"},
	} {
		_, _, err := runCmd(t, env, args...)
		if err == nil || !strings.Contains(err.Error(), "run `clubcrm migrate` first") || strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%q: %v", args, err)
		}
	}
	db := openTestDB(t, url)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Fatalf("an admin command created %d tables", n)
	}
	if _, _, err := runCmd(t, env, "migrate"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, env, "club", "list"); err != nil || !strings.Contains(out, "no clubs yet") {
		t.Fatalf("after migrate: %v %q", err, out)
	}
}

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestClubList(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	out, _, err := runCmd(t, env, "club", "list")
	if err != nil || !strings.Contains(out, "no clubs yet") {
		t.Fatalf("empty: %v %q", err, out)
	}
	a := pgtest.NewClub(t, db, "alpha")
	b := pgtest.NewClub(t, db, "beta")
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, b.Colleague.ID)
	out, _, err = runCmd(t, env, "club", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID  SLUG   NAME        TIME ZONE    STAFF  CLIENTS") {
		t.Fatalf("club list:\n%s", out)
	}
	for i, want := range []string{
		fmt.Sprintf("%d   alpha  Club alpha  Europe/Kyiv  3      2", a.Club.ID),
		fmt.Sprintf("%d   beta   Club beta   Europe/Kyiv  2      2", b.Club.ID),
	} {
		if strings.TrimRight(lines[i+1], " ") != want {
			t.Errorf("line %d: %q, want %q", i+1, lines[i+1], want)
		}
	}
	if _, _, err := runCmd(t, env, "club", "list", "extra"); err == nil {
		t.Fatal("extra argument accepted")
	}
}

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// Bad rows the reader refuses and rows the store leaves out (a phone that
// comes again later) are printed together by line: the first 20 of the
// file, then how many more; the summary counts them all.
func TestClientsImportBadRowsInFileOrder(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	var sb strings.Builder
	sb.WriteString("name,phone\n")
	for i := range 30 {
		fmt.Fprintf(&sb, "Draft %d,+38050%07d\n", i, i) // line 2+2i: replaced by a row at the end
		fmt.Fprintf(&sb, "Bad %d,not a phone\n", i)     // line 3+2i
	}
	for i := range 30 {
		fmt.Fprintf(&sb, "Final %d,+38050%07d\n", i, i) // line 62+i
	}
	path := writeTemp(t, "mixed.csv", sb.String())

	out, errOut, err := runCmd(t, env, "clients", "import", "--club", fmt.Sprint(f.Club.ID), path)
	if err != nil || out != "imported 30 new, updated 0, unchanged 0, 60 rows with errors\n" {
		t.Fatalf("%v %q\n%s", err, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 21 || lines[20] != path+": and 40 more rows with errors" {
		t.Fatalf("%d lines on stderr:\n%s", len(lines), errOut)
	}
	for i, l := range lines[:20] {
		want := fmt.Sprintf("%s:%d: phone +38050%07d appears again on line %d, which replaces this row", path, i+2, i/2, 62+i/2)
		if i%2 == 1 {
			want = fmt.Sprintf("%s:%d: phone \"not a phone\"", path, i+2)
		}
		if !strings.HasPrefix(l, want) {
			t.Errorf("stderr line %d = %q, want prefix %q", i, l, want)
		}
	}
}

// Updated counts the clients the file actually changes; the others are
// unchanged, however many rows find their client.
func TestClientsImportCountsOnlyChangedClientsAsUpdated(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	club := fmt.Sprint(f.Club.ID)
	first := writeTemp(t, "first.csv", "name,phone,email,status\nA,0501110001,a@example.com,active\nB,0501110002,,trial\nC,0501110003,,\n")
	if out, _, err := runCmd(t, env, "clients", "import", "--club", club, first); err != nil || out != "imported 3 new, updated 0, unchanged 0, 0 rows with errors\n" {
		t.Fatalf("first import: %v %q", err, out)
	}
	// B gets a new status, C a second phone; A's empty email keeps the stored one.
	second := writeTemp(t, "second.csv", "name,phone,email,status\nA,0501110001,,active\nB,0501110002,,lapsed\nC,\"0501110003, 0671110003\",,\n")
	if out, _, err := runCmd(t, env, "clients", "import", "--club", club, second); err != nil || out != "imported 0 new, updated 2, unchanged 1, 0 rows with errors\n" {
		t.Fatalf("second import: %v %q", err, out)
	}
	if out, _, err := runCmd(t, env, "clients", "import", "--club", club, second); err != nil || out != "imported 0 new, updated 0, unchanged 3, 0 rows with errors\n" {
		t.Fatalf("third import: %v %q", err, out)
	}
}

// A limit broken deep in a file, after thousands of rows have gone to the
// database, fails the import as a whole: one line naming the line, and none
// of the rows before it written.
func TestClientsImportLimitMidFileWritesNothing(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)
	var sb strings.Builder
	sb.WriteString("name,phone\n")
	for i := range 10_000 {
		fmt.Fprintf(&sb, "Client %d,+38050%07d\n", i, i)
	}
	sb.WriteString("\"" + strings.Repeat("x", 70<<10) + "\",+380670000001\n") // line 10,002
	path := writeTemp(t, "late.csv", sb.String())

	out, errOut, err := runCmd(t, env, "clients", "import", "--club", fmt.Sprint(f.Club.ID), path)
	want := fmt.Sprintf("clients import: %s:10002: the line is longer than 64 KB; a client row is far shorter: is this the client list?; nothing was imported", path)
	if err == nil || err.Error() != want || out != "" || errOut != "" {
		t.Fatalf("got %v\nstdout: %s\nstderr: %s\nwant %s", err, out, errOut, want)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before {
		t.Fatalf("%d clients written by a refused file", n-before)
	}
}

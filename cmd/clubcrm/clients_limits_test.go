package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/clientcsv"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A file too large, or with a line too long (one enormous cell), is refused
// with one line naming it, before it is held in memory; nothing is written.
// Many bad rows print the first few and count the rest.
func TestClientsImportLimits(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	club := fmt.Sprint(f.Club.ID)
	dir := t.TempDir()
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)

	long := filepath.Join(dir, "long.csv")
	body := "name,phone,email\nA,+380501111111,a@example.com\nB,+380502222222,\"" + strings.Repeat("x", clientcsv.MaxLineBytes+10) + "\"\n"
	if err := os.WriteFile(long, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCmd(t, env, "clients", "import", "--club", club, long)
	if err == nil || err.Error() != fmt.Sprintf("clients import: %s:3: the line is longer than 64 KB; a client row is far shorter: is this the client list?; nothing was imported", long) {
		t.Fatalf("long line: %v", err)
	}

	// A sparse file: its size is what is refused, before a byte is read.
	big := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(big, []byte("name,phone\nClient,+380501234567\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, clientcsv.MaxFileBytes+1); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, env, "clients", "import", "--club", club, big)
	if err == nil || err.Error() != fmt.Sprintf("clients import: %s: the file is larger than 1 GB; split it into smaller files; nothing was imported", big) {
		t.Fatalf("big file: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before {
		t.Fatalf("a refused file wrote %d clients", n-before)
	}

	var sb strings.Builder
	sb.WriteString("name,phone\nGood,+380507777777\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "Bad %d,not a phone\n", i)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCmd(t, env, "clients", "import", "--club", club, bad)
	if err != nil || out != "imported 1 new, updated 0, unchanged 0, 50 rows with errors\n" {
		t.Fatalf("bad rows: %v %q", err, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 21 || !strings.HasPrefix(lines[0], bad+":3: ") || lines[20] != bad+": and 30 more rows with errors" {
		t.Fatalf("%d lines on stderr:\n%s", len(lines), errOut)
	}
}

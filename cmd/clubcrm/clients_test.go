package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// cmdDB gives a command test its own database: the environment for run()
// and a store to set up and inspect it.
func cmdDB(t *testing.T) (map[string]string, *postgres.DB) {
	t.Helper()
	url := pgtest.NewURL(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return map[string]string{"DATABASE_URL": url}, db
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientsImportExample(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	club := fmt.Sprint(f.Club.ID)
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)

	out, errOut, err := runCmd(t, env, "clients", "import", "--club", club, "../../examples/clients.csv")
	if err != nil || out != "imported 12 new, updated 0, unchanged 0, 0 rows with errors\n" || errOut != "" {
		t.Fatalf("first import: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	// Again, with the flag after the file: every row finds its client and
	// changes nothing, nothing is duplicated.
	out, errOut, err = runCmd(t, env, "clients", "import", "../../examples/clients.csv", "--club", club)
	if err != nil || out != "imported 0 new, updated 0, unchanged 12, 0 rows with errors\n" || errOut != "" {
		t.Fatalf("re-import: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before+12 {
		t.Fatalf("%d clients, want %d", n, before+12)
	}
	// A client with two phones in one cell, stored in E.164.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones p JOIN clients c ON c.id = p.client_id
WHERE c.name = 'Марина Петрова (мама Софії)' AND p.phone IN ('+380663456789', '+380673456780')`); n != 2 {
		t.Fatalf("Marina's phones: %d", n)
	}
}

func TestClientsImportBadRows(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	pgtest.NewClub(t, db, "alpha") // the only club: --club may be left out
	path := "../../examples/clients-bad.csv"

	out, errOut, err := runCmd(t, env, "clients", "import", path)
	if err != nil {
		t.Fatalf("bad rows must not fail the command: %v\n%s", err, errOut)
	}
	if out != "imported 3 new, updated 0, unchanged 0, 6 rows with errors\n" {
		t.Fatalf("stdout %q", out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	wantPrefixes := []string{path + ":2: phone +380671112233 appears again on line 9", path + ":4: ", path + ":5: ",
		path + ":6: ", path + ":7: ", path + ":8: "}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("stderr:\n%s", errOut)
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("stderr line %d = %q, want prefix %q", i, lines[i], p)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE name IN ('Олег Ковальчук', 'Алла Литвиненко', 'Зоя Кравченко')`); n != 3 {
		t.Fatalf("good rows imported: %d", n)
	}
	// Re-import: the good rows update, the bad ones are reported again.
	out, _, err = runCmd(t, env, "clients", "import", path)
	if err != nil || out != "imported 0 new, updated 0, unchanged 3, 6 rows with errors\n" {
		t.Fatalf("re-import: %v %q", err, out)
	}
}

func TestClientsImportRowMatchingTwoClients(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	phones := make([]string, 2)
	for i, id := range f.Clients {
		if err := db.Pool().QueryRow(context.Background(), `SELECT phone FROM client_phones WHERE client_id = $1`, id).Scan(&phones[i]); err != nil {
			t.Fatal(err)
		}
	}
	path := writeTemp(t, "merge.csv", fmt.Sprintf("name,phone\nBoth,\"%s, %s\"\nNew,+380501234567\n", phones[0], phones[1]))
	out, errOut, err := runCmd(t, env, "clients", "import", path)
	if err != nil || out != "imported 1 new, updated 0, unchanged 0, 1 rows with errors\n" || !strings.HasPrefix(errOut, path+":2: the phones belong to different clients") {
		t.Fatalf("%v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
}

func TestClientsImportRefusals(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	club := fmt.Sprint(f.Club.ID)
	good := writeTemp(t, "good.csv", "name,phone\nA,0501112233\n")
	clients := func() int { return pgtest.Count(t, db, `SELECT count(*) FROM clients`) }
	before := clients()

	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		usage bool   // a usage error (exit status 2)
		want  string // in the error
	}{
		{"no file", env, []string{"--club", club}, true, "needs a CSV file"},
		{"two files", env, []string{"--club", club, good, good}, true, "one CSV file"},
		{"bad flag", env, []string{"--clubb", club, good}, true, "clubb"},
		{"club not a number", env, []string{"--club", "alpha", good}, true, "invalid value"},
		{"missing file", env, []string{"--club", club, "/nonexistent/clients.csv"}, false, "no such file"},
		{"directory", env, []string{"--club", club, t.TempDir()}, false, "not a regular file"},
		{"unknown club", env, []string{"--club", "999999", good}, false, "there is no club with id 999999"},
		{"unknown column", env, []string{"--club", club, writeTemp(t, "x.csv", "name,phone,birthday\nA,0501112233,1990\n")}, false, ":1: unknown column \"birthday\""},
		{"empty file", env, []string{"--club", club, writeTemp(t, "empty.csv", "")}, false, ":1: the file is empty"},
		{"not UTF-8", env, []string{"--club", club, writeTemp(t, "cp1251.csv", "\xc8\xec\xff;\xd2\xe5\xeb\xe5\xf4\xee\xed\n")}, false, "not UTF-8"},
		{"database down", map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, []string{"--club", club, good}, false, "connect to database"},
	}
	for _, tt := range tests {
		_, _, err := runCmd(t, tt.env, append([]string{"clients", "import"}, tt.args...)...)
		var ue usageError
		if err == nil || errors.As(err, &ue) != tt.usage || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v (usage error: %v), want one line containing %q", tt.name, err, errors.As(err, &ue), tt.want)
		}
	}
	if n := clients(); n != before {
		t.Fatalf("refused imports wrote %d clients", n-before)
	}

	// Two clubs and no --club: the command cannot guess.
	pgtest.NewClub(t, db, "beta")
	_, _, err := runCmd(t, env, "clients", "import", good)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--club") {
		t.Fatalf("two clubs without --club: %v", err)
	}
}

func TestClientsImportNoClub(t *testing.T) {
	t.Parallel()
	env, _ := cmdDB(t)
	good := writeTemp(t, "good.csv", "name,phone\nA,0501112233\n")
	_, _, err := runCmd(t, env, "clients", "import", good)
	if err == nil || !strings.Contains(err.Error(), "no club yet") {
		t.Fatalf("empty database: %v", err)
	}
}

// A file whose data rows are all bad imports nothing, and a script must see
// that as a failure (exit status 1), with every bad row still reported by its
// line. Rows the store leaves out count as bad like rows the parser refuses.
func TestClientsImportNothingImportedFails(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	var phones [2]string
	for i, id := range f.Clients {
		if err := db.Pool().QueryRow(context.Background(), `SELECT phone FROM client_phones WHERE client_id = $1`, id).Scan(&phones[i]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		text      string
		wantLines []string // bad lines reported on stderr
	}{
		{"parser refuses every row", "name,phone,email\nNo Phone,,\nBad Phone,call me,\n,0501112233,\nBad Mail,0501112244,x@\n",
			[]string{":2: ", ":3: ", ":4: ", ":5: "}},
		{"store leaves every row out", fmt.Sprintf("name,phone\nBoth,\"%s, %s\"\n", phones[0], phones[1]),
			[]string{":2: the phones belong to different clients"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)
			path := writeTemp(t, "bad.csv", tt.text)
			out, errOut, err := runCmd(t, env, "clients", "import", path)
			var ue usageError
			if err == nil || errors.As(err, &ue) {
				t.Fatalf("got %v (usage error: %v), want a failure (exit status 1)", err, errors.As(err, &ue))
			}
			want := fmt.Sprintf("clients import: %s: none of the %d data rows could be imported", path, len(tt.wantLines))
			if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line starting %q", err, want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing: the error says what happened", out)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != len(tt.wantLines) {
				t.Fatalf("stderr:\n%s", errOut)
			}
			for i, w := range tt.wantLines {
				if !strings.HasPrefix(lines[i], path+w) {
					t.Errorf("stderr line %d = %q, want prefix %q", i, lines[i], path+w)
				}
			}
			if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before {
				t.Errorf("%d clients written", n-before)
			}
		})
	}

	// A header without data rows is not a failure: there was nothing to import.
	out, errOut, err := runCmd(t, env, "clients", "import", writeTemp(t, "header.csv", "name,phone\n"))
	if err != nil || out != "imported 0 new, updated 0, unchanged 0, 0 rows with errors\n" || errOut != "" {
		t.Fatalf("header only: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
}

// When the database fails mid-import the command says so once, naming the
// command and the file, not the command and then the store's operation
// ("clients import: client import: ..."), and nothing is written.
func TestClientsImportDatabaseFailureMessage(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	pgtest.NewClub(t, db, "alpha")
	// The phones go in after the clients: a failure there leaves the new
	// clients written by the same transaction behind unless it rolls back.
	pgtest.Exec(t, db, `CREATE FUNCTION refuse_phone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'disk full (test)'; END $$`)
	pgtest.Exec(t, db, `CREATE TRIGGER refuse_phone BEFORE INSERT ON client_phones FOR EACH ROW EXECUTE FUNCTION refuse_phone()`)
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)

	path := writeTemp(t, "good.csv", "name,phone\nA,0501112233\nB,0501112244\n")
	out, _, err := runCmd(t, env, "clients", "import", path)
	if err == nil {
		t.Fatalf("import with a failing database succeeded: %s", out)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "clients import: "+path+": ") || strings.Count(msg, "import:") != 1 ||
		!strings.Contains(msg, "disk full (test)") || !strings.HasSuffix(msg, "; nothing was imported") {
		t.Fatalf("error %q, want \"clients import: FILE: <cause>; nothing was imported\" with the prefix once", msg)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before {
		t.Fatalf("%d clients written by a failed import", n-before)
	}
}

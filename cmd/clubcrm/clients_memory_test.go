package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// maxImportRSS bounds the peak memory of `clubcrm clients import`, whatever
// the file: rows are streamed into the database, so the bound holds for a
// file of any size (it is measured on large ones in the README).
const maxImportRSS = 150 << 20

// TestClientsImportMemory runs the real binary on generated files and
// checks its peak RSS, as GNU time reports it: a list
// of many short rows, and one where every row has a 60 KB cell (a name padded
// with spaces, which the import trims). The sizes are modest by default;
// IMPORT_MEMORY_ROWS and IMPORT_MEMORY_LONG_ROWS make them larger,
// IMPORT_MEMORY_BIN runs another build instead (an older one, to compare),
// and -v prints the figures quoted in the README.
func TestClientsImportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary")
	}
	// GNU time forks the binary from its own small process and reports the
	// child's peak. The rusage of a child of this test would not do: Linux
	// carries the parent's high-water mark across fork and exec, so it
	// would report this test process's memory when that is larger.
	const gnuTime = "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		t.Skip("no " + gnuTime + " to measure the binary's memory")
	}
	rows := envInt(t, "IMPORT_MEMORY_ROWS", 50_000)
	longRows := envInt(t, "IMPORT_MEMORY_LONG_ROWS", 300)

	dir := t.TempDir()
	bin := os.Getenv("IMPORT_MEMORY_BIN") // another build, to compare with
	if bin == "" {
		bin = filepath.Join(dir, "clubcrm")
		build := exec.Command(goBin, "build", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	env, db := cmdDB(t)

	files := []struct {
		name string
		rows int
		row  func(i int) string
		want string // the summary line
	}{
		{"short rows", rows, func(i int) string {
			return fmt.Sprintf("Client number %d of the memory test,+38050%07d,client%d@example.com,active,Group %d|Evening group\n", i, i, i, i%40)
		}, fmt.Sprintf("imported %d new, updated 0, unchanged 0, 0 rows with errors\n", rows)},
		{"long cells", longRows, func(i int) string {
			return fmt.Sprintf("\"Long client %d%s\",+38067%07d,,trial,\n", i, strings.Repeat(" ", 60<<10), i)
		}, fmt.Sprintf("imported %d new, updated 0, unchanged 0, 0 rows with errors\n", longRows)},
	}
	for _, f := range files {
		club := pgtest.NewClub(t, db, strings.ReplaceAll(f.name, " ", "-"))
		path := filepath.Join(dir, strings.ReplaceAll(f.name, " ", "-")+".csv")
		size := writeRows(t, path, "name,phone,email,status,groups\n", f.rows, f.row)

		var stdout, stderr strings.Builder
		rssFile := path + ".rss"
		cmd := exec.Command(gnuTime, "-f", "%M", "-o", rssFile, bin, "clients", "import", "--club", fmt.Sprint(club.Club.ID), path)
		cmd.Env = []string{"DATABASE_URL=" + env["DATABASE_URL"], "PATH=" + os.Getenv("PATH")}
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", f.name, err, stderr.String())
		}
		took := time.Since(start)
		if stdout.String() != f.want {
			t.Fatalf("%s: stdout %q, want %q; stderr:\n%s", f.name, stdout.String(), f.want, stderr.String())
		}
		rss := readRSS(t, rssFile)
		t.Logf("%s: %d rows, %.1f MB file, peak RSS %.1f MB, %.1f s", f.name, f.rows, float64(size)/(1<<20), float64(rss)/(1<<20), took.Seconds())
		if rss > maxImportRSS {
			t.Errorf("%s: peak RSS %d MB, want under %d MB", f.name, rss>>20, maxImportRSS>>20)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, club.Club.ID); n < f.rows {
			t.Errorf("%s: %d clients stored, want at least %d", f.name, n, f.rows)
		}
	}
}

// readRSS reads the peak RSS GNU time wrote (in KB) and returns bytes.
func readRSS(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("%s: %q is not a size in KB", path, b)
	}
	return kb << 10
}

// writeRows writes a header and n rows to path and returns the file's size.
func writeRows(t *testing.T, path, header string, n int, row func(i int) string) int64 {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	w.WriteString(header) //nolint:errcheck // checked by Flush
	for i := range n {
		w.WriteString(row(i)) //nolint:errcheck // checked by Flush
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// envInt reads a positive number from the environment, or gives def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

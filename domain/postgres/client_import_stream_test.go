package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// streamRows yields rows one at a time, numbering them as lines 2, 3, …
// (line 1 is a file's header), then io.EOF.
func streamRows(rows []domain.Client) func() (postgres.ImportRow, error) {
	i := 0
	return func() (postgres.ImportRow, error) {
		if i == len(rows) {
			return postgres.ImportRow{}, io.EOF
		}
		i++
		return postgres.ImportRow{Line: i + 1, Client: rows[i-1]}, nil
	}
}

// A phone on two rows of a stream: the later row wins and the earlier one is
// reported by its line, naming the phone and the row that replaces it. The
// replaced row's other phones are free again, so a still later row with
// only one of them stands.
func TestClientImportStreamLaterPhoneWins(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	rows := []domain.Client{
		{Name: "Old row", Phones: []string{"+380501110001", "+380501110002"}}, // line 2: replaced by line 4
		{Name: "Other", Phones: []string{"+380501110009"}},                    // line 3
		{Name: "New row", Phones: []string{"+380501110001"}},                  // line 4
		{Name: "Second phone", Phones: []string{"+380501110002"}},             // line 5: stands
		{Name: "Twice", Phones: []string{"+380501110003"}},                    // line 6: replaced by line 7
		{Name: "Thrice", Phones: []string{"+380501110003"}},                   // line 7: replaced by line 8
		{Name: "Last word", Phones: []string{"+380501110004", "+380501110003"}},
	}
	st, err := db.ClientImportStream(ctx, f.Club.ID, streamRows(rows))
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != 4 || st.Updated != 0 || st.SkippedCount != 3 || len(st.Skipped) != 3 {
		t.Fatalf("stats %+v", st)
	}
	want := []postgres.ImportSkip{
		{Index: 0, Line: 2, Message: "phone +380501110001 appears again on line 4, which replaces this row"},
		{Index: 4, Line: 6, Message: "phone +380501110003 appears again on line 7, which replaces this row"},
		{Index: 5, Line: 7, Message: "phone +380501110003 appears again on line 8, which replaces this row"},
	}
	for i, w := range want {
		if st.Skipped[i] != w {
			t.Errorf("skipped %d = %+v, want %+v", i, st.Skipped[i], w)
		}
	}
	for phone, name := range map[string]string{"+380501110001": "New row", "+380501110002": "Second phone", "+380501110003": "Last word"} {
		if c := clientByPhone(t, db, f.Club.ID, phone); c.Name != name {
			t.Errorf("%s belongs to %q, want %q", phone, c.Name, name)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1 AND name IN ('Old row', 'Twice', 'Thrice')`, f.Club.ID); n != 0 {
		t.Fatalf("%d replaced rows stored", n)
	}
}

// However many rows are skipped, only the first ImportSkipsKept are
// described (by input order); the rest are counted. Rows of another club's
// phones are new clients here, not matches.
func TestClientImportStreamKeepsFirstSkips(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	const n = 3 * postgres.ImportSkipsKept
	rows := make([]domain.Client, 0, 2*n)
	for i := range n {
		rows = append(rows, domain.Client{Name: fmt.Sprintf("Draft %d", i), Phones: []string{fmt.Sprintf("+38050%07d", i)}})
	}
	for i := range n {
		rows = append(rows, domain.Client{Name: fmt.Sprintf("Final %d", i), Phones: []string{fmt.Sprintf("+38050%07d", i)}})
	}
	if _, err := db.ClientImport(ctx, other.Club.ID, rows[n:]); err != nil {
		t.Fatal(err)
	}
	st, err := db.ClientImportStream(ctx, f.Club.ID, streamRows(rows))
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != n || st.SkippedCount != n || len(st.Skipped) != postgres.ImportSkipsKept {
		t.Fatalf("inserted %d, skipped %d (%d described)", st.Inserted, st.SkippedCount, len(st.Skipped))
	}
	for i, s := range st.Skipped {
		if s.Index != i || s.Line != i+2 || !strings.HasSuffix(s.Message, fmt.Sprintf("appears again on line %d, which replaces this row", n+i+2)) {
			t.Fatalf("skipped %d: %+v", i, s)
		}
	}
}

// A row that is not a valid client, wherever it comes, refuses the whole
// stream: nothing of the rows before it is written.
func TestClientImportStreamRefusesInvalidRow(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)
	for _, bad := range []domain.Client{
		{Name: "No phone"},
		{Name: strings.Repeat("x", 201), Phones: []string{"+380991110001"}},
		{Name: "Local", Phones: []string{"0991110001"}},
		{Name: "Vip", Phones: []string{"+380991110001"}, Status: "vip"},
	} {
		rows := append(importRows(3000, 0), bad)
		_, err := db.ClientImportStream(context.Background(), f.Club.ID, streamRows(rows))
		if !errors.Is(err, domain.ErrInvalid) || domain.ErrorCode(err) != domain.CodeImportRowInvalid || !strings.Contains(err.Error(), "row 3000") {
			t.Errorf("%q: got %v, want import_row_invalid naming row 3000", bad.Name, err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before {
		t.Fatalf("refused streams wrote %d clients", n-before)
	}
}

// A failure in the middle of a stream — the reader failing, the context
// ending, the database connection lost — leaves nothing written, and a later
// import of the same rows works.
func TestClientImportStreamFailsAtomically(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	rows := importRows(8_000, 0)
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients`)

	// failAt yields rows; before the nth it calls fail, and returns its
	// error or, when nil, goes on with the rows.
	failAt := func(n int, fail func() error) func() (postgres.ImportRow, error) {
		next := streamRows(rows)
		i := 0
		return func() (postgres.ImportRow, error) {
			if i == n {
				if err := fail(); err != nil {
					return postgres.ImportRow{}, err
				}
			}
			i++
			return next()
		}
	}

	errDisk := errors.New("read clients.csv: input/output error")
	if _, err := db.ClientImportStream(context.Background(), f.Club.ID, failAt(6_000, func() error { return errDisk })); !errors.Is(err, errDisk) {
		t.Errorf("reader failure: got %v, want the reader's error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	_, err := db.ClientImportStream(ctx, f.Club.ID, failAt(6_000, func() error {
		cancel()
		return nil
	}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}

	// The database ends the import's session while it copies. The
	// cancelled import's session may take a moment to end on a busy
	// machine, and pooled sessions whose last query was an earlier COPY sit
	// idle: only the copy under way is counted.
	for deadline := time.Now().Add(10 * time.Second); pgtest.Count(t, db, `
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND query ILIKE 'copy%import_rows%'`) > 0; {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled import's session is still there after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// pgx sends the COPY and its first rows without waiting for the server,
	// so on a busy machine the session may not have begun the COPY by the
	// time the rows reach this one: wait for it to show.
	_, err = db.ClientImportStream(context.Background(), f.Club.ID, failAt(6_000, func() error {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			killed := pgtest.Count(t, db, `
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE 'copy%import_rows%'`)
			if killed == 1 {
				return nil
			}
			if killed > 1 || time.Now().After(deadline) {
				t.Errorf("terminated %d sessions, want the import's", killed)
				return nil
			}
		}
	}))
	if err == nil {
		t.Error("import whose session was terminated succeeded")
	}

	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != before {
		t.Fatalf("failed imports wrote %d clients", n-before)
	}
	st, err := db.ClientImportStream(context.Background(), f.Club.ID, streamRows(rows))
	if err != nil || st.Inserted != len(rows) {
		t.Fatalf("import after the failures: %+v %v", st.Inserted, err)
	}
}

package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clientcsv"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// importCSV parses a CSV text with the club's phone code and imports it.
func importCSV(t *testing.T, db *postgres.DB, club domain.Club, text string) (clientcsv.Result, postgres.ImportStats) {
	t.Helper()
	res, err := clientcsv.Parse(strings.NewReader(text), club.PhoneCode)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	rows := make([]domain.Client, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = r.Client
	}
	st, err := db.ClientImport(context.Background(), club.ID, rows)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res, st
}

// clientByPhone reads the client owning a phone in the club.
func clientByPhone(t *testing.T, db *postgres.DB, clubID int64, phone string) domain.Client {
	t.Helper()
	var id int64
	if err := db.Pool().QueryRow(context.Background(),
		`SELECT client_id FROM client_phones WHERE club_id = $1 AND phone = $2`, clubID, phone).Scan(&id); err != nil {
		t.Fatalf("client with phone %s: %v", phone, err)
	}
	c, err := db.ClientGet(context.Background(), clubID, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const importFile = `name;phone;email;status;groups
Анна Коваленко;+380 66 098 02 05;anna@example.com;active;Yoga|Pilates
Bad Phone;call me;;;
Іван Петренко;"066 111 22 33, 050 111 22 33";;trial;Kids dance
No Phone;;;;
Олена Шевченко;0671234567;;;
`

func TestClientImportGoodAndBadRows(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, f.Club.ID)

	res, st := importCSV(t, db, f.Club, importFile)
	if st.Inserted != 3 || st.Updated != 0 || len(st.Skipped) != 0 {
		t.Fatalf("first import: %+v", st)
	}
	var badLines []int
	for _, e := range res.Errors {
		badLines = append(badLines, e.Line)
	}
	if !reflect.DeepEqual(badLines, []int{3, 5}) {
		t.Fatalf("bad lines %v (%+v)", badLines, res.Errors)
	}
	ivan := clientByPhone(t, db, f.Club.ID, "+380501112233")
	if ivan.Name != "Іван Петренко" || ivan.Status != domain.ClientTrial ||
		!reflect.DeepEqual(ivan.Phones, []string{"+380661112233", "+380501112233"}) ||
		!reflect.DeepEqual(ivan.Groups, []string{"Kids dance"}) {
		t.Fatalf("ivan %+v", ivan)
	}
	if olena := clientByPhone(t, db, f.Club.ID, "+380671234567"); olena.Status != domain.ClientLead || len(olena.Groups) != 0 {
		t.Fatalf("olena %+v", olena)
	}

	// The same file again: nothing new, every good row finds its client,
	// and clients whose data is unchanged are not rewritten nor counted as
	// updated.
	var stamp time.Time
	if err := db.Pool().QueryRow(context.Background(), `SELECT max(updated_at) FROM clients WHERE club_id = $1`, f.Club.ID).Scan(&stamp); err != nil {
		t.Fatal(err)
	}
	_, st = importCSV(t, db, f.Club, importFile)
	if st.Inserted != 0 || st.Updated != 0 || st.Unchanged != 3 || len(st.Skipped) != 0 {
		t.Fatalf("re-import: %+v", st)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1 AND updated_at > $2`, f.Club.ID, stamp); n != 0 {
		t.Fatalf("%d unchanged clients rewritten", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, f.Club.ID); n != before+3 {
		t.Fatalf("clients after re-import %d, want %d", n, before+3)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE club_id = $1`, f.Club.ID); n != before+4 {
		t.Fatalf("phones after re-import %d, want %d", n, before+4)
	}
}

func TestClientImportUpdatesByAnyPhone(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	existing, err := db.ClientCreate(ctx, domain.Client{ClubID: f.Club.ID, Name: "Anna K", Phones: []string{"+380660980205", "+380501110000"},
		Email: "old@example.com", Status: domain.ClientActive, Groups: []string{"Yoga"}, Notes: "prefers evenings"})
	if err != nil {
		t.Fatal(err)
	}
	// The file knows Anna by her second phone only and adds a third; empty
	// email, status and groups keep what is stored, and her stored phones
	// keep their order, the new one after them.
	_, st := importCSV(t, db, f.Club, "name,phone,email,status,groups\nАнна Коваленко,\"050 111 00 00; 093 000 11 22\",,,\n")
	if st.Inserted != 0 || st.Updated != 1 {
		t.Fatalf("stats %+v", st)
	}
	got, err := db.ClientGet(ctx, f.Club.ID, existing.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Анна Коваленко" || got.Email != "old@example.com" || got.Status != domain.ClientActive ||
		!reflect.DeepEqual(got.Groups, []string{"Yoga"}) || got.Notes != "prefers evenings" {
		t.Fatalf("updated %+v", got)
	}
	if !reflect.DeepEqual(got.Phones, []string{"+380660980205", "+380501110000", "+380930001122"}) {
		t.Fatalf("phones %v", got.Phones)
	}
	// Given values replace stored ones.
	_, st = importCSV(t, db, f.Club, "name,phone,email,status,groups\nАнна,+380660980205,new@example.com,lapsed,Pilates|Boxing\n")
	if st.Updated != 1 || st.Inserted != 0 {
		t.Fatalf("stats %+v", st)
	}
	got, _ = db.ClientGet(ctx, f.Club.ID, existing.ID)
	if got.Email != "new@example.com" || got.Status != domain.ClientLapsed || !reflect.DeepEqual(got.Groups, []string{"Pilates", "Boxing"}) {
		t.Fatalf("replaced %+v", got)
	}
}

func TestClientImportAmbiguousRows(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	for _, c := range []domain.Client{
		{ClubID: f.Club.ID, Name: "Mother", Phones: []string{"+380501110001"}},
		{ClubID: f.Club.ID, Name: "Father", Phones: []string{"+380501110002"}},
		{ClubID: f.Club.ID, Name: "Child", Phones: []string{"+380501110003", "+380501110004"}},
	} {
		if _, err := db.ClientCreate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	rows := []domain.Client{
		{Name: "Both parents", Phones: []string{"+380501110001", "+380501110002", "+380501110099"}}, // two clients: skipped
		{Name: "Child (old row)", Phones: []string{"+380501110003"}},                                // same client as row 2: skipped
		{Name: "Child", Phones: []string{"+380501110004"}, Status: domain.ClientTrial},              // wins
		{Name: "New", Phones: []string{"+380501110005"}},
	}
	st, err := db.ClientImport(ctx, f.Club.ID, rows)
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != 1 || st.Updated != 1 || len(st.Skipped) != 2 || st.Skipped[0].Index != 0 || st.Skipped[1].Index != 1 {
		t.Fatalf("stats %+v", st)
	}
	if msg := st.Skipped[0].Message; !strings.Contains(msg, `"Mother"`) || !strings.Contains(msg, `"Father"`) {
		t.Fatalf("ambiguous message %q", msg)
	}
	if msg := st.Skipped[1].Message; !strings.Contains(msg, `"Child"`) {
		t.Fatalf("repeated client message %q", msg)
	}
	// The skipped row changed nothing: no new phone, parents untouched.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE phone = '+380501110099'`); n != 0 {
		t.Fatal("phone of a skipped row stored")
	}
	if c := clientByPhone(t, db, f.Club.ID, "+380501110001"); c.Name != "Mother" {
		t.Fatalf("mother %+v", c)
	}
	if c := clientByPhone(t, db, f.Club.ID, "+380501110003"); c.Name != "Child" || c.Status != domain.ClientTrial {
		t.Fatalf("child %+v", c)
	}
}

func TestClientImportClubsStaySeparate(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := pgtest.NewClub(t, db, "alpha")
	b := pgtest.NewClub(t, db, "beta")
	file := "name,phone\nShared Person,+380 50 777 77 77\n"
	if _, st := importCSV(t, db, a.Club, file); st.Inserted != 1 {
		t.Fatalf("club a: %+v", st)
	}
	if _, st := importCSV(t, db, b.Club, file); st.Inserted != 1 || st.Updated != 0 {
		t.Fatalf("club b must get its own client: %+v", st)
	}
	if n := pgtest.Count(t, db, `SELECT count(DISTINCT client_id) FROM client_phones WHERE phone = '+380507777777'`); n != 2 {
		t.Fatalf("%d clients own the phone, want one per club", n)
	}
	if _, st := importCSV(t, db, b.Club, file); st.Inserted != 0 || st.Updated != 0 || st.Unchanged != 1 {
		t.Fatalf("club b re-import: %+v", st)
	}
}

func TestClientImportRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	good := domain.Client{Name: "Good", Phones: []string{"+380501110001"}}
	tests := []struct {
		name   string
		clubID int64
		rows   []domain.Client
		want   error
	}{
		{"phone on two rows", f.Club.ID, []domain.Client{good, {Name: "Twin", Phones: []string{"+380501110001"}}}, domain.ErrInvalid},
		{"row without phone", f.Club.ID, []domain.Client{good, {Name: "None"}}, domain.ErrInvalid},
		{"local phone", f.Club.ID, []domain.Client{good, {Name: "Local", Phones: []string{"0501110002"}}}, domain.ErrInvalid},
		{"bad status", f.Club.ID, []domain.Client{good, {Name: "S", Phones: []string{"+380501110003"}, Status: "vip"}}, domain.ErrInvalid},
		{"over-long name", f.Club.ID, []domain.Client{good, {Name: strings.Repeat("x", 201), Phones: []string{"+380501110004"}}}, domain.ErrInvalid},
		{"unknown club", f.Club.ID + 1000, []domain.Client{good}, domain.ErrNotFound},
	}
	for _, tt := range tests {
		if _, err := db.ClientImport(ctx, tt.clubID, tt.rows); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE phone LIKE '+38050111000%'`); n != 0 {
		t.Fatalf("refused imports wrote %d phones", n)
	}
	if st, err := db.ClientImport(ctx, f.Club.ID, nil); err != nil || st.Inserted != 0 || st.Updated != 0 {
		t.Fatalf("empty import: %+v %v", st, err)
	}
}

// TestClientImportConcurrent runs two imports of overlapping files at once:
// the club lock makes the second see the first's clients, so nobody is
// duplicated and neither fails.
func TestClientImportConcurrent(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	rows := importRows(500, 0)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := db.ClientImport(context.Background(), f.Club.ID, rows)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent import: %v", err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1 AND name LIKE 'Client %'`, f.Club.ID); n != 500 {
		t.Fatalf("%d clients, want 500", n)
	}
}

// importRows makes n distinct clients; offset shifts their phones.
func importRows(n, offset int) []domain.Client {
	rows := make([]domain.Client, n)
	statuses := domain.ClientStatuses
	for i := range rows {
		rows[i] = domain.Client{
			Name:   fmt.Sprintf("Client %d", i),
			Phones: []string{fmt.Sprintf("+38050%07d", offset+i)},
			Email:  fmt.Sprintf("client%d@example.com", i),
			Status: statuses[i%len(statuses)],
			Groups: []string{fmt.Sprintf("Group %d", i%12)},
		}
		if i%5 == 0 {
			rows[i].Phones = append(rows[i].Phones, fmt.Sprintf("+38067%07d", offset+i))
		}
	}
	return rows
}

// BenchmarkClientImport50k imports 50,000 clients (a fifth with two phones):
// "new" into an empty club, "again" the same rows a second time (every
// client found, none changed). "baseline-copy" only COPYs the same rows into a bare temporary
// table, the floor any import stands on, measured in the same run.
func BenchmarkClientImport50k(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	rows := importRows(50_000, 0)
	b.Run("baseline-copy", func(b *testing.B) {
		for b.Loop() {
			tx, err := db.Pool().Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `CREATE TEMP TABLE bench_copy (ord int, name text, email text, status text, groups text[], phones text[]) ON COMMIT DROP`); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bench_copy"}, []string{"ord", "name", "email", "status", "groups", "phones"},
				pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
					c := rows[i]
					return []any{i, c.Name, c.Email, string(c.Status), c.Groups, c.Phones}, nil
				})); err != nil {
				b.Fatal(err)
			}
			if err := tx.Rollback(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("new", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			f := pgtest.NewClub(b, db, fmt.Sprintf("bench-new-%d", i))
			b.StartTimer()
			st, err := db.ClientImport(ctx, f.Club.ID, rows)
			if err != nil || st.Inserted != len(rows) {
				b.Fatalf("import: %+v %v", st.Inserted, err)
			}
		}
		b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("again", func(b *testing.B) {
		f := pgtest.NewClub(b, db, "bench-again")
		if _, err := db.ClientImport(ctx, f.Club.ID, rows); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			st, err := db.ClientImport(ctx, f.Club.ID, rows)
			if err != nil || st.Unchanged != len(rows) {
				b.Fatalf("import: %+v %v", st, err)
			}
		}
		b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// clientPhoneRows reads a client's phones with their positions, in the
// order readers show them (position, then phone).
func clientPhoneRows(t *testing.T, db *postgres.DB, clubID, clientID int64) []string {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(),
		`SELECT phone || '@' || position FROM client_phones WHERE club_id = $1 AND client_id = $2 ORDER BY position, phone`, clubID, clientID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// expectPhonePositionsDistinct fails if any client in the database has two
// phones at one position, or positions other than 0..n-1.
func expectPhonePositionsDistinct(t *testing.T, db *postgres.DB) {
	t.Helper()
	if n := pgtest.Count(t, db, `SELECT count(*) FROM (SELECT 1 FROM client_phones GROUP BY club_id, client_id, position HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d client positions hold two phones or more", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM (SELECT 1 FROM client_phones GROUP BY club_id, client_id
HAVING min(position) <> 0 OR max(position) <> count(*) - 1) d`); n != 0 {
		t.Fatalf("%d clients' phone positions are not 0..n-1", n)
	}
}

// TestClientImportPhonePositions: a found client's stored phones keep
// their positions (the primary stays primary) and the file's phones new to
// them follow, in the file's order; no client ends up with two phones at
// one position (as a row "b, x" for stored a (0), b (1) used to leave a and
// b both at 0), and importing the same file again changes nothing. A
// client the old import left with two phones at one position gets its
// phones renumbered in the order they were shown.
func TestClientImportPhonePositions(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	const (
		a, b, c, d = "+380501110001", "+380501110002", "+380501110003", "+380501110004"
		x, y, z    = "+380931110001", "+380931110002", "+380931110003"
	)
	ab := pgtest.Client(t, db, f.Club, pgtest.ClientOpts{Name: "Ab", Phones: []string{a, b}})
	solo := pgtest.Client(t, db, f.Club, pgtest.ClientOpts{Name: "Solo", Phones: []string{c}})
	// Left by the old import: two phones at position 0.
	broken := pgtest.Client(t, db, f.Club, pgtest.ClientOpts{Name: "Broken", Phones: []string{d}})
	pgtest.Exec(t, db, `INSERT INTO client_phones (club_id, client_id, phone, position) VALUES ($1, $2, '+380441110001', 0)`, f.Club.ID, broken.ID)

	rows := []domain.Client{
		{Name: "Ab", Phones: []string{b, x}},     // b is stored second; x is new
		{Name: "Solo", Phones: []string{y, c}},   // a new phone before the stored one
		{Name: "Broken", Phones: []string{d, z}}, // renumbered, z after
		{Name: "New", Phones: []string{"+380671110002", "+380671110001"}},
	}
	st, err := db.ClientImport(ctx, f.Club.ID, rows)
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != 1 || st.Updated != 3 || st.Unchanged != 0 || st.SkippedCount != 0 {
		t.Fatalf("stats %+v", st)
	}
	want := map[int64][]string{
		ab.ID:     {a + "@0", b + "@1", x + "@2"},
		solo.ID:   {c + "@0", y + "@1"},
		broken.ID: {"+380441110001@0", d + "@1", z + "@2"},
	}
	for id, w := range want {
		if got := clientPhoneRows(t, db, f.Club.ID, id); !reflect.DeepEqual(got, w) {
			t.Errorf("client %d phones %v, want %v", id, got, w)
		}
	}
	newID := clientByPhone(t, db, f.Club.ID, "+380671110001").ID
	if got := clientPhoneRows(t, db, f.Club.ID, newID); !reflect.DeepEqual(got, []string{"+380671110002@0", "+380671110001@1"}) {
		t.Errorf("new client's phones %v, want the file's order", got)
	}
	if got, _ := db.ClientGet(ctx, f.Club.ID, ab.ID); !reflect.DeepEqual(got.Phones, []string{a, b, x}) {
		t.Errorf("ClientGet phones %v: the primary must stay a", got.Phones)
	}
	expectPhonePositionsDistinct(t, db)

	// The same file again changes nothing.
	var stamp time.Time
	if err := db.Pool().QueryRow(ctx, `SELECT max(updated_at) FROM clients WHERE club_id = $1`, f.Club.ID).Scan(&stamp); err != nil {
		t.Fatal(err)
	}
	st, err = db.ClientImport(ctx, f.Club.ID, rows)
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted != 0 || st.Updated != 0 || st.Unchanged != 4 {
		t.Fatalf("re-import stats %+v", st)
	}
	for id, w := range want {
		if got := clientPhoneRows(t, db, f.Club.ID, id); !reflect.DeepEqual(got, w) {
			t.Errorf("after re-import client %d phones %v, want %v", id, got, w)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1 AND updated_at > $2`, f.Club.ID, stamp); n != 0 {
		t.Fatalf("re-import rewrote %d clients", n)
	}
	expectPhonePositionsDistinct(t, db)

	// The known case through a file, with the phones in the file's other order.
	_, st = importCSV(t, db, f.Club, "name,phone\nAb,\"+380931110001, +380501110002\"\n")
	if st.Updated != 0 || st.Unchanged != 1 {
		t.Fatalf("reordered file stats %+v", st)
	}
	if got := clientPhoneRows(t, db, f.Club.ID, ab.ID); !reflect.DeepEqual(got, want[ab.ID]) {
		t.Errorf("a reordered file moved phones: %v", got)
	}
	expectPhonePositionsDistinct(t, db)
}

// Migration 00029 renumbers the phones of a client an earlier import left
// with two at one position, in the order they were shown, and leaves every
// other client's phones as they are (gaps included).
func TestMigrationRenumbersRepeatedPhonePositions(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	const a, b, c = "+380501110001", "+380501110002", "+380501110003"
	broken := pgtest.Client(t, db, f.Club, pgtest.ClientOpts{Name: "Broken", Phones: []string{b, c}})
	pgtest.Exec(t, db, `UPDATE client_phones SET position = 0 WHERE club_id = $1 AND client_id = $2`, f.Club.ID, broken.ID)
	pgtest.Exec(t, db, `INSERT INTO client_phones (club_id, client_id, phone, position) VALUES ($1, $2, $3, 1)`, f.Club.ID, broken.ID, a)
	gappy := pgtest.Client(t, db, f.Club, pgtest.ClientOpts{Name: "Gappy", Phones: []string{"+380671110001", "+380671110002"}})
	pgtest.Exec(t, db, `UPDATE client_phones SET position = 5 WHERE club_id = $1 AND phone = '+380671110002'`, f.Club.ID)

	src, err := fs.ReadFile(postgres.Migrations(), "00029_client_phone_positions.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(src), "-- +goose Down")
	pgtest.Exec(t, db, up)

	if got, want := clientPhoneRows(t, db, f.Club.ID, broken.ID), []string{b + "@0", c + "@1", a + "@2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("renumbered phones %v, want %v", got, want)
	}
	if got, want := clientPhoneRows(t, db, f.Club.ID, gappy.ID), []string{"+380671110001@0", "+380671110002@5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("untouched client's phones %v, want %v", got, want)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM (SELECT 1 FROM client_phones GROUP BY club_id, client_id, position HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d client positions still hold two phones", n)
	}
}

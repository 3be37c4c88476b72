package postgres_test

import (
	"reflect"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A NUL byte is valid UTF-8 but PostgreSQL text cannot hold it: a row that
// carries one must be reported by its line like any other bad row, and the
// good rows around it imported, not the whole file refused by COPY.
func TestClientImportNULByteIsABadRow(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	before := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, f.Club.ID)

	res, st := importCSV(t, db, f.Club, "name,phone,email,groups\n"+
		"Anna,+380660000001,,\n"+
		"Bo\x00b,+380660000002,,\n"+
		"Carl,+380660000003,c@example.com\x00,\n"+
		"Dana,+380660000004,,Yoga\x00\n"+
		"Emil,+380660000005,,\n")

	var badLines []int
	for _, e := range res.Errors {
		badLines = append(badLines, e.Line)
	}
	if !reflect.DeepEqual(badLines, []int{3, 4, 5}) {
		t.Fatalf("bad lines %v, want [3 4 5] (%+v)", badLines, res.Errors)
	}
	if st.Inserted != 2 {
		t.Fatalf("inserted %d, want 2 (%+v)", st.Inserted, st)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1`, f.Club.ID); got != before+2 {
		t.Fatalf("clients %d, want %d", got, before+2)
	}
}

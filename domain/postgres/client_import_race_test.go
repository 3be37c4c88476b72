package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// lockWaitLimit bounds how long a race test waits for a session to block;
// far above what it takes, it only matters when the session never does.
const lockWaitLimit = 20 * time.Second

// lockWaiters counts the sessions of the test's database waiting for a lock:
// an advisory lock when advisory is true, a row (tuple or transaction) lock
// otherwise.
func lockWaiters(t *testing.T, db *postgres.DB, advisory bool) int {
	t.Helper()
	return pgtest.Count(t, db, `
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND (wait_event = 'advisory') = $1`, advisory)
}

// waitLockWaiters waits until n sessions wait for a lock of the kind, or
// until done yields (the session finished instead of blocking); it reports
// whether the sessions blocked.
func waitLockWaiters(t *testing.T, db *postgres.DB, advisory bool, n int, done <-chan struct{}) bool {
	t.Helper()
	deadline := time.Now().Add(lockWaitLimit)
	for lockWaiters(t, db, advisory) < n {
		select {
		case <-done:
			return false
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d session(s) never blocked on a lock (advisory: %v)", n, advisory)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// A client created in the bot while an import runs, with a phone the import
// has already matched as new, must not fail the import on the unique key:
// the creation waits for the import and is then told the phone is taken.
//
// The test stops the import between its matching and its inserts by holding
// a lock on a client the import updates, then creates the client.
func TestClientImportWithClientCreatedMidway(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	known := clientOf(t, db, f.Club.ID, f.Clients[0])
	const newPhone = "+380509990011"

	hold, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx) //nolint:errcheck
	if _, err := hold.Exec(ctx, `SELECT 1 FROM clients WHERE club_id = $1 AND id = $2 FOR UPDATE`, f.Club.ID, known.ID); err != nil {
		t.Fatal(err)
	}

	type importResult struct {
		st  postgres.ImportStats
		err error
	}
	imported := make(chan importResult, 1)
	go func() {
		st, err := db.ClientImport(ctx, f.Club.ID, []domain.Client{
			{Name: known.Name + " (renamed)", Phones: known.Phones}, // waits for the held row
			{Name: "Newcomer", Phones: []string{newPhone}},
		})
		imported <- importResult{st, err}
	}()
	waitLockWaiters(t, db, false, 1, nil) // the import has matched its rows and waits

	created := make(chan error, 1)
	createDone := make(chan struct{})
	go func() {
		_, err := db.ClientCreate(ctx, domain.Client{ClubID: f.Club.ID, Name: "Typed in the bot", Phones: []string{newPhone}})
		created <- err
		close(createDone)
	}()
	// Either the creation waits for the import, or (without the lock) it
	// commits the phone at once; go on in both cases.
	waitLockWaiters(t, db, true, 1, createDone)
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	res := <-imported
	if res.err != nil {
		t.Fatalf("import failed because a client was created meanwhile: %v", res.err)
	}
	if res.st.Inserted != 1 || res.st.Updated != 1 {
		t.Errorf("import stats %+v, want 1 inserted and 1 updated", res.st)
	}
	if err := <-created; domain.ErrorCode(err) != domain.CodePhoneTaken {
		t.Errorf("client created during the import: got %v, want phone_taken", err)
	}
	if c := clientByPhone(t, db, f.Club.ID, newPhone); c.Name != "Newcomer" {
		t.Errorf("%s belongs to %q, want the imported Newcomer", newPhone, c.Name)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients WHERE club_id = $1 AND name = 'Typed in the bot'`, f.Club.ID); n != 0 {
		t.Errorf("the refused creation left %d clients", n)
	}
}

// The other order: a client being created when the import starts is
// committed first, and the import then finds it by its phone and updates it
// instead of failing on the phone or duplicating the client.
//
// The test stops the creation after it has taken the club's phone lock by
// holding the club's row, which its insert's foreign key check needs.
func TestClientImportWaitsForClientBeingCreated(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	const phone = "+380509990022"

	hold, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx) //nolint:errcheck
	if _, err := hold.Exec(ctx, `SELECT 1 FROM clubs WHERE id = $1 FOR UPDATE`, f.Club.ID); err != nil {
		t.Fatal(err)
	}

	created := make(chan error, 1)
	go func() {
		_, err := db.ClientCreate(ctx, domain.Client{ClubID: f.Club.ID, Name: "Typed in the bot", Phones: []string{phone}})
		created <- err
	}()
	waitLockWaiters(t, db, false, 1, nil) // the creation waits for the club row

	type importResult struct {
		st  postgres.ImportStats
		err error
	}
	imported := make(chan importResult, 1)
	go func() {
		st, err := db.ClientImport(ctx, f.Club.ID, []domain.Client{{Name: "From the file", Phones: []string{phone}}})
		imported <- importResult{st, err}
	}()
	waitLockWaiters(t, db, false, 2, nil) // so does the import
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	if err := <-created; err != nil {
		t.Fatalf("create: %v", err)
	}
	res := <-imported
	if res.err != nil {
		t.Fatalf("import failed because a client was being created: %v", res.err)
	}
	if res.st.Inserted != 0 || res.st.Updated != 1 {
		t.Errorf("import stats %+v, want the created client updated", res.st)
	}
	if c := clientByPhone(t, db, f.Club.ID, phone); c.Name != "From the file" {
		t.Errorf("%s belongs to %q, want the created client renamed by the file", phone, c.Name)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE club_id = $1 AND phone = $2`, f.Club.ID, phone); n != 1 {
		t.Errorf("%d rows for %s", n, phone)
	}
}

// clientOf reads a client of the club, failing the test when it cannot.
func clientOf(t *testing.T, db *postgres.DB, clubID, id int64) domain.Client {
	t.Helper()
	c, err := db.ClientGet(context.Background(), clubID, id)
	if err != nil {
		t.Fatalf("client %d: %v", id, err)
	}
	return c
}

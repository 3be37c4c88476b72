package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// The relays are woken after a transaction that wrote outbox rows commits,
// never by one that rolled back, and no longer by a trigger inside the
// writing transaction (whose NOTIFY serialised every writer's commit behind
// every other's flush: migration 00025).
func TestOutboxWakeAfterCommit(t *testing.T) {
	db := pgtest.New(t)
	club := pgtest.Club(t, db, pgtest.ClubOpts{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var triggers int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'outbox'::regclass AND NOT tgisinternal`).Scan(&triggers); err != nil {
		t.Fatal(err)
	}
	if triggers != 0 {
		t.Fatalf("outbox has %d triggers; the wake-up must not be sent inside the writing transaction", triggers)
	}

	wakes := make(chan struct{}, 100)
	listening := make(chan error, 1)
	go func() { listening <- db.OutboxListen(ctx, func() { wakes <- struct{}{} }) }()
	marker := func() {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, `SELECT pg_notify($1, '')`, postgres.OutboxChannel); err != nil {
			t.Fatal(err)
		}
	}
	next := func(what string) {
		t.Helper()
		select {
		case <-wakes:
		case err := <-listening:
			t.Fatalf("%s: listener stopped: %v", what, err)
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no wake-up", what)
		}
	}
	// The listener is up once a marker gets through (LISTEN runs in its goroutine).
	for up := false; !up; {
		marker()
		select {
		case <-wakes:
			up = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	for len(wakes) > 0 { // markers sent before LISTEN took effect never arrive; later ones may
		<-wakes
	}
	marker()
	next("primed")

	// Notifications arrive in commit order, so what came before the closing
	// marker is exactly what the writes sent.
	if err := db.OutboxAddInTx(ctx, club.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := db.OutboxAddInTx(ctx, club.ID, false); err != nil {
		t.Fatal(err)
	}
	marker()
	next("after the committed write")
	next("the closing marker")
	select {
	case <-wakes:
		t.Fatal("more wake-ups than the one committed write and the marker: the rolled-back write woke the relays")
	default:
	}
	var rows int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM outbox WHERE club_id = $1 AND kind = 'test:wake'`, club.ID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("outbox rows = %d, want 1 (the rolled-back one must not be there)", rows)
	}
}

package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestLeaderLock(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	const key = 42

	a, err := db.LeaderLockTry(ctx, key)
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	// Every sweep checks the lock, at the same moment: calls take turns on
	// the one connection instead of failing with "conn busy".
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := a.Alive(ctx); err != nil {
				t.Errorf("alive: %v", err)
			}
		})
	}
	wg.Wait()
	if _, err := db.LeaderLockTry(ctx, key); !errors.Is(err, postgres.ErrLockHeld) {
		t.Fatalf("second while held: %v, want ErrLockHeld", err)
	}
	// Another key is another lock.
	other, err := db.LeaderLockTry(ctx, key+1<<32)
	if err != nil {
		t.Fatalf("other key: %v", err)
	}
	defer other.Release(ctx)

	// The holder's connection dies: the server frees the lock, the holder
	// notices, and another session takes it.
	pgtest.Exec(t, db, `SELECT pg_terminate_backend($1)`, int64(a.PID()))
	if err := a.Alive(ctx); err == nil {
		t.Fatalf("alive after its connection died")
	}
	// pg_terminate_backend only signals the backend; the lock is freed when
	// that process has exited, a moment later. A new leader retries the same
	// way (every few seconds), so the test does too, with a bound.
	var b *postgres.LeaderLock
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err = db.LeaderLockTry(ctx, key)
		if err == nil {
			break
		}
		if !errors.Is(err, postgres.ErrLockHeld) || time.Now().After(deadline) {
			t.Fatalf("take over: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A released lock is free at once.
	if err := b.Release(ctx); err != nil {
		t.Fatalf("release: %v", err)
	}
	c, err := db.LeaderLockTry(ctx, key)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if err := c.Alive(ctx); err != nil {
		t.Fatalf("alive: %v", err)
	}
	c.Release(ctx)
	// Failed attempts and released locks give their connections back.
	if n := pgtest.Count(t, db, `
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); n != 1 {
		t.Errorf("%d advisory locks left, want 1 (the other key)", n)
	}
}

package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/scheduler"
)

// countingStore counts overdue sweeps (each reads the pending overdue
// tasks once; several other sweeps read the club list).
type countingStore struct {
	scheduler.Store
	sweeps atomic.Int64
}

func (c *countingStore) OverdueListPending(ctx context.Context, now time.Time) ([]postgres.OverdueGroup, error) {
	c.sweeps.Add(1)
	return c.Store.OverdueListPending(ctx, now)
}

// lockHolder returns the server pid holding the scheduler's leader lock in
// the test's database, 0 when nobody does.
func (e *env) lockHolder() uint32 {
	e.t.Helper()
	var pid uint32
	err := e.db.Pool().QueryRow(e.ctx, `
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid = (($1::bigint >> 32) & 4294967295)::bigint::oid
  AND objid = ($1::bigint & 4294967295)::bigint::oid`, scheduler.LeaderLockKey).Scan(&pid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0
	}
	if err != nil {
		e.t.Fatalf("lock holder: %v", err)
	}
	return pid
}

// Two schedulers: one leads and sweeps, the other does not; when the
// leader's connection dies, leadership passes on (here within a fraction of
// a second: the follower retries every 100 ms) and the new leader catches up
// at once; stopping both releases the lock.
func TestOneLeaderAndHandOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type runner struct {
		store *countingStore
		stop  context.CancelFunc
		done  chan error
	}
	start := func() *runner {
		r := &runner{store: &countingStore{Store: e.db}, done: make(chan error, 1)}
		s := scheduler.New(scheduler.Deps{DB: r.store, Enqueuer: e.enq, Queues: e.queues, Clock: e.clock, Log: e.log,
			Locker: scheduler.NewPGLocker(e.db), Retry: 100 * time.Millisecond, Heartbeat: 100 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		r.stop = cancel
		go func() { r.done <- s.Run(ctx) }()
		return r
	}
	a, b := start(), start()
	sweeps := func() int64 { return a.store.sweeps.Load() + b.store.sweeps.Load() }

	var first uint32
	jobstest.Eventually(t, 10*time.Second, "a leader", func() bool { first = e.lockHolder(); return first != 0 })
	jobstest.Eventually(t, 10*time.Second, "the leader's catch-up sweep", func() bool { return sweeps() == 1 }) // the leader's catch-up
	// Give the follower many tries: it must neither lead nor sweep.
	time.Sleep(500 * time.Millisecond)
	if n := sweeps(); n != 1 {
		t.Fatalf("%d sweeps with one leader and no tick, want 1", n)
	}
	if n := pgtest.Count(t, e.db, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); n != 1 {
		t.Fatalf("%d advisory locks held, want 1", n)
	}

	// The leader's connection dies.
	pgtest.Exec(t, e.db, `SELECT pg_terminate_backend($1)`, int64(first))
	var next uint32
	jobstest.Eventually(t, 30*time.Second, "another leader", func() bool { next = e.lockHolder(); return next != 0 && next != first })
	jobstest.Eventually(t, 10*time.Second, "the new leader's catch-up sweep", func() bool { return sweeps() == 2 }) // the new leader's catch-up

	a.stop()
	b.stop()
	for _, r := range []*runner{a, b} {
		if err := <-r.done; err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	}
	if pid := e.lockHolder(); pid != 0 {
		t.Fatalf("lock still held by %d after both stopped", pid)
	}
}

// A scheduler without a locker cannot lead: Run says so instead of sweeping.
func TestRunWithoutLocker(t *testing.T) {
	t.Parallel()
	s := scheduler.New(scheduler.Deps{})
	if err := s.Run(context.Background()); err == nil {
		t.Fatal("Run without a locker returned nil")
	}
}

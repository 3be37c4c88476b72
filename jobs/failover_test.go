package jobs_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// envInt reads a size from the environment, for running the failover tests
// at full scale by hand (README: CLUBCRM_FAILOVER_CLIENTS=100000).
func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// failoverRun is one "kill Redis in the middle of the work" scenario: a
// bulk call of clients clients fanning out, and a burst of follow-ups being
// recorded, when hit() breaks Redis. Then every subtask and every follow-up
// must exist exactly once in PostgreSQL.
type failoverRun struct {
	clients, followups int
	hit                func(t *testing.T) // breaks Redis and waits until it serves again
}

func (r failoverRun) run(t *testing.T, e *env) {
	// A short re-hand timeout: work Redis lost with the primary comes back
	// from the outbox within seconds.
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- jobs.RunWorker(ctx, e.deps, jobs.WorkerConfig{Concurrency: 8, ShutdownTimeout: 5 * time.Second,
			Relay: jobs.RelayConfig{RehandAfter: 3 * time.Second, PollInterval: 200 * time.Millisecond}})
	}()

	calls := make([]domain.Task, r.followups)
	for i := range calls {
		calls[i] = e.call(e.alice.ID)
	}
	start := time.Now()
	bulk, _ := e.bulk(r.clients)
	within(t, time.Minute, "the fan-out to start", func() bool {
		return e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID) > 0
	})
	// The follow-ups are recorded while Redis goes down and comes back.
	var wg sync.WaitGroup
	results := make([]int64, len(calls))
	wg.Go(func() {
		for i, c := range calls {
			results[i] = e.record(c, "buy", e.alice).TaskResultID
		}
	})
	atHit := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID)
	hitAt := time.Now()
	r.hit(t)
	back := time.Since(hitAt)
	wg.Wait()
	if atHit >= r.clients {
		t.Fatalf("the fan-out had finished (%d subtasks) before Redis was hit; make it bigger", atHit)
	}

	within(t, 10*time.Minute, "every subtask and follow-up", func() bool {
		return e.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0
	})
	t.Logf("clients=%d followups=%d: subtasks at the hit=%d, Redis back after %v, all done %v after start",
		r.clients, r.followups, atHit, back.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("worker: %v", err)
	}
	if got := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID); got != r.clients {
		t.Errorf("subtasks = %d, want %d", got, r.clients)
	}
	if got := e.count(`SELECT count(DISTINCT client_id) FROM tasks WHERE parent_id = $1`, bulk.ID); got != r.clients {
		t.Errorf("clients with a subtask = %d, want %d", got, r.clients)
	}
	if got := e.count(`SELECT count(*) FROM bulk_calls WHERE task_id = $1 AND created = $2 AND fanned_out_at IS NOT NULL`, bulk.ID, r.clients); got != 1 {
		t.Errorf("bulk call not finished with created = %d", r.clients)
	}
	if got := e.count(`SELECT count(*) FROM tasks WHERE source_result_id = ANY($1)`, results); got != r.followups {
		t.Errorf("follow-ups = %d, want %d", got, r.followups)
	}
	if got := e.count(`SELECT count(DISTINCT source_result_id) FROM tasks WHERE source_result_id = ANY($1)`, results); got != r.followups {
		t.Errorf("results with a follow-up = %d, want %d", got, r.followups)
	}
}

// kill -9 of the Redis primary in the middle of a fan-out and of a burst of
// follow-ups: the sentinels promote the replica, the workers follow them,
// the killed node comes back as a replica (the moment asynq issue #959's
// READONLY errors come from), and nothing is lost or doubled.
func TestSentinelFailoverWithoutLoss(t *testing.T) {
	t.Parallel()
	setup := redistest.StartSentinel(t, 6390, 26390)
	e := newEnvConfig(t, jobstest.Config{Limits: jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
		Redis: setup.Client()})
	e.deps.FanoutChunk = envInt(t, "CLUBCRM_FAILOVER_CHUNK", 50)
	failoverRun{
		clients:   envInt(t, "CLUBCRM_FAILOVER_CLIENTS", 5000),
		followups: envInt(t, "CLUBCRM_FAILOVER_FOLLOWUPS", 200),
		hit: func(t *testing.T) {
			old := setup.Run("kill-primary")
			setup.Run("wait-failover", old)
			setup.Run("restart", old)
		},
	}.run(t, e)
}

// kill -9 and restart of a Redis Cluster node (it keeps its slots and loses
// its data) in the middle of the same work.
func TestClusterNodeRestartWithoutLoss(t *testing.T) {
	t.Parallel()
	setup := redistest.StartCluster(t, 7010)
	e := newEnvConfig(t, jobstest.Config{Limits: jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
		Redis: setup.Client()})
	e.deps.FanoutChunk = envInt(t, "CLUBCRM_FAILOVER_CHUNK", 50)
	failoverRun{
		clients:   envInt(t, "CLUBCRM_FAILOVER_CLIENTS", 5000),
		followups: envInt(t, "CLUBCRM_FAILOVER_FOLLOWUPS", 200),
		hit: func(t *testing.T) {
			// The node holding the critical queue, where the follow-ups are.
			slot := redistest.Slot(t, e.rdb, "asynq:{"+e.q.Critical()+"}:pending")
			setup.Run("restart", strconv.Itoa(redistest.NodePortOfSlot(t, e.rdb, slot)))
		},
	}.run(t, e)
}

// within polls cond until it holds or d passes; it checks outcomes, never
// timings.
func within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

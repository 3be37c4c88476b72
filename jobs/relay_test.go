package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// pending counts the tasks asynq holds in a queue, in any state.
func pending(t testing.TB, rdb redis.UniversalClient, queue string) int {
	t.Helper()
	in := asynq.NewInspectorFromRedisClient(rdb)
	queues, err := in.Queues()
	if err != nil {
		t.Fatalf("queues: %v", err)
	}
	if !slices.Contains(queues, queue) {
		return 0
	}
	info, err := in.GetQueueInfo(queue)
	if err != nil {
		t.Fatalf("queue info %s: %v", queue, err)
	}
	return info.Size
}

func TestRelayHandsEachRowOnceAndAgainAfterALoss(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 3 {
		e.record(e.call(e.alice.ID), "think", e.alice) // a task.assigned and a result.recorded row each
	}
	clock := clocktest.New(time.Now())
	d := e.deps
	d.Clock = clock
	relay := jobs.NewRelay(d, jobs.RelayConfig{RehandAfter: time.Minute})
	if n, err := relay.RunOnce(e.ctx); err != nil || n != 6 {
		t.Fatalf("first pass handed %d, %v; want 6", n, err)
	}
	if n := pending(t, e.rdb, e.q.Critical()); n != 6 {
		t.Fatalf("queued = %d, want 6", n)
	}
	if n, _ := relay.RunOnce(e.ctx); n != 0 {
		t.Errorf("second pass handed %d rows, want 0 (not yet due again)", n)
	}

	// After the re-hand timeout the rows are handed over again; asynq still
	// holds their tasks, so nothing is duplicated.
	clock.Advance(time.Minute)
	if n, err := relay.RunOnce(e.ctx); err != nil || n != 6 {
		t.Fatalf("re-hand pass handed %d, %v; want 6", n, err)
	}
	if n := pending(t, e.rdb, e.q.Critical()); n != 6 {
		t.Errorf("queued after re-hand = %d, want still 6", n)
	}

	// Redis loses everything of this test; the next re-hand restores it.
	redistest.DeleteMatching(e.ctx, e.rdb, "*"+e.prefix+"*")
	if n := pending(t, e.rdb, e.q.Critical()); n != 0 {
		t.Fatalf("queued after the loss = %d", n)
	}
	clock.Advance(time.Minute)
	if n, err := relay.RunOnce(e.ctx); err != nil || n != 6 {
		t.Fatalf("pass after the loss handed %d, %v; want 6", n, err)
	}
	if n := pending(t, e.rdb, e.q.Critical()); n != 6 {
		t.Errorf("queued after the loss and re-hand = %d, want 6", n)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE attempts = 3`); n != 6 {
		t.Errorf("rows handed three times = %d, want 6", n)
	}
}

// Two relays (two worker processes) hand over disjoint rows.
func TestRelaysSideBySide(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Exec(t, e.db, `INSERT INTO outbox (club_id, kind, payload)
SELECT $1, 'task.assigned', jsonb_build_object('task_id', g, 'staff_id', 1) FROM generate_series(1, 2000) g`, e.club.ID)
	var wg sync.WaitGroup
	handed := make([]int, 2)
	for i := range handed {
		wg.Go(func() {
			n, err := jobs.NewRelay(e.deps, jobs.RelayConfig{Batch: 100}).RunOnce(e.ctx)
			if err != nil {
				t.Errorf("relay %d: %v", i, err)
			}
			handed[i] = n
		})
	}
	wg.Wait()
	if handed[0]+handed[1] != 2000 {
		t.Errorf("handed %v, want 2000 in all", handed)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE attempts <> 1`); n != 0 {
		t.Errorf("%d rows handed over other than once", n)
	}
	if n := pending(t, e.rdb, e.q.Critical()); n != 2000 {
		t.Errorf("queued = %d, want 2000", n)
	}
}

// A new row wakes a running relay at once through LISTEN/NOTIFY: with a
// poll interval of an hour, only the notification can hand it over.
func TestRelayWakesOnNotify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call(e.alice.ID)
	// The relay's first pass runs with its clock an hour back, so it finds
	// nothing due; then the clock is set right and a new row notifies.
	clock := clocktest.New(time.Now().Add(-time.Hour))
	d := e.deps
	d.Clock = clock
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error)
	go func() { done <- jobs.NewRelay(d, jobs.RelayConfig{PollInterval: time.Hour}).Run(ctx) }()
	jobstest.Eventually(t, patience, "the relay to listen", func() bool {
		return e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`) == 1
	})
	if n := pending(t, e.rdb, e.q.Critical()); n != 0 {
		t.Fatalf("handed over %d rows before they were due", n)
	}
	clock.Advance(time.Hour + time.Minute)
	e.call(e.bob.ID)
	jobstest.Eventually(t, patience, "the notified relay to hand both rows over", func() bool {
		return pending(t, e.rdb, e.q.Critical()) == 2
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("relay: %v", err)
	}
}

// A kind this release does not know stays pending for one that does.
func TestRelayLeavesUnknownKinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Exec(t, e.db, `INSERT INTO outbox (club_id, kind) VALUES ($1, 'future.kind')`, e.club.ID)
	if _, err := jobs.NewRelay(e.deps, jobs.RelayConfig{}).RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL AND last_error LIKE '%unknown outbox kind%'`); n != 1 {
		t.Errorf("unknown kind not left pending with its reason")
	}
}

// With Redis unreachable the claimed rows are given back at once instead of
// waiting out the re-hand timeout.
func TestRelayRedisDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call(e.alice.ID)
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	d := e.deps
	d.Enqueuer = jobs.NewEnqueuer(down, e.q)
	_, err := jobs.NewRelay(d, jobs.RelayConfig{RehandAfter: time.Hour, PollInterval: time.Second}).RunOnce(e.ctx)
	if err == nil {
		t.Fatal("relay pass with Redis down: no error")
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE available_at < now() + interval '1 minute' AND last_error <> ''`); n != 1 {
		t.Errorf("row not given back with its error")
	}
}

func TestRelayPrunesOldCompletedRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Exec(t, e.db, `INSERT INTO outbox (club_id, kind, completed_at) VALUES
($1, 'task.assigned', now() - interval '8 days'),
($1, 'task.assigned', now() - interval '1 day'),
($1, 'task.assigned', NULL)`, e.club.ID)
	pgtest.Exec(t, e.db, `UPDATE outbox SET available_at = now() + interval '1 hour'`) // keep the pending one unclaimed
	pgtest.Exec(t, e.db, `INSERT INTO deliveries (key, chat, sent_at) VALUES ('old', 'telegram:0:1', now() - interval '40 days'), ('new', 'telegram:0:1', now())`)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error)
	go func() { done <- jobs.NewRelay(e.deps, jobs.RelayConfig{}).Run(ctx) }()
	jobstest.Eventually(t, patience, "pruning", func() bool {
		return e.count(`SELECT count(*) FROM outbox`) == 2 && e.count(`SELECT count(*) FROM deliveries`) == 1
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("relay: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL OR completed_at > now() - interval '2 days'`); n != 2 {
		t.Errorf("kept rows = %d, want the recent and the pending one", n)
	}
}

// The invariant of the issue: Redis loses everything right after a result
// is recorded (here: after the relay handed its job over), and the
// follow-up still appears, once, and its assignee is told once.
func TestFollowupSurvivesRedisLoss(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	call := e.call(e.alice.ID)
	rec := e.record(call, "buy", e.alice)
	cfg := jobs.RelayConfig{RehandAfter: 2 * time.Second, PollInterval: 100 * time.Millisecond}
	if _, err := jobs.NewRelay(e.deps, cfg).RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := redistest.DeleteMatching(e.ctx, e.rdb, "*"+e.prefix+"*"); n == 0 {
		t.Fatal("nothing in Redis to lose")
	}

	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error)
	go func() {
		done <- jobs.RunWorker(ctx, e.deps, jobs.WorkerConfig{Concurrency: 4, ShutdownTimeout: 5 * time.Second, Relay: cfg})
	}()
	jobstest.Eventually(t, patience, "the outbox to drain", func() bool {
		return e.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("worker: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id = $1`, rec.TaskResultID); n != 1 {
		t.Errorf("follow-ups = %d, want 1", n)
	}
	followupMessages := 0
	for _, c := range e.sent(aliceChat) {
		if strings.Contains(c.Text(), "Next step") {
			followupMessages++
		}
	}
	if followupMessages != 1 {
		t.Errorf("follow-up messages to Alice = %d, want 1", followupMessages)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE kind = $1 AND attempts >= 2`, domain.OutboxResultRecorded); n != 1 {
		t.Errorf("the lost row was not handed over again")
	}
}

// runWorker runs the worker role on e's dependencies until stop is called
// or the test ends.
func (e *env) runWorker() (stop func()) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() {
		done <- jobs.RunWorker(ctx, e.deps, jobs.WorkerConfig{Concurrency: 2, ShutdownTimeout: time.Second,
			Relay: jobs.RelayConfig{PollInterval: 50 * time.Millisecond}})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				e.t.Errorf("worker: %v", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// asynq keeps finished TaskIDs in Redis for a day. A database restored from
// a backup, or re-created, while Redis keeps its data hands out outbox ids
// again; their jobs must run, not be taken for the finished ones.
func TestOutboxIDsReusedAfterRestoreStillRun(t *testing.T) {
	t.Parallel()
	t.Run("restored from a backup", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.runWorker()
		e.call(e.alice.ID)
		jobstest.Eventually(t, patience, "Alice's first notice", func() bool { return len(e.sent(aliceChat)) == 1 })
		jobstest.Eventually(t, patience, "the outbox to drain", func() bool { return e.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0 })
		// The backup predates that call: its outbox row and delivery key
		// are gone and the row's id is handed out again.
		id := e.count(`SELECT max(id) FROM outbox`)
		pgtest.Exec(t, e.db, `DELETE FROM outbox WHERE id = $1`, id)
		pgtest.Exec(t, e.db, `DELETE FROM deliveries WHERE key LIKE 'outbox:%'`)
		pgtest.Exec(t, e.db, fmt.Sprintf(`ALTER TABLE outbox ALTER COLUMN id RESTART WITH %d`, id))
		e.call(e.bob.ID)
		if got := e.count(`SELECT max(id) FROM outbox`); got != id {
			t.Fatalf("outbox id after the restore = %d, want %d again", got, id)
		}
		jobstest.Eventually(t, patience, "Bob's notice from the reused outbox id", func() bool { return len(e.sent(bobChat)) == 1 })
	})
	t.Run("re-created", func(t *testing.T) {
		t.Parallel()
		old := newEnv(t)
		stopOld := old.runWorker()
		old.call(old.alice.ID)
		jobstest.Eventually(t, patience, "the old database's notice", func() bool { return len(old.sent(aliceChat)) == 1 })
		jobstest.Eventually(t, patience, "the old outbox to drain", func() bool {
			return old.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0
		})
		// The old database is gone with its workers; a new one, migrated
		// afresh, works on the same Redis and prefix.
		stopOld()
		e := newEnv(t)
		q := e.q
		q.Prefix = old.q.Prefix
		e.q, e.rdb = q, old.rdb
		e.deps.Queues, e.deps.Redis = q, old.rdb
		e.deps.Enqueuer = jobs.NewEnqueuer(old.rdb, q)
		e.deps.Notifier = jobs.NewNotifier(e.db, old.rdb, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, e.msgr), jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
			q, e.deps.Log, e.deps.Clock)
		e.runWorker()
		e.call(e.alice.ID)
		if a, b := e.count(`SELECT max(id) FROM outbox`), old.count(`SELECT max(id) FROM outbox`); a != b {
			t.Fatalf("the new database's outbox id %d differs from the old one's %d; the test needs them equal", a, b)
		}
		jobstest.Eventually(t, patience, "the new database's notice", func() bool { return len(e.sent(aliceChat)) == 1 })
	})
}

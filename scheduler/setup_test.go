package scheduler_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/scheduler"
)

// env is one test's world: its own database and Redis prefix, a club, the
// workers' dependencies delivering to a fake Bot API, and a scheduler.
type env struct {
	t      *testing.T
	ctx    context.Context
	clock  *clocktest.Clock // zero: the wall clock (asynq keeps real time), until a test sets it
	db     *postgres.DB
	rdb    redis.UniversalClient
	queues jobs.Queues
	enq    *jobs.Enqueuer
	insp   *asynq.Inspector
	tg     *telegramtest.Server
	deps   jobs.Deps
	sched  *scheduler.Scheduler
	f      pgtest.Fixture
	log    *slog.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: &clocktest.Clock{}}
	e.log = testLogger(t)
	w := jobstest.New(t, jobstest.Config{
		Limits: jobs.Limits{PerSecond: 1000, PerChatPerSecond: 100, PerGroupPerMinute: 1000}, Clock: e.clock, Log: e.log,
	})
	e.db, e.rdb, e.queues, e.enq, e.tg, e.deps = w.DB, w.Redis, w.Queues, w.Enqueuer, w.TG, w.Deps
	e.insp = asynq.NewInspectorFromRedisClient(e.rdb)
	e.sched = e.newScheduler()
	e.f = pgtest.NewClub(t, e.db, "alpha")
	return e
}

func (e *env) newScheduler() *scheduler.Scheduler {
	return scheduler.New(scheduler.Deps{
		DB: e.db, Enqueuer: e.enq, Queues: e.queues, Clock: e.clock, Log: e.log,
		Locker: scheduler.NewPGLocker(e.db), Retry: 100 * time.Millisecond, Heartbeat: 100 * time.Millisecond,
	})
}

// testLogger logs to the test's output when -v, else discards.
func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() && os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// startWorker runs the workers (asynq server and outbox relay) on the test's
// queues until the test ends.
func (e *env) startWorker() {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- jobs.RunWorker(ctx, e.deps, jobs.WorkerConfig{Concurrency: 4, ShutdownTimeout: 5 * time.Second,
			Relay: jobs.RelayConfig{PollInterval: 100 * time.Millisecond}})
	}()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("worker: %v", err)
		}
	})
}

// waitIdle waits until the test's queues hold no job that is pending,
// scheduled, active or retrying, and the outbox nothing pending: nothing
// more will be sent. It fails the test after timeout.
func (e *env) waitIdle(timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		busy := 0
		for _, q := range []string{e.queues.Critical(), e.queues.Default(), e.queues.Bulk(), e.queues.Low()} {
			info, err := e.insp.GetQueueInfo(q)
			if err != nil {
				continue // a queue never used does not exist
			}
			busy += info.Pending + info.Scheduled + info.Active + info.Retry
		}
		busy += pgtest.Count(e.t, e.db, `SELECT count(*) FROM outbox WHERE completed_at IS NULL`)
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("queues still busy after %s: %d jobs or outbox rows", timeout, busy)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sent returns the texts (or captions) of the bot's messages in a chat.
func (e *env) sent(chatID int64) []string {
	var out []string
	for _, m := range e.tg.Sent(chatID) {
		out = append(out, m.Text)
	}
	return out
}

// sentContaining returns the bot's messages in a chat whose text contains s.
func (e *env) sentContaining(chatID int64, s string) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range e.tg.Sent(chatID) {
		if strings.Contains(m.Text, s) {
			out = append(out, m)
		}
	}
	return out
}

// task writes an open internal task by the manager, created now and
// assigned to assignee, with the given due and reminder times (nil: none)
// and no assignment notice, and returns its id.
func (e *env) task(f pgtest.Fixture, assignee int64, title string, due, remind *time.Time) int64 {
	e.t.Helper()
	return pgtest.Task(e.t, e.db, f.Club, pgtest.TaskOpts{Template: f.Templates["internal"], Title: title, Author: f.Manager.ID,
		Assignee: assignee, Due: due, Remind: remind, Created: time.Now()}).ID
}

// taskInfo returns the asynq job with the deterministic id in queue (filed
// under the deployment id, as the Enqueuer files it), or nil when there is
// none.
func (e *env) taskInfo(queue, id string) *asynq.TaskInfo {
	e.t.Helper()
	info, err := e.insp.GetTaskInfo(queue, e.queues.TaskID(id))
	if err != nil {
		return nil
	}
	return info
}

// queued counts the jobs of a queue in every state but completed.
func (e *env) queued(queue string) int {
	info, err := e.insp.GetQueueInfo(queue)
	if err != nil {
		return 0
	}
	return info.Pending + info.Scheduled + info.Active + info.Retry + info.Archived
}

// dstClub is a club of a walk over DST changes: its zone and digest hour,
// and its id once dstClubs has created it.
type dstClub struct {
	zone string
	hour int
	id   int64
}

// dstClubs deletes the fixture's club, so that only the walk's clubs are
// swept, and creates clubs, slug and name their keys, setting their ids.
func (e *env) dstClubs(clubs map[string]*dstClub) {
	e.t.Helper()
	pgtest.Exec(e.t, e.db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, e.f.Club.ID)
	for name, c := range clubs {
		c.id = pgtest.Club(e.t, e.db, pgtest.ClubOpts{Slug: name, Name: name, TimeZone: c.zone, DigestHour: &c.hour}).ID
	}
}

// dstWindows are the two-day walks over the DST changes of 2026, from and
// to in UTC; each starts at 12:00 UTC, as if the scheduler came up then.
var dstWindows = [][2]string{
	{"2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z"}, // New York springs forward on the 8th
	{"2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"}, // Kyiv on the 29th
	{"2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z"}, // Kyiv falls back on the 25th
	{"2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z"}, // New York on 1 November
}

func ptr[T any](v T) *T { return &v }

// mustLoc loads a zone.
func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := domain.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

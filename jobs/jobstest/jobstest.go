// Package jobstest gives tests of the workers (jobs) and of what feeds them
// (scheduler) one place to build the workers' dependencies: the test's own
// database and Redis prefix, a fake Bot API, the real Telegram messenger
// pointed at it, and a notifier sending through it. Each package adds its
// own club and data on top.
package jobstest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// Config is what a test chooses about its workers.
type Config struct {
	// Limits are the notifier's rate limits; tests set them high so that
	// pacing does not slow them down, or low to test the pacing.
	Limits jobs.Limits
	// Clock is the time of the database, the notifier and the jobs; nil
	// is the wall clock.
	Clock domain.Clock
	// Log receives the jobs' and the notifier's logs; nil discards them.
	Log *slog.Logger
	// Topology is the Redis deployment the workers use; empty is
	// redistest.Single.
	Topology redistest.Topology
	// Redis, when set, is the client the workers use instead (a test's
	// private setup, see redistest.StartSentinel); the World owns it.
	Redis redis.UniversalClient
}

// World is one test's workers and what they talk to.
type World struct {
	DB        *postgres.DB
	Redis     redis.UniversalClient
	Queues    jobs.Queues // on the test's own Redis prefix
	Enqueuer  *jobs.Enqueuer
	TG        *telegramtest.Server // the fake Bot API
	Messenger *telegram.Channel    // the real messenger, talking to TG
	Deps      jobs.Deps            // the workers' dependencies, notifier included
}

// New builds a World for t: a migrated database of its own (pgtest), a
// Redis prefix of its own (redistest), a fake Bot API dropped when t ends,
// and the workers' dependencies wired to them as production wires them.
func New(t testing.TB, c Config) *World {
	t.Helper()
	if c.Clock == nil {
		c.Clock = domain.SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	w := &World{}
	w.DB = pgtest.New(t, postgres.WithClock(c.Clock))
	if c.Topology == "" {
		c.Topology = redistest.Single
	}
	if c.Redis != nil {
		w.Redis, w.Queues.Prefix = c.Redis, redistest.Connect(t, c.Redis)
	} else {
		w.Redis, w.Queues.Prefix = redistest.NewOn(t, c.Topology)
	}
	dep, err := w.DB.DeploymentID(context.Background())
	if err != nil {
		t.Fatalf("jobstest: %v", err)
	}
	w.Queues.Deployment = dep
	w.Enqueuer = jobs.NewEnqueuer(w.Redis, w.Queues)
	w.TG = telegramtest.New(t)
	w.Messenger = telegram.New(w.TG.NewBot(t))
	w.Deps = jobs.Deps{
		DB: w.DB, Redis: w.Redis, Enqueuer: w.Enqueuer, Catalog: i18n.MustNew(), Queues: w.Queues, Clock: c.Clock, Log: c.Log,
		Notifier: jobs.NewNotifier(w.DB, w.Redis, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, w.Messenger), c.Limits, w.Queues, c.Log, c.Clock),
	}
	return w
}

// Eventually polls cond until it holds, failing the test with what after
// timeout. It checks outcomes, never timings: the timeout is generous.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

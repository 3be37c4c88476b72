package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// BenchmarkWorkerScaling drains the same backlog (a burst of follow-ups, or
// several bulk calls' fan-outs) with 1, 2 and 3 workers, each with its own
// PostgreSQL pool and Redis client as a worker process has, and reports the
// rate and its ratio to k times the one-worker rate of the same run
// (docs/scaling.md). The workers share this process's CPUs: on a machine
// with fewer free cores than workers the ratio measures the machine.
func BenchmarkWorkerScaling(b *testing.B) {
	for _, kind := range []string{"followups", "fanout"} {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				var one float64
				for k := 1; k <= 3; k++ {
					rate := drainWith(b, kind, k)
					if k == 1 {
						one = rate
					}
					b.ReportMetric(rate, kind+"_per_s_"+string(rune('0'+k))+"w")
					if k > 1 {
						b.ReportMetric(rate/(float64(k)*one), "linearity_"+string(rune('0'+k))+"w")
					}
				}
			}
		})
	}
}

// drainWith builds a backlog, starts k workers and returns items per second.
func drainWith(b *testing.B, kind string, k int) float64 {
	b.Helper()
	e := newEnv(b)
	pgtest.Exec(b, e.db, `DELETE FROM staff_identities`) // no messages: measure the jobs, not Telegram
	var items int
	var done func() bool
	switch kind {
	case "followups":
		items = 2000
		for range items {
			e.record(e.call(e.alice.ID), "buy", e.alice)
		}
		done = func() bool {
			return e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`) == items
		}
	case "fanout":
		const bulks, clients = 6, 3000
		items = bulks * clients
		for range bulks {
			e.bulk(clients)
		}
		done = func() bool {
			return e.count(`SELECT count(*) FROM bulk_calls WHERE fanned_out_at IS NOT NULL`) == bulks
		}
	}
	ctx, cancel := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	start := time.Now()
	for range k {
		opt, err := redis.ParseURL(redistest.URL())
		if err != nil {
			b.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		b.Cleanup(func() { rdb.Close() })
		d := e.deps
		d.DB = workerDB(b, e, 12)
		d.Redis = rdb
		d.Enqueuer = jobs.NewEnqueuer(rdb, e.q)
		d.Notifier = jobs.NewNotifier(d.DB, rdb, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, e.msgr), jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
			e.q, d.Log, d.Clock)
		d.FanoutChunk = 500
		wg.Go(func() {
			if err := jobs.RunWorker(ctx, d, jobs.WorkerConfig{Concurrency: 10, ShutdownTimeout: 5 * time.Second}); err != nil {
				b.Error(err)
			}
		})
	}
	for !done() {
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	return float64(items) / elapsed.Seconds()
}

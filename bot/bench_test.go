package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// benchInFlight is how many updates the benchmark keeps queued at the fake
// Bot API at once, as Telegram does for a busy bot.
const benchInFlight = 32

// BenchmarkTasksCommand drives "/tasks" updates through the whole stack: the
// fake Bot API over HTTP (long polling, sendMessage), the real
// go-telegram/bot client, the middleware (identity, logging), the router and
// the handler against PostgreSQL, for a staff member with 200 open tasks.
// It reports updates/s and the p50/p99 time to handle one update.
//
//	go test ./bot -run '^$' -bench TasksCommand -benchtime 2000x
func BenchmarkTasksCommand(b *testing.B) {
	h := benchSetup(b)
	for i := 0; i < 200; i++ {
		if _, err := h.db.TaskCreate(context.Background(), postgres.TaskCreateInput{
			ClubID: h.f.Club.ID, TemplateID: h.f.Templates["call"], ClientID: h.f.Clients[i%2],
			Title: fmt.Sprintf("Call %d", i), AssigneeID: h.f.Staff.ID, DueAt: at(time.Duration(i-50) * time.Hour),
		}); err != nil {
			b.Fatalf("task: %v", err)
		}
	}
	h.drive(b, func() int64 { return h.tg.SendText(h.staff, "/tasks") })
	// The figures are of the real screen, not of an error line.
	if got := h.lastText(h.staff); !strings.Contains(got, "My tasks") || !strings.Contains(got, "200 tasks") {
		b.Fatalf("the benchmarked update answered %q", got)
	}
}

// benchHarness is the harness without *testing.T's parallel checks.
type benchHarness struct {
	*harness
	mu        sync.Mutex
	durations []time.Duration
}

// benchSetup starts a bot whose handler chain records how long each update
// takes.
func benchSetup(b *testing.B) *benchHarness {
	b.Helper()
	bh := &benchHarness{}
	bh.harness = newHarness(b)
	bot := bh.newBot(Config{})
	inner := bot.handle
	bot.handle = func(r *request) {
		start := time.Now()
		inner(r)
		d := time.Since(start)
		bh.mu.Lock()
		bh.durations = append(bh.durations, d)
		bh.mu.Unlock()
	}
	bh.runBot(bot)
	return bh
}

// drive sends b.N updates made by send, keeping benchInFlight of them
// queued, waits for all, and reports throughput and latency.
func (bh *benchHarness) drive(b *testing.B, send func() int64) {
	b.Helper()
	// Warm up: connections, prepared statement caches.
	for i := 0; i < 20; i++ {
		bh.handled.wait(b, send())
	}
	bh.mu.Lock()
	bh.durations = bh.durations[:0]
	bh.mu.Unlock()

	b.ResetTimer()
	start := time.Now()
	ids := make([]int64, 0, b.N)
	for i := 0; i < b.N; i++ {
		if i >= benchInFlight {
			bh.handled.wait(b, ids[i-benchInFlight])
		}
		ids = append(ids, send())
	}
	for _, id := range ids {
		bh.handled.wait(b, id)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	bh.mu.Lock()
	d := append([]time.Duration(nil), bh.durations...)
	bh.mu.Unlock()
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	pct := func(p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(0, "ns/op") // wall time per op is what updates/s says; hide the duplicate
}

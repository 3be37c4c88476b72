package jobs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// Benchmarks of the issue. Each does one measured run per iteration and
// reports its own rates; run them with -benchtime=1x:
//
//	go test ./jobs -run '^$' -bench . -benchtime=1x -timeout 30m

// BenchmarkFanout fans a bulk call of N clients out into N subtasks through
// the real handler, and in the same run COPYs the same N rows into tasks (a
// second bulk call of the same clients) as the baseline. COPY goes first,
// so the fan-out pays for the larger table and indexes: the ratio is, if
// anything, understated. FANOUT_CHUNK=n tries another chunk size.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				e := newEnv(b)
				if c, _ := strconv.Atoi(os.Getenv("FANOUT_CHUNK")); c > 0 {
					e.deps.FanoutChunk = c
					e.mux = jobs.NewMux(e.deps)
				}
				bulk, _ := e.bulk(n)
				var clients []int64
				rows, err := e.db.Pool().Query(e.ctx, `SELECT client_id FROM bulk_call_clients WHERE task_id = $1 ORDER BY client_id`, bulk.ID)
				if err != nil {
					b.Fatal(err)
				}
				clients, err = pgx.CollectRows(rows, pgx.RowTo[int64])
				if err != nil {
					b.Fatal(err)
				}
				twin, err := e.db.TaskCreate(e.ctx, postgres.TaskCreateInput{ClubID: e.club.ID, TemplateID: e.tmpl["bulk_call"],
					Title: "Baseline", ClientIDs: clients, AuthorID: e.manager.ID})
				if err != nil {
					b.Fatal(err)
				}
				fanoutRow := e.claim(domain.OutboxBulkCreated)
				var row postgres.OutboxRow
				for _, r := range fanoutRow {
					if r.Payload.TaskID == bulk.ID {
						row = r
					}
				}

				copyStart := time.Now()
				copied, err := e.db.Pool().CopyFrom(e.ctx, pgx.Identifier{"tasks"},
					[]string{"club_id", "task_type", "template_id", "title", "client_id", "parent_id", "author_id", "status"},
					pgx.CopyFromSlice(len(clients), func(i int) ([]any, error) {
						return []any{e.club.ID, "personal_call", e.tmpl["personal_call"], "Baseline", clients[i], twin.ID, e.manager.ID, "new"}, nil
					}))
				copyTime := time.Since(copyStart)
				if err != nil || int(copied) != n {
					b.Fatalf("copy: %d rows, %v", copied, err)
				}

				b.StartTimer()
				start := time.Now()
				e.mustProcess(row)
				fanTime := time.Since(start)
				b.StopTimer()
				e.checkFanout(bulk, n)

				fanRate := float64(n) / fanTime.Seconds()
				copyRate := float64(n) / copyTime.Seconds()
				b.ReportMetric(fanRate, "subtasks/s")
				b.ReportMetric(copyRate, "copy_rows/s")
				b.ReportMetric(fanRate/copyRate, "ratio")
				b.ReportMetric(peakRSSMB(b), "peak_rss_MB")
			}
		})
	}
}

// BenchmarkDelivery sends 3,000 messages to 1,000 chats from two workers
// (two asynq servers, each with its own notifier, database pool and
// Telegram client: two worker processes in everything but the process)
// against the fake Bot API enforcing 30 messages/s and 1/s per chat, with
// the notifier at Telegram's limits. It reports messages/s, the 429s the
// fake answered, and fails if any message is missing or sent twice.
func BenchmarkDelivery(b *testing.B) {
	const messages, chats = 3000, 1000
	const benchSend = "bench:send"
	for range b.N {
		b.StopTimer()
		e := newEnvWith(b, jobs.TelegramLimits)
		e.tg.SetLimits(telegramtest.Limits{Global: 30, PerChat: 1})
		var servers []*asynq.Server
		for range 2 {
			db := workerDB(b, e, 20)
			n := jobs.NewNotifier(db, e.rdb, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, telegram.New(e.tg.NewBot(b))), jobs.TelegramLimits, e.q, e.deps.Log, domain.SystemClock{})
			mux := asynq.NewServeMux()
			mux.HandleFunc(benchSend, func(ctx context.Context, t *asynq.Task) error {
				var o jobs.Outgoing
				if err := json.Unmarshal(t.Payload(), &o); err != nil {
					return err
				}
				return n.Notify(ctx, o)
			})
			srv := jobs.NewServer(e.rdb, e.q, 40, 5*time.Second, e.deps.Log)
			servers = append(servers, srv)
			defer srv.Shutdown()
			if err := srv.Start(mux); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		for i := range messages {
			o := jobs.Outgoing{Key: fmt.Sprint("bench:", i), ClubID: e.club.ID, To: chat.TelegramAddress(chat.DefaultBot, int64(100_000+i%chats)),
				Msg: chat.Message{Text: fmt.Sprint("message ", i)}}
			payload, _ := json.Marshal(o)
			if err := e.deps.Enqueuer.Enqueue(e.ctx, asynq.NewTask(benchSend, payload), asynq.Queue(e.q.Critical())); err != nil {
				b.Fatal(err)
			}
		}
		var sent int
		for sent < messages {
			time.Sleep(100 * time.Millisecond)
			sent = e.count(`SELECT count(*) FROM deliveries`)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		for _, s := range servers {
			s.Shutdown()
		}

		seen := map[string]int{}
		for _, c := range e.tg.CallsTo("sendMessage") {
			if c.OK() {
				seen[c.Text()]++
			}
		}
		for i := range messages {
			if k := seen[fmt.Sprint("message ", i)]; k != 1 {
				b.Errorf("message %d delivered %d times", i, k)
			}
		}
		if os.Getenv("DEBUG429") != "" {
			calls := e.tg.CallsTo("sendMessage")
			for i, c := range calls {
				if c.Code == 429 {
					var okTimes []string
					for j := max(0, i-40); j < i; j++ {
						if calls[j].OK() {
							okTimes = append(okTimes, fmt.Sprint(c.Time.Sub(calls[j].Time).Milliseconds()))
						}
					}
					b.Logf("429 at call %d (chat %d); accepted before it, ms ago: %s", i, c.ChatID(), strings.Join(okTimes, " "))
				}
			}
		}
		b.ReportMetric(float64(messages)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(e.tg.Violations()), "429s")
	}
}

// BenchmarkDeliveryBots is BenchmarkDelivery with a bot per club: three
// bots (their own tokens, chats and limits on the fake Bot API, enforcing
// 30 messages/s per bot and 1/s per chat, as Telegram does per bot), 1,500
// messages each to 500 chats of their own, from two workers. Every bot
// keeps to its own budget at the same time, so the aggregate is close to
// three bots' worth: it reports msgs/s, the ratio to 3 × 30/s, the 429s
// and fails if any message is missing or sent twice.
func BenchmarkDeliveryBots(b *testing.B) {
	const bots, perBot, chats = 3, 1500, 500
	const benchSend = "bench:send"
	for range b.N {
		b.StopTimer()
		e := newEnvWith(b, jobs.TelegramLimits)
		fakes := make([]*telegramtest.Server, bots)
		for i := range fakes {
			fakes[i] = telegramtest.NewBotServer(b, fmt.Sprintf("70000%d:bench-bot-%d", 20+i, i+1))
			fakes[i].SetLimits(telegramtest.Limits{Global: 30, PerChat: 1})
		}
		mux := telegramtest.NewMux(b, fakes...)
		var servers []*asynq.Server
		for range 2 {
			db := workerDB(b, e, 20)
			router := chat.NewRouter()
			for i, f := range fakes {
				tg, err := tgbot.New(f.Token(), tgbot.WithServerURL(mux.URL), tgbot.WithSkipGetMe())
				if err != nil {
					b.Fatal(err)
				}
				router.Add(chat.Telegram, int64(i+1), telegram.NewBot(tg, int64(i+1)))
			}
			n := jobs.NewNotifier(db, e.rdb, router, jobs.TelegramLimits, e.q, e.deps.Log, domain.SystemClock{})
			sm := asynq.NewServeMux()
			sm.HandleFunc(benchSend, func(ctx context.Context, t *asynq.Task) error {
				var o jobs.Outgoing
				if err := json.Unmarshal(t.Payload(), &o); err != nil {
					return err
				}
				return n.Notify(ctx, o)
			})
			srv := jobs.NewServer(e.rdb, e.q, 80, 5*time.Second, e.deps.Log)
			servers = append(servers, srv)
			defer srv.Shutdown()
			if err := srv.Start(sm); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		for i := range bots * perBot {
			bot := int64(i%bots + 1)
			o := jobs.Outgoing{Key: fmt.Sprint("bench:", i), ClubID: e.club.ID,
				To:  chat.TelegramAddress(bot, int64(100_000+(i/bots)%chats)),
				Msg: chat.Message{Text: fmt.Sprint("message ", i)}}
			payload, _ := json.Marshal(o)
			if err := e.deps.Enqueuer.Enqueue(e.ctx, asynq.NewTask(benchSend, payload), asynq.Queue(e.q.Critical())); err != nil {
				b.Fatal(err)
			}
		}
		for e.count(`SELECT count(*) FROM deliveries`) < bots*perBot {
			time.Sleep(100 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		for _, s := range servers {
			s.Shutdown()
		}

		var violations int
		var first, last time.Time // the first and last accepted send, over every bot
		for bi, f := range fakes {
			seen := map[string]int{}
			for _, c := range f.CallsTo("sendMessage") {
				if !c.OK() {
					continue
				}
				seen[c.Text()]++
				if first.IsZero() || c.Time.Before(first) {
					first = c.Time
				}
				if c.Time.After(last) {
					last = c.Time
				}
			}
			for i := bi; i < bots*perBot; i += bots {
				if k := seen[fmt.Sprint("message ", i)]; k != 1 {
					b.Errorf("bot %d: message %d delivered %d times", bi+1, i, k)
				}
			}
			if len(seen) != perBot {
				b.Errorf("bot %d delivered %d distinct messages, want its own %d", bi+1, len(seen), perBot)
			}
			violations += f.Violations()
		}
		rate := float64(bots*perBot) / elapsed.Seconds()
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(rate/(bots*30), "ratio_to_3x30")
		// Accepted messages/s while sending: from the first accepted send to
		// the last, as the Bot API saw them (enqueueing excluded).
		accepted := float64(bots*perBot-1) / last.Sub(first).Seconds()
		b.ReportMetric(accepted, "accepted/s")
		b.ReportMetric(accepted/(bots*30), "accepted_ratio")
		b.ReportMetric(float64(violations), "429s")
	}
}

// BenchmarkFollowups: 10,000 results whose workflow rule creates a next
// task. The assignee has no Telegram chat, so the notices are skipped: this
// measures the workflow engine, not Telegram's 30 messages a second.
//
//   - steady: 8 concurrent sessions record the results while a worker runs;
//     reports follow-ups/s (first result recorded to last follow-up created),
//     the recording rate, and the p50/p99 latency from a result to its next
//     task, from the rows' own timestamps.
//   - burst: the results are all recorded first, then a worker starts;
//     reports how fast it drains them (follow-ups/s from its start).
func BenchmarkFollowups(b *testing.B) {
	for _, mode := range []string{"steady", "burst"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				benchFollowups(b, mode == "burst")
			}
		})
	}
}

func benchFollowups(b *testing.B, burst bool) {
	const n = 10_000
	b.StopTimer()
	e := newEnv(b)
	pgtest.Exec(b, e.db, `DELETE FROM staff_identities WHERE staff_id = $1`, e.alice.ID)
	clients := e.clients(n)
	rows, err := e.db.Pool().Query(e.ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, author_id, assignee_id)
SELECT $1, 'personal_call', $2, 'Call', c, $3, $4 FROM unnest($5::bigint[]) c RETURNING id`,
		e.club.ID, e.tmpl["personal_call"], e.manager.ID, e.alice.ID, clients)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	record := func() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= n {
						return
					}
					if _, err := e.db.ResultRecord(e.ctx, postgres.ResultRecordInput{ClubID: e.club.ID, TaskID: ids[i],
						ResultID: e.res["buy"], Actor: e.alice}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	// The worker has a pool of its own, as a worker process would.
	d := e.deps
	d.DB = workerDB(b, e, 20)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error)
	var started time.Time
	if burst {
		record()
		b.StartTimer()
		started = time.Now()
	}
	go func() {
		done <- jobs.RunWorker(ctx, d, jobs.WorkerConfig{Concurrency: 20, ShutdownTimeout: 5 * time.Second})
	}()
	if !burst {
		b.StartTimer()
		record()
	}
	for e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`) < n {
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	drained := time.Since(started)
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	var span, recordSpan, p50, p99 float64
	if err := e.db.Pool().QueryRow(e.ctx, `
SELECT extract(epoch FROM max(t.created_at) - min(tr.recorded_at)),
       extract(epoch FROM max(tr.recorded_at) - min(tr.recorded_at)),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.created_at - tr.recorded_at)),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM t.created_at - tr.recorded_at))
FROM tasks t JOIN task_results tr ON tr.id = t.source_result_id`).Scan(&span, &recordSpan, &p50, &p99); err != nil {
		b.Fatal(err)
	}
	if burst {
		b.ReportMetric(n/drained.Seconds(), "followups/s")
		return
	}
	b.ReportMetric(n/span, "followups/s")
	b.ReportMetric(n/recordSpan, "results_recorded/s")
	b.ReportMetric(p50*1000, "p50_ms")
	b.ReportMetric(p99*1000, "p99_ms")
}

// workerDB opens a pool of conns connections to e's database, for a
// benchmark's worker: its own pool, as a worker process has.
func workerDB(tb testing.TB, e *env, conns int32) *postgres.DB {
	tb.Helper()
	cfg := e.db.Pool().Config().Copy()
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(e.ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return postgres.New(pool)
}

// peakRSSMB is the process's peak resident set (VmHWM), in MB.
func peakRSSMB(tb testing.TB) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Logf("peak RSS: %v", err)
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

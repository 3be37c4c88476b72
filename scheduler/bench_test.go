package scheduler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/redistest"
	"github.com/clubcrm/clubcrm/scheduler"
)

// benchMinute is the minute of the burst: in asynq's real future, so the
// jobs stay scheduled.
var benchMinute = time.Date(2030, 6, 3, 9, 0, 0, 0, time.UTC)

// benchWorld is a club whose tasks table is filled with generate_series.
type benchWorld struct {
	db     *postgres.DB
	sched  *scheduler.Scheduler
	insp   *asynq.Inspector
	queues jobs.Queues
	clear  func() // forget every queued job (between iterations)
	// fill runs an INSERT … SELECT generate_series with $1 club, $2 template
	// (internal), $3 assignee, then args.
	fill func(sql string, args ...any)
}

func newBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	w := &benchWorld{db: pgtest.New(b)}
	rdb, prefix := redistest.New(b)
	w.queues = jobs.Queues{Prefix: prefix}
	w.insp = asynq.NewInspectorFromRedisClient(rdb)
	w.sched = scheduler.New(scheduler.Deps{DB: w.db, Enqueuer: jobs.NewEnqueuer(rdb, w.queues), Queues: w.queues})
	w.clear = func() { redistest.DeleteMatching(context.Background(), rdb, "*"+prefix+"*") }
	f := pgtest.NewClub(b, w.db, "bench")
	w.fill = func(sql string, args ...any) {
		if _, err := w.db.Pool().Exec(context.Background(), sql, append([]any{f.Club.ID, f.Templates["internal"], f.Staff.ID}, args...)...); err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	return w
}

// BenchmarkReminderBurst: 100,000 open tasks with reminders spread over a
// day, 10,000 of them in the same minute. One sweep at the start of the
// minute before the burst (lookahead 2 minutes) enqueues the burst and the
// few others due by then; the figure is how long that takes.
func BenchmarkReminderBurst(b *testing.B) {
	w := newBenchWorld(b)
	// 90,000 spread evenly over the day around the burst minute, 10,000 in it.
	w.fill(`
INSERT INTO tasks (club_id, task_type, template_id, title, assignee_id, due_at, remind_at)
SELECT $1, 'internal', $2, 'spread ' || g, $3, $4::timestamptz + make_interval(secs => g * 0.96) - interval '12 hours', $4::timestamptz + make_interval(secs => g * 0.96) - interval '12 hours'
FROM generate_series(0, 89999) g`, benchMinute)
	w.fill(`
INSERT INTO tasks (club_id, task_type, template_id, title, assignee_id, due_at, remind_at)
SELECT $1, 'internal', $2, 'burst ' || g, $3, $4::timestamptz + make_interval(secs => g % 60), $4::timestamptz + make_interval(secs => g % 60)
FROM generate_series(0, 9999) g`, benchMinute)
	pgtest.Exec(b, w.db, `ANALYZE tasks`)
	// The sweep of the minute before the burst sees it through its lookahead;
	// everything spread over the half day before would be a missed reminder
	// and overdue: mark those sent and told, as a running scheduler would have.
	now := benchMinute.Add(-time.Minute)
	pgtest.Exec(b, w.db, `UPDATE tasks SET reminded_at = remind_at, overdue_notified_at = CASE WHEN due_at < $1 THEN due_at END WHERE remind_at < $1`, now)
	pgtest.Exec(b, w.db, `VACUUM ANALYZE tasks`)
	due := pgtest.Count(b, w.db, `SELECT count(*) FROM tasks WHERE reminded_at IS NULL AND remind_at <= $1`, now.Add(scheduler.DefaultLookahead))
	plan, err := w.db.ReminderListDueExplain(context.Background(), now.Add(scheduler.DefaultLookahead), scheduler.DefaultPageSize)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("reminders due within the lookahead: %d of 100000 open tasks\nsweep query plan:\n%s", due, plan)
	overdue, err := w.db.OverdueListPendingExplain(context.Background(), now)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("overdue sweep query plan:\n%s", overdue)

	var worst time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w.clear()
		b.StartTimer()
		start := time.Now()
		n, err := w.sched.SweepReminders(context.Background(), now)
		took := time.Since(start)
		if err != nil || n != due {
			b.Fatalf("sweep: %d, %v; want %d", n, err, due)
		}
		worst = max(worst, took)
	}
	b.StopTimer()
	q, err := w.insp.GetQueueInfo(w.queues.Critical())
	if err != nil || q.Scheduled != due {
		b.Fatalf("queue: %+v, %v; want %d scheduled", q, err, due)
	}
	b.ReportMetric(float64(due), "jobs/sweep")
	b.ReportMetric(float64(due)/(float64(b.Elapsed().Seconds())/float64(b.N)), "jobs/s")
	b.ReportMetric(worst.Seconds(), "worst-s")
}

// BenchmarkReminderSweepGrowth: the sweep's cost as the table grows from
// 10^4 to 10^6 tasks, with the same 1,000 reminders due each time. The rest
// are a realistic mix: reminders later on (pending), reminders already sent,
// closed tasks. The partial index holds only pending reminders and the
// range scan stops at the sweep's horizon, so the cost should not grow.
func BenchmarkReminderSweepGrowth(b *testing.B) {
	for _, size := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("tasks=%d", size), func(b *testing.B) {
			w := newBenchWorld(b)
			now := benchMinute
			const dueNow = 1000
			rest := size - dueNow
			w.fill(`
INSERT INTO tasks (club_id, task_type, template_id, title, assignee_id, due_at, remind_at)
SELECT $1, 'internal', $2, 'due ' || g, $3, $4::timestamptz + interval '1 hour', $4::timestamptz - make_interval(secs => g % 60)
FROM generate_series(1, $5::int) g`, now, dueNow)
			// A third later in the week, a third already reminded, a third done.
			w.fill(`
INSERT INTO tasks (club_id, task_type, template_id, title, assignee_id, status, due_at, remind_at, reminded_at, done_at, result_id)
SELECT $1, 'internal', $2, 'other ' || g, $3,
       CASE WHEN g % 3 = 2 THEN 'done' ELSE 'new' END,
       $4::timestamptz + make_interval(hours => g % 168),
       CASE WHEN g % 3 = 0 THEN $4::timestamptz + interval '1 hour' + make_interval(mins => g % 10000) ELSE $4::timestamptz - make_interval(mins => g % 10000) END,
       CASE WHEN g % 3 = 1 THEN $4::timestamptz - make_interval(mins => g % 10000) END,
       CASE WHEN g % 3 = 2 THEN $4::timestamptz - interval '1 day' END,
       NULL
FROM generate_series(1, $5::int) g`, now, rest)
			pgtest.Exec(b, w.db, `VACUUM ANALYZE tasks`)
			until := now.Add(scheduler.DefaultLookahead)
			plan, err := w.db.ReminderListDueExplain(context.Background(), until, scheduler.DefaultPageSize)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d tasks; sweep query plan:\n%s", size, plan)
			var query, sweep time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				w.clear()
				b.StartTimer()
				start := time.Now()
				rows, err := w.db.ReminderListDue(context.Background(), until, postgres.ReminderDue{}, scheduler.DefaultPageSize)
				query += time.Since(start)
				if err != nil || len(rows) != dueNow {
					b.Fatalf("query: %d rows, %v; want %d", len(rows), err, dueNow)
				}
				b.StopTimer()
				w.clear()
				b.StartTimer()
				start = time.Now()
				n, err := w.sched.SweepReminders(context.Background(), now)
				sweep += time.Since(start)
				if err != nil || n != dueNow {
					b.Fatalf("sweep: %d, %v; want %d", n, err, dueNow)
				}
			}
			b.ReportMetric(float64(query.Microseconds())/1000/float64(b.N), "query-ms")
			b.ReportMetric(float64(sweep.Microseconds())/1000/float64(b.N), "sweep-ms")
		})
	}
}

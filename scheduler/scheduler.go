// Package scheduler is the cron side of clubcrm: once a minute it decides
// what is due (reminders, overdue notices, each club's daily digest, staff
// morning lists, the managers' mid-day overdue summary; every ten minutes,
// the clubs whose past months' report figures are to be stored) and
// enqueues it as asynq jobs with deterministic TaskIDs; the workers do the
// work. Any number of schedulers may run; one leads (a PostgreSQL advisory
// lock, see leader.go) and only the leader sweeps. Even two leaders at once
// double nothing: a duplicate TaskID is a no-op and every effect is claimed
// in the database.
//
// The sweeps take now as an argument and are exported, so tests drive the
// scheduler with a fake clock by calling them directly and never wait for
// cron.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/jobs"
)

// Store is what the sweeps read; *postgres.DB implements it.
type Store interface {
	ReminderListDue(ctx context.Context, until time.Time, after postgres.ReminderDue, limit int) ([]postgres.ReminderDue, error)
	OverdueListPending(ctx context.Context, now time.Time) ([]postgres.OverdueGroup, error)
	OverdueListUnsent(ctx context.Context, limit int) ([]postgres.OverdueNoticeKey, error)
	ClubList(ctx context.Context) ([]domain.Club, error)
	DailyRunsStart(ctx context.Context, kind postgres.DailyKind, runs []postgres.DailyRun, now time.Time) ([]postgres.DailyRun, error)
	ReportMonthsPending(ctx context.Context) ([]int64, error)
}

var _ Store = (*postgres.DB)(nil)

// Enqueuer puts jobs on the queues; *jobs.Enqueuer implements it (a TaskID
// conflict is success).
type Enqueuer interface {
	Enqueue(ctx context.Context, t *asynq.Task, opts ...asynq.Option) error
}

var _ Enqueuer = (*jobs.Enqueuer)(nil)

// Defaults of the tunables in Deps.
const (
	DefaultLookahead = 2 * time.Minute
	DefaultRetry     = 5 * time.Second
	DefaultHeartbeat = 5 * time.Second
	DefaultPageSize  = 5000
	DefaultEnqueuers = 16
	checkTimeout     = 5 * time.Second
)

// Deps is what a scheduler needs.
type Deps struct {
	DB       Store
	Enqueuer Enqueuer
	Queues   jobs.Queues
	Clock    domain.Clock
	Log      *slog.Logger
	// Locker elects the leader; nil means NewPGLocker(DB) when DB is a
	// *postgres.DB.
	Locker Locker

	// Lookahead is how far ahead the reminder sweep enqueues reminders (with
	// ProcessAt at their time). A minute more than the one-minute tick, so
	// a reminder the exact-time job missed is in Redis a minute before it is
	// due, even when a burst of them takes the sweep many seconds.
	Lookahead time.Duration
	// Retry is how often a follower tries to take the lead.
	Retry time.Duration
	// Heartbeat is how often the leader checks it still holds the lock.
	Heartbeat time.Duration
	// PageSize is how many due reminders the sweep reads per query.
	PageSize int
	// Enqueuers is how many enqueues run at once (Redis round trips).
	Enqueuers int
}

// Scheduler runs the sweeps while it leads.
type Scheduler struct {
	d   Deps
	log *slog.Logger
}

// New builds a scheduler, filling unset tunables with their defaults.
func New(d Deps) *Scheduler {
	if d.Clock == nil {
		d.Clock = domain.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if db, ok := d.DB.(*postgres.DB); ok && d.Locker == nil {
		d.Locker = NewPGLocker(db)
	}
	if d.Lookahead <= 0 {
		d.Lookahead = DefaultLookahead
	}
	if d.Retry <= 0 {
		d.Retry = DefaultRetry
	}
	if d.Heartbeat <= 0 {
		d.Heartbeat = DefaultHeartbeat
	}
	if d.PageSize <= 0 {
		d.PageSize = DefaultPageSize
	}
	if d.Enqueuers <= 0 {
		d.Enqueuers = DefaultEnqueuers
	}
	return &Scheduler{d: d, log: d.Log.With(slog.String("component", "scheduler"))}
}

// sweep is one of the per-minute entries.
type sweep struct {
	name string
	run  func(ctx context.Context, now time.Time) (int, error)
}

func (s *Scheduler) sweeps() []sweep {
	return []sweep{
		{"reminders", s.SweepReminders},
		{"overdue", s.SweepOverdue},
		{"digests", s.SweepDigests},
		{"morning", s.SweepMorning},
		{"midday", s.SweepMidday},
		{"report months", s.SweepReportMonths}, // every ten minutes
	}
}

// newCron builds the cron runner: UTC, since the sweeps are global and work
// out each club's local time themselves; a panic in a sweep is logged and
// the next tick runs; a tick that comes while the previous run of the same
// sweep is still going is skipped, not queued.
func (s *Scheduler) newCron() *cron.Cron {
	cl := cronLogger{log: s.log}
	return cron.New(
		cron.WithLocation(time.UTC),
		cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
	)
}

// lead runs the sweeps every minute until ctx ends or the lease is lost,
// and returns why it stopped. On taking the lead it sweeps at once, so a
// hand-over or a restart catches up without waiting for the next minute.
func (s *Scheduler) lead(ctx context.Context, lease Lease) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c := s.newCron()
	var ids []cron.EntryID
	for _, sw := range s.sweeps() {
		id, err := c.AddFunc("* * * * *", func() { s.tick(ctx, cancel, lease, sw) })
		if err != nil {
			return fmt.Errorf("scheduler: add %s: %w", sw.name, err)
		}
		ids = append(ids, id)
	}
	c.Start()
	var catchUp sync.WaitGroup
	for _, id := range ids {
		job := c.Entry(id).WrappedJob // with Recover and SkipIfStillRunning
		catchUp.Go(job.Run)
	}
	defer func() {
		catchUp.Wait()
		<-c.Stop().Done() // let running sweeps finish: they stop at ctx's end
	}()

	hb := time.NewTicker(s.d.Heartbeat)
	defer hb.Stop()
	for {
		select {
		case <-ctx.Done():
			if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
				return cause
			}
			return ctx.Err()
		case <-hb.C:
			if err := s.alive(ctx, lease); err != nil {
				cancel(err)
			}
		}
	}
}

// tick runs one sweep if this process still leads.
func (s *Scheduler) tick(ctx context.Context, stepDown context.CancelCauseFunc, lease Lease, sw sweep) {
	if ctx.Err() != nil {
		return
	}
	// A leader that lost its lock must not sweep: check it first.
	if err := s.alive(ctx, lease); err != nil {
		stepDown(err)
		return
	}
	now := s.d.Clock.Now()
	n, err := sw.run(ctx, now)
	if err != nil {
		s.log.ErrorContext(ctx, "sweep failed", slog.String("sweep", sw.name), slog.Int("enqueued", n), slog.Any("err", err))
		return
	}
	if n > 0 {
		s.log.InfoContext(ctx, "sweep enqueued jobs", slog.String("sweep", sw.name), slog.Int("enqueued", n))
	}
}

func (s *Scheduler) alive(ctx context.Context, lease Lease) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := lease.Alive(ctx); err != nil {
		return fmt.Errorf("lost leadership: %w", err)
	}
	return nil
}

// enqueueAll enqueues jobs with up to Deps.Enqueuers Redis round trips in
// flight, and returns how many were enqueued (or already queued) and the
// errors of the rest. It keeps going after an error: one bad job must not
// hold back the others, and the next sweep retries whatever failed.
func (s *Scheduler) enqueueAll(ctx context.Context, n int, job func(i int) (*asynq.Task, []asynq.Option, error)) (int, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ok   int
		errs []error
		sem  = make(chan struct{}, s.d.Enqueuers)
	)
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			t, opts, err := job(i)
			if err == nil {
				err = s.d.Enqueuer.Enqueue(ctx, t, opts...)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if len(errs) < 10 { // enough to diagnose; the rest are the same
					errs = append(errs, err)
				}
				return
			}
			ok++
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return ok, fmt.Errorf("%d of %d jobs not enqueued: %w", n-ok, n, errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil && ok < n {
		return ok, fmt.Errorf("%d of %d jobs not enqueued: %w", n-ok, n, err)
	}
	return ok, nil
}

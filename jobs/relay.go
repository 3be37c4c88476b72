package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// RelayConfig tunes the outbox relay. Zero values take the defaults.
type RelayConfig struct {
	// PollInterval is how often the relay looks for due rows when no
	// notification woke it (a missed NOTIFY, a re-hand falling due). 1s.
	PollInterval time.Duration
	// RehandAfter is how long a handed-over row may stay uncompleted before
	// it is handed over again: longer than a normal job, short enough that
	// work lost with Redis comes back soon. 2 minutes.
	RehandAfter time.Duration
	// Batch is how many rows one claim takes. 500.
	Batch int
	// KeepCompleted is how long completed rows stay for inspection before
	// they are pruned. 7 days.
	KeepCompleted time.Duration
	// KeepDeliveries is how long the notifier's delivery keys are kept: far
	// longer than any retry of the job that sent them. 30 days.
	KeepDeliveries time.Duration
	// PruneEvery is how often completed rows and old delivery keys are
	// pruned. 1 hour.
	PruneEvery time.Duration
	// FanoutStallAfter is how long a started fan-out may go without
	// committing a chunk (a chunk takes well under a second) before the
	// relay takes its worker for dead and hands it over again. 15s.
	FanoutStallAfter time.Duration
	// FanoutStallCheck is how often the relay looks for stalled fan-outs. 5s.
	FanoutStallCheck time.Duration
}

func (c RelayConfig) withDefaults() RelayConfig {
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.RehandAfter <= 0 {
		c.RehandAfter = 2 * time.Minute
	}
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.KeepCompleted <= 0 {
		c.KeepCompleted = 7 * 24 * time.Hour
	}
	if c.KeepDeliveries <= 0 {
		c.KeepDeliveries = 30 * 24 * time.Hour
	}
	if c.PruneEvery <= 0 {
		c.PruneEvery = time.Hour
	}
	if c.FanoutStallAfter <= 0 {
		c.FanoutStallAfter = 15 * time.Second
	}
	if c.FanoutStallCheck <= 0 {
		c.FanoutStallCheck = 5 * time.Second
	}
	return c
}

// Relay hands committed outbox rows to asynq (DESIGN.md invariant 1).
//
// A claim marks rows handed over and makes them due again RehandAfter later;
// the job marks its row completed. A row whose job did not complete in time
// (Redis lost it, a worker died without asynq noticing, the job keeps
// failing) is handed over again under the same TaskID "outbox:<id>": while
// asynq still holds that task the hand-over is a no-op, and once asynq has
// lost it the job runs again, and its idempotent effect happens once.
//
// A job that exhausted its retries stays archived in asynq, shown in
// /monitoring, and its row stays pending, shown by the outbox lag gauge;
// re-handing it is a no-op until someone runs it again from asynqmon (or
// deletes it there, and the next re-hand queues it afresh).
//
// A fan-out whose worker was killed (kill -9, a lost node) would wait for
// asynq to notice: its lease (30 s), the recoverer's minute tick and a first
// retry delay add up to a minute and a half of nothing. The fan-out commits
// a chunk (its heartbeat) every fraction of a second, so the relay hands a
// fan-out whose heartbeat stopped FanoutStallAfter ago over again, under a
// TaskID of its own (the stale heartbeat's time in it, so relays agree on
// one copy); the new run continues after the last committed chunk and says
// it is resuming. Should the old worker have been merely slow, the two runs
// share the work exactly as two hand-overs do (postgres.DB.FanoutChunk),
// and asynq's eventual retry of the lost job finds the row completed.
//
// Any number of relays may run, one in every worker process: claims use
// FOR UPDATE SKIP LOCKED, so two relays never hand over the same row at the
// same moment, and a double hand-over would be deduplicated anyway.
type Relay struct {
	db      *postgres.DB
	enq     *Enqueuer
	q       Queues
	log     *slog.Logger
	clock   domain.Clock
	metrics *Metrics
	cfg     RelayConfig
}

// NewRelay builds a relay from the workers' dependencies.
func NewRelay(d Deps, cfg RelayConfig) *Relay {
	return &Relay{db: d.DB, enq: d.Enqueuer, q: d.Queues, log: d.Log.With(slog.String("component", "relay")),
		clock: d.Clock, metrics: d.Metrics, cfg: cfg.withDefaults()}
}

// Run hands rows over until ctx is done, woken by NOTIFY and by its poll
// interval, and prunes completed rows now and then. It returns nil when ctx
// is done.
func (r *Relay) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	go r.listen(ctx, wake)
	poll := time.NewTicker(r.cfg.PollInterval)
	defer poll.Stop()
	// The lag gauge is read once a poll interval, not on every wake-up:
	// every relay wakes for every committed write, so per wake-up it would
	// cost each worker process a query per write in the whole deployment.
	var lastPrune, lastStallCheck, lastLag time.Time
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "relay pass failed", slog.Any("err", err))
		}
		now := r.clock.Now()
		if now.Sub(lastLag) >= r.cfg.PollInterval {
			lastLag = now
			if lag, err := r.db.OutboxLag(ctx, now); err == nil {
				r.metrics.outboxLag(lag.Seconds())
			}
		}
		if now.Sub(lastStallCheck) >= r.cfg.FanoutStallCheck {
			lastStallCheck = now
			r.resumeStalled(ctx, now)
		}
		if now.Sub(lastPrune) >= r.cfg.PruneEvery {
			lastPrune = now
			r.prune(ctx, now)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-wake:
		}
	}
}

// RunOnce hands over every row due now and returns how many it handed over.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	handed := 0
	for {
		now := r.clock.Now()
		rows, err := r.db.OutboxClaim(ctx, now, r.cfg.Batch, now.Add(r.cfg.RehandAfter))
		if err != nil {
			return handed, err
		}
		for i, row := range rows {
			err := r.hand(ctx, row)
			if errors.Is(err, errUnknownKind) {
				// Left pending for a release that knows the kind; the claim
				// already moved it a re-hand timeout away.
				r.log.WarnContext(ctx, "outbox row of a kind this release does not handle",
					slog.Int64("outbox_id", row.ID), slog.String("kind", row.Kind))
				_ = r.db.OutboxFail(ctx, row.ClubID, row.ID, err.Error())
				continue
			}
			if err != nil {
				// Redis is likely down: give the rest back for the next pass
				// instead of letting them wait out the re-hand timeout.
				rest := make([]int64, 0, len(rows)-i)
				for _, x := range rows[i:] {
					rest = append(rest, x.ID)
				}
				if rerr := r.db.OutboxRelease(context.WithoutCancel(ctx), rest, now.Add(r.cfg.PollInterval), err.Error()); rerr != nil {
					r.log.WarnContext(ctx, "release outbox rows", slog.Any("err", rerr))
				}
				return handed, err
			}
			handed++
		}
		if len(rows) < r.cfg.Batch {
			return handed, nil
		}
	}
}

func (r *Relay) hand(ctx context.Context, row postgres.OutboxRow) error {
	t, opts, err := newOutboxTask(r.q, row)
	if err != nil {
		return err
	}
	if row.Attempts > 1 {
		r.log.DebugContext(ctx, "outbox row handed over again", slog.Int64("outbox_id", row.ID),
			slog.String("kind", row.Kind), slog.Int("attempts", row.Attempts))
	}
	return r.enq.Enqueue(ctx, t, opts...)
}

// resumeStalled hands over again every fan-out whose heartbeat stopped
// FanoutStallAfter before now (see Relay).
func (r *Relay) resumeStalled(ctx context.Context, now time.Time) {
	stalled, err := r.db.FanoutStalled(ctx, now.Add(-r.cfg.FanoutStallAfter), r.cfg.Batch)
	if err != nil {
		if ctx.Err() == nil {
			r.log.WarnContext(ctx, "look for stalled fan-outs", slog.Any("err", err))
		}
		return
	}
	for _, s := range stalled {
		t, opts, err := newOutboxTask(r.q, s.Row)
		if err != nil {
			r.log.WarnContext(ctx, "stalled fan-out", slog.Int64("outbox_id", s.Row.ID), slog.Any("err", err))
			continue
		}
		id := outboxTaskID(s.Row) + ":resume:" + strconv.FormatInt(s.BeatAt.UnixMicro(), 10)
		if err := r.enq.Enqueue(ctx, t, append(opts, asynq.TaskID(id))...); err != nil {
			r.log.WarnContext(ctx, "hand over stalled fan-out", slog.Int64("outbox_id", s.Row.ID), slog.Any("err", err))
			return
		}
		r.log.WarnContext(ctx, "fan-out stalled, its worker is gone; handing it over to resume",
			slog.Int64("club_id", s.Row.ClubID), slog.Int64("task_id", s.Row.Payload.TaskID),
			slog.Int("created", s.Created), slog.Int("total", s.Total), slog.Duration("stalled_for", now.Sub(s.BeatAt)))
	}
}

// listen turns NOTIFYs into wake-ups, reconnecting after failures. Polling
// covers the gaps, so a failure here only costs latency.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	const minBackoff = time.Second
	backoff := minBackoff
	for {
		started := time.Now()
		err := r.db.OutboxListen(ctx, func() {
			select {
			case wake <- struct{}{}:
			default: // a wake-up is already pending
			}
		})
		if ctx.Err() != nil {
			return
		}
		r.log.WarnContext(ctx, "outbox listener stopped; polling only until it reconnects", slog.Any("err", err))
		if time.Since(started) > time.Minute {
			backoff = minBackoff // it had been working: this is a new outage
		}
		if sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// prune deletes completed rows older than KeepCompleted, in batches, and
// delivery keys and sent overdue notices older than KeepDeliveries.
func (r *Relay) prune(ctx context.Context, now time.Time) {
	const batch = 5000
	before := now.Add(-r.cfg.KeepCompleted)
	var total int64
	for ctx.Err() == nil {
		n, err := r.db.OutboxPrune(ctx, before, batch)
		if err != nil {
			r.log.WarnContext(ctx, "prune outbox", slog.Any("err", err))
			return
		}
		total += n
		if n < batch {
			break
		}
	}
	if total > 0 {
		r.log.InfoContext(ctx, "pruned completed outbox rows", slog.Int64("rows", total))
	}
	if n, err := r.db.DeliveriesPrune(ctx, now.Add(-r.cfg.KeepDeliveries)); err != nil {
		r.log.WarnContext(ctx, "prune deliveries", slog.Any("err", err))
	} else if n > 0 {
		r.log.InfoContext(ctx, "pruned old delivery keys", slog.Int64("rows", n))
	}
	// A sent overdue notice is kept as long as its delivery key, for the
	// same reason: a late run of its slot must find it.
	if n, err := r.db.OverdueNoticesPrune(ctx, now.Add(-r.cfg.KeepDeliveries)); err != nil {
		r.log.WarnContext(ctx, "prune overdue notices", slog.Any("err", err))
	} else if n > 0 {
		r.log.InfoContext(ctx, "pruned sent overdue notices", slog.Int64("rows", n))
	}
}

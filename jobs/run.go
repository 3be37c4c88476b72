package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// WorkerConfig tunes RunWorker. Zero values take the defaults.
type WorkerConfig struct {
	// Concurrency is how many jobs this process runs at once. 10.
	Concurrency int
	// ShutdownTimeout is how long in-flight jobs get to finish once ctx is
	// done; after it they are handed back to the queue and cancelled. 25s.
	ShutdownTimeout time.Duration
	Relay           RelayConfig
}

// RunWorker runs the worker role: the asynq server with every handler, and
// the outbox relay. It returns when ctx is done and shutdown has finished:
// the relay stops at once, in-flight jobs get ShutdownTimeout to finish,
// and jobs still running then go back to their queue (their work is
// idempotent and resumable, so another worker redoes or continues it) and
// have their contexts cancelled.
//
// asynq alone decides when a job's time is up: at ShutdownTimeout it puts
// the job back on its queue and only then cancels the job's context. A
// timer of our own cancelling handlers at the same moment would race it,
// and when it won, asynq would see the job fail with "context canceled"
// and schedule a retry 15–45 s later instead of handing it straight back.
// The base context is cancelled only after asynq's shutdown has returned.
func RunWorker(ctx context.Context, d Deps, cfg WorkerConfig) error {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 10
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 25 * time.Second
	}
	// Handlers run under their own context, not ctx: a signal starts a
	// graceful shutdown, it does not cut jobs off mid-way.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := asynq.NewServerFromRedisClient(d.Redis,
		serverConfig(d.Queues, cfg.Concurrency, cfg.ShutdownTimeout, d.Log, func() context.Context { return base }))
	if err := srv.Start(NewMux(d)); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	relayDone := make(chan error, 1)
	go func() { relayDone <- NewRelay(d, cfg.Relay).Run(ctx) }()

	<-ctx.Done()
	d.Log.Info("worker shutting down", "shutdown_timeout", cfg.ShutdownTimeout)
	srv.Shutdown() // requeues what is still running at ShutdownTimeout, then cancels it
	cancelBase()   // strictly after: stops anything a handler left behind
	if err := <-relayDone; err != nil {
		return fmt.Errorf("outbox relay: %w", err)
	}
	return nil
}

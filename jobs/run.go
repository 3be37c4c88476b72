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
	cancelLate := time.AfterFunc(cfg.ShutdownTimeout, cancelBase)
	srv.Shutdown()
	cancelLate.Stop()
	cancelBase()
	if err := <-relayDone; err != nil {
		return fmt.Errorf("outbox relay: %w", err)
	}
	return nil
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Deps is what the handlers need. One value is built at start-up and its
// methods are registered on the mux.
type Deps struct {
	DB       *postgres.DB
	Redis    redis.UniversalClient
	Enqueuer *Enqueuer
	Notifier *Notifier
	Catalog  *i18n.Catalog
	Queues   Queues
	Clock    domain.Clock
	Log      *slog.Logger
	Metrics  *Metrics // nil: not counted
	// FanoutChunk is how many subtasks one fan-out transaction creates;
	// 0 means DefaultFanoutChunk.
	FanoutChunk int
}

// NewMux registers every handler: one per outbox kind (so no outbox row is
// ever left without a taker), and the scheduler's reminders and digests.
func NewMux(d Deps) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeResultRecorded, d.outbox(d.handleResultRecorded))
	mux.HandleFunc(TypeBulkCreated, d.outbox(d.handleBulkCreated))
	mux.HandleFunc(TypeTaskAssigned, d.outbox(d.handleTaskAssigned))
	mux.HandleFunc(TypeTaskRescheduled, d.outbox(d.replanReminder)) // jobs/reminder.go
	mux.HandleFunc(TypeStaffReachable, d.outbox(d.handleStaffReachable))
	mux.HandleFunc(TypeInboundReceived, d.outbox(d.handleInboundReceived)) // jobs/inbound.go
	mux.HandleFunc(TypeLeadEscalate, d.outbox(d.handleLeadEscalate))
	mux.HandleFunc(TypeCallAnswered, d.outbox(d.handleCallAnswered))
	mux.HandleFunc(TypeBulkProgress, d.handleBulkProgress)
	// The scheduler's jobs (jobs/reminder.go, overdue.go, digest.go,
	// report_months.go).
	mux.HandleFunc(TypeReminderSend, d.handleReminderSend)
	mux.HandleFunc(TypeOverdueNotify, d.handleOverdueNotify)
	mux.HandleFunc(TypeDigestSend, d.handleDigestSend)
	mux.HandleFunc(TypeMorningSend, d.handleMorningSend)   // jobs/morning.go
	mux.HandleFunc(TypeMiddaySend, d.handleMiddaySend)     // jobs/midday.go
	mux.HandleFunc(TypeReportMonths, d.handleReportMonths) // jobs/report_months.go
	return mux
}

// NewServer builds the asynq server: weighted queue priorities, asynq's
// logs through slog, and the failure rules below. ShutdownTimeout is how
// long in-flight jobs get to finish on shutdown before they are handed back
// to the queue.
func NewServer(rdb redis.UniversalClient, q Queues, concurrency int, shutdownTimeout time.Duration, log *slog.Logger) *asynq.Server {
	return asynq.NewServerFromRedisClient(rdb, serverConfig(q, concurrency, shutdownTimeout, log, nil))
}

// serverConfig is NewServer's configuration; base, when set, is the context
// every handler runs under, so RunWorker can stop, once asynq's shutdown has
// returned, anything a handler left running.
func serverConfig(q Queues, concurrency int, shutdownTimeout time.Duration, log *slog.Logger, base func() context.Context) asynq.Config {
	return asynq.Config{
		Concurrency: concurrency,
		BaseContext: base,
		// asynq polls empty queues, each idle worker sleeping about this long
		// between polls (default 1s). A follow-up passes the queue twice
		// (result, then the assignee's notice), so the default would add
		// seconds to what a person waits for; 200ms costs an idle process
		// about 5 Redis calls a second per unit of concurrency.
		TaskCheckInterval: 200 * time.Millisecond,
		// Reminders are scheduled jobs (ProcessAt) that must reach a person
		// within 5 s of their time; asynq moves due scheduled jobs to their
		// queue every DelayedTaskCheckInterval (default 5s), so a second.
		DelayedTaskCheckInterval: time.Second,
		Queues:                   q.Priorities(),
		StrictPriority:           false, // see Queues.Priorities
		ShutdownTimeout:          shutdownTimeout,
		Logger:                   asynqLogger{log: log.With(slog.String("component", "asynq"))},
		LogLevel:                 asynq.InfoLevel,
		IsFailure:                isFailure,
		RetryDelayFunc:           retryDelay,
		ErrorHandler:             errorHandler(log),
	}
}

// retryDelay retries a job the messenger (or the notifier's hourly cap)
// told to wait once the wait is over, and any other failure on asynq's
// default schedule.
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	var ra *chat.RetryAfterError
	if errors.As(err, &ra) && ra.After > 0 {
		return ra.After + time.Second
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// isFailure decides whether an error counts against a task's retries and in
// the queue's failure statistics. A job that gave up on purpose (SkipRetry:
// the task, club or person is gone), a job stopped by shutdown, a job told
// by the messenger to wait, and a job whose message another copy of it is
// sending are not failures of the job.
func isFailure(err error) bool {
	var ra *chat.RetryAfterError
	switch {
	case errors.Is(err, asynq.SkipRetry), errors.Is(err, context.Canceled), errors.As(err, &ra),
		errors.Is(err, postgres.ErrDeliveryInFlight):
		return false
	}
	return true
}

// errorHandler logs each failed run once, with the task's type and id.
func errorHandler(log *slog.Logger) asynq.ErrorHandlerFunc {
	return func(ctx context.Context, t *asynq.Task, err error) {
		id, _ := asynq.GetTaskID(ctx)
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		attrs := []any{slog.String("task_type", t.Type()), slog.String("task_id", id),
			slog.Int("retried", retried), slog.Int("max_retry", maxRetry), slog.Any("err", err)}
		switch {
		case errors.Is(err, asynq.SkipRetry):
			log.WarnContext(ctx, "job dropped: retrying cannot help", attrs...)
		case retried >= maxRetry:
			log.ErrorContext(ctx, "job failed, retries exhausted; archived", attrs...)
		default:
			log.WarnContext(ctx, "job failed, will retry", attrs...)
		}
	}
}

// asynqLogger adapts slog to asynq.Logger.
type asynqLogger struct{ log *slog.Logger }

var _ asynq.Logger = asynqLogger{}

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }

// Warn drops asynq's "Retry exhausted" line: errorHandler has already logged
// that failure once, with the task's type and the error.
func (l asynqLogger) Warn(args ...any) {
	msg := fmt.Sprint(args...)
	if strings.HasPrefix(msg, "Retry exhausted for task") {
		return
	}
	l.log.Warn(msg)
}

// Fatal is what asynq calls when it cannot go on; its contract is to exit.
func (l asynqLogger) Fatal(args ...any) {
	l.log.Error(fmt.Sprint(args...))
	os.Exit(1)
}

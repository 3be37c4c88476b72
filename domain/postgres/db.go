package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clubcrm/clubcrm/domain"
)

// DB is the store. It is safe for concurrent use.
type DB struct {
	pool       *pgxpool.Pool
	replica    *pgxpool.Pool // reports and digests read here when set
	log        *slog.Logger
	clock      domain.Clock
	maxConns   int32  // only read by Open
	replicaURL string // only read by Open
	// noReportMonths makes reports read every row, never stored months
	// (WithoutReportMonths).
	noReportMonths bool
}

// Option configures a DB.
type Option func(*DB)

// WithClock sets the clock used for timestamps the store decides (expiries,
// "now" in queries). Defaults to the system clock.
func WithClock(c domain.Clock) Option { return func(db *DB) { db.clock = c } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(db *DB) { db.log = l } }

// WithMaxConns sizes the pool Open creates (default: pgx's max(4, CPUs)).
// The bot, the workers and the notifier share one pool in `serve`, so the
// service sets it explicitly from DATABASE_MAX_CONNS.
func WithMaxConns(n int32) Option { return func(db *DB) { db.maxConns = n } }

// WithReplicaURL names a read replica (a streaming standby) that Open
// connects to as well: reports, digests and the morning lists read from it,
// so a year of aggregates never competes with the bot's and the workers'
// writes on the primary. Their figures may then lag the primary by the
// replication delay, usually well under a second. Empty: everything reads
// the primary.
func WithReplicaURL(url string) Option { return func(db *DB) { db.replicaURL = url } }

// WithoutReportMonths makes reports read every row of their period and
// never the figures stored for past months (report_months.go): the plain
// computation the stored months are checked against.
func WithoutReportMonths() Option { return func(db *DB) { db.noReportMonths = true } }

// Open connects to PostgreSQL (and to the replica, if one is named) and
// checks the connections.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", redactErr(err))
	}
	var settings DB
	for _, o := range opts {
		o(&settings)
	}
	if settings.maxConns > 0 {
		cfg.MaxConns = settings.maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database at %s: %w", cfg.ConnConfig.Host, oneLineError{err})
	}
	db := New(pool, opts...)
	if settings.replicaURL != "" {
		rcfg, err := pgxpool.ParseConfig(settings.replicaURL)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("parse database replica url: %w", redactErr(err))
		}
		if settings.maxConns > 0 {
			rcfg.MaxConns = settings.maxConns
		}
		replica, err := pgxpool.NewWithConfig(ctx, rcfg)
		if err == nil {
			err = replica.Ping(pingCtx)
			if err != nil {
				replica.Close()
			}
		}
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect to database replica at %s: %w", rcfg.ConnConfig.Host, oneLineError{err})
		}
		db.replica = replica
	}
	return db, nil
}

// New wraps an existing pool.
func New(pool *pgxpool.Pool, opts ...Option) *DB {
	db := &DB{pool: pool, log: slog.New(slog.DiscardHandler), clock: domain.SystemClock{}}
	for _, o := range opts {
		o(db)
	}
	return db
}

// Pool exposes the pool for the few callers that need pgx directly (asynq's
// neighbours in tests, benchmarks). Application code uses DB's methods.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Clock returns the store's clock.
func (db *DB) Clock() domain.Clock { return db.clock }

// Close closes the pools.
func (db *DB) Close() {
	db.pool.Close()
	if db.replica != nil {
		db.replica.Close()
	}
}

// reads is where reports and digests read: the replica when there is one.
func (db *DB) reads() *pgxpool.Pool {
	if db.replica != nil {
		return db.replica
	}
	return db.pool
}

// Ping checks the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// querier is what both a pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = (pgx.Tx)(nil)
)

// inTx runs fn in a transaction, committing if it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var otx *outboxTx
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		otx = &outboxTx{Tx: tx}
		return fn(otx)
	})
	if err == nil && otx.wrote {
		db.wakeRelays(ctx) // outbox_wake.go: after the commit, not inside it
	}
	if cerr := ctx.Err(); err != nil && cerr != nil && !errors.Is(err, cerr) {
		// pgx may report a statement cut short by ctx (a COPY, say) as the
		// closed connection it left behind; the cause is the context, which
		// callers test for (a job stopped by shutdown is not a failure).
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// mapErr turns pgx errors into domain errors: no rows → ErrNotFound, unique
// violation → ErrConflict, foreign key / check violations → ErrInvalid, text
// PostgreSQL cannot store → the rule "text_invalid" (so the person is told
// what is wrong with what they typed). The original error stays in the chain
// for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", domain.ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s: %w", domain.ErrConflict, pgErr.ConstraintName, err)
		case "23503", "23514", "23502", "22001", "22P02", "22007", "22008": // fk, check, not null, too long, bad text repr, bad datetime
			return fmt.Errorf("%w: %s: %w", domain.ErrInvalid, pgErr.ConstraintName, err)
		case "22021", "22P05": // text PostgreSQL cannot store: a NUL byte in text, \u0000 in JSON
			return fmt.Errorf("%w: %w", errTextInvalid(), err)
		case "40001", "40P01": // serialization failure, deadlock: the caller may retry
			return fmt.Errorf("%w: %w", domain.ErrConflict, err)
		}
	}
	return err
}

// errTextInvalid is typed text PostgreSQL cannot store (a NUL byte, which
// a chat message or a form's answer may carry), under the code domain.Client
// uses for the same thing.
func errTextInvalid() *domain.Error {
	return domain.Invalid(domain.CodeTextInvalid, "the text contains a NUL character, which cannot be stored", nil)
}

// oneLineError shows a multi-line error on one line. pgx reports a failed
// connection once per address tried, a line each (and localhost is often two
// addresses); commands and logs print one line per problem.
type oneLineError struct{ err error }

func (e oneLineError) Error() string {
	return strings.Join(strings.Fields(e.err.Error()), " ")
}

func (e oneLineError) Unwrap() error { return e.err }

// redactErr drops the text of a URL parse error, which may quote the password.
func redactErr(err error) error {
	return errors.New("malformed connection string")
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// app holds what every long-running role shares: configuration, logger,
// database, Redis, the metrics registry and the bound HTTP listener. One
// per process.
type app struct {
	cfg   config
	log   *slog.Logger
	db    *postgres.DB
	rdb   redis.UniversalClient
	reg   *prometheus.Registry
	clock domain.Clock
	ln    net.Listener // bound before anything else; serveHTTP serves on it
	// botReady reports whether the bot has reached Telegram; nil when this
	// process runs no bot. /readyz reports the bot part with it.
	botReady func() bool
}

// newApp binds the HTTP port, connects to PostgreSQL and Redis, and only
// then applies pending migrations (under goose's advisory lock, so replicas
// starting together migrate once): a port in use or a dependency that does
// not answer stops the process with one clear line before it has written
// anything.
func newApp(ctx context.Context, e *cmdEnv, role string) (*app, error) {
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(cfg, e.stderr)
	if err != nil {
		return nil, err
	}
	log = log.With(slog.String("role", role), slog.String("version", version))
	log.Info("starting", slog.Any("config", cfg))
	routeRedisLogs(log)

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	clock := e.clock
	if clock == nil {
		clock = domain.SystemClock{}
	}
	db, err := openDB(ctx, cfg, log, postgres.WithClock(clock))
	if err != nil {
		ln.Close()
		return nil, err
	}
	rdb, err := openRedis(ctx, cfg)
	if err != nil {
		ln.Close()
		db.Close()
		return nil, err
	}
	res, err := db.Migrate(ctx)
	if err != nil {
		ln.Close()
		rdb.Close()
		db.Close()
		return nil, err
	}
	if len(res.Applied) > 0 {
		log.Info("migrations applied", slog.Any("versions", res.Applied), slog.Int64("schema_version", res.Current))
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &app{cfg: cfg, log: log, db: db, rdb: rdb, reg: reg, clock: clock, ln: ln}, nil
}

func (a *app) close() {
	_ = a.ln.Close() // already closed when it was served
	if err := a.rdb.Close(); err != nil {
		a.log.Warn("close redis", slog.Any("error", err))
	}
	a.db.Close()
}

func newLogger(cfg config, w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

// routeRedisLogs sends go-redis's own log lines (dial failures, pool
// trouble) through the service's logger, in its format, instead of raw
// lines on stderr. go-redis has one logger per process, not per client.
func routeRedisLogs(log *slog.Logger) {
	redis.SetLogger(redisLogger{log: log.With(slog.String("component", "redis"))})
}

// redisLogger adapts slog to go-redis's logger. go-redis logs only what went
// wrong, so its lines are warnings.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}

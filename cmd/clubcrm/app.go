package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// app holds what every long-running role shares: configuration, logger,
// database, Redis and the metrics registry. One per process.
type app struct {
	cfg   config
	log   *slog.Logger
	db    *postgres.DB
	rdb   redis.UniversalClient
	reg   *prometheus.Registry
	clock domain.Clock
}

// newApp connects to PostgreSQL and Redis and applies pending migrations
// (under goose's advisory lock, so replicas starting together migrate once).
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

	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	res, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(res.Applied) > 0 {
		log.Info("migrations applied", slog.Any("versions", res.Applied), slog.Int64("schema_version", res.Current))
	}
	rdb, err := openRedis(ctx, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &app{cfg: cfg, log: log, db: db, rdb: rdb, reg: reg, clock: domain.SystemClock{}}, nil
}

func (a *app) close() {
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

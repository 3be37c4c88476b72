package main

import (
	"context"
	"log/slog"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// openDB connects to PostgreSQL with the service's options.
func openDB(ctx context.Context, cfg config, log *slog.Logger, extra ...postgres.Option) (*postgres.DB, error) {
	opts := append([]postgres.Option{postgres.WithMaxConns(cfg.DatabaseMaxConns), postgres.WithReplicaURL(cfg.DatabaseReplicaURL)}, extra...)
	if log != nil {
		opts = append(opts, postgres.WithLogger(log))
	}
	return postgres.Open(ctx, cfg.DatabaseURL, opts...)
}

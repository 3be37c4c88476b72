package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files (for tests that fingerprint them).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}

// MigrationResult says what Migrate did.
type MigrationResult struct {
	Applied []int64 // versions applied by this call
	Current int64   // schema version afterwards
}

// Migrate applies pending migrations, each in its own transaction, holding a
// PostgreSQL session advisory lock so that several processes starting at once
// apply them exactly once.
func (db *DB) Migrate(ctx context.Context) (MigrationResult, error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	return migrateSQL(ctx, sqlDB)
}

func migrateSQL(ctx context.Context, sqlDB *sql.DB) (MigrationResult, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return MigrationResult{}, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations(), goose.WithSessionLocker(locker))
	if err != nil {
		return MigrationResult{}, fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("apply migrations: %w", err)
	}
	var res MigrationResult
	for _, r := range results {
		res.Applied = append(res.Applied, r.Source.Version)
	}
	res.Current, err = p.GetDBVersion(ctx)
	if err != nil {
		return res, fmt.Errorf("read schema version: %w", err)
	}
	return res, nil
}

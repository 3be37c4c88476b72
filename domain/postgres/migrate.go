package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

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

// SchemaPending returns the embedded migrations the database has not
// applied, without applying or locking anything. Admin commands ask it
// first, so that a database never migrated gets "run clubcrm migrate"
// instead of `relation "clubs" does not exist` halfway through.
func (db *DB) SchemaPending(ctx context.Context) ([]int64, error) {
	applied := map[int64]bool{}
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("schema version: %w", mapErr(err))
	}
	if exists {
		rows, err := db.pool.Query(ctx, `SELECT version_id FROM goose_db_version WHERE is_applied`)
		if err != nil {
			return nil, fmt.Errorf("schema version: %w", mapErr(err))
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("schema version: %w", mapErr(err))
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("schema version: %w", mapErr(err))
		}
	}
	entries, err := fs.ReadDir(Migrations(), ".")
	if err != nil {
		return nil, fmt.Errorf("schema version: %w", err)
	}
	var pending []int64
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			continue // not a migration file
		}
		if !applied[v] {
			pending = append(pending, v)
		}
	}
	return pending, nil
}

package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// resetSchema empties a test database so migrations start from nothing.
func resetSchema(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP EXTENSION IF EXISTS pg_trgm"); err != nil {
		t.Fatalf("reset schema: %v", err)
	}
}

// openTestDB opens a store on a test database URL, closed with the test.
func openTestDB(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(db.Close)
	return db
}

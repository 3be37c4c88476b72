package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
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

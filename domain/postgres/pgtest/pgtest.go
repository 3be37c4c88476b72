// Package pgtest gives each test its own PostgreSQL database, cloned from a
// template that holds the current migrations, against the real server named by
// TEST_DATABASE_URL. Cloning a template takes tens of milliseconds, so every
// test gets a database nobody else touches: store tests, bot conversations,
// workers and the scheduler's global sweeps all run in parallel without
// seeing each other's rows.
//
// When the server is missing the test fails with instructions; it never skips.
//
// The factories (factory.go: Club, Staff, Template, Result, Client, Task)
// fill such a database, and NewClub (fixture.go) builds the common club
// from them: the one way tests make a club.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// DefaultURL is used when TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@localhost:5432/clubcrm_test?sslmode=disable"

// URL returns the server URL tests use.
func URL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New creates a fresh, migrated database for this test, returns a store
// connected to it, and drops the database when the test ends.
func New(t testing.TB, opts ...postgres.Option) *postgres.DB {
	t.Helper()
	dbURL := NewURL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(pool.Close)
	return postgres.New(pool, opts...)
}

// NewURL creates a fresh, migrated database for this test and returns its
// URL, for tests that start the binary or open their own pools. The database
// is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := adminConn(ctx, t)
	defer admin.Close(context.Background())

	tmpl := templateName()
	ensureTemplate(ctx, t, admin, tmpl)

	name := "clubcrm_t_" + randomSuffix()
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", name, tmpl)); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := adminConn(ctx, t)
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u := withDatabase(t, URL(), name)
	newDeployment(ctx, t, u)
	return u
}

// newDeployment gives a cloned database a deployment id of its own, as if
// it had been migrated on its own: clones of one template would otherwise
// share the template's.
func newDeployment(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `UPDATE deployment SET id = substr(md5(random()::text || clock_timestamp()::text), 1, 16)`); err != nil {
		t.Fatalf("pgtest: deployment id: %v", err)
	}
}

func adminConn(ctx context.Context, t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, withDatabase(t, URL(), "postgres"))
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL is not reachable at %s: %v\n"+
			"Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or `docker compose up -d postgres`) "+
			"or point TEST_DATABASE_URL at a server where this user may create databases.", redact(URL()), err)
	}
	return conn
}

// ensureTemplate creates the template database for the current migrations
// once, under an advisory lock so parallel test binaries do not race.
func ensureTemplate(ctx context.Context, t testing.TB, admin *pgx.Conn, tmpl string) {
	t.Helper()
	const lockKey = 727_001
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		t.Fatalf("pgtest: lock: %v", err)
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", tmpl).Scan(&exists); err != nil {
		t.Fatalf("pgtest: look up template: %v", err)
	}
	if exists {
		return
	}
	// A half-made template from a crashed run is not marked datistemplate: drop it.
	if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", tmpl)); err != nil {
		t.Fatalf("pgtest: drop stale template: %v", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s", tmpl)); err != nil {
		t.Fatalf("pgtest: create template: %v", err)
	}
	pool, err := pgxpool.New(ctx, withDatabase(t, URL(), tmpl))
	if err != nil {
		t.Fatalf("pgtest: connect to template: %v", err)
	}
	_, err = postgres.New(pool).Migrate(ctx)
	pool.Close()
	if err != nil {
		t.Fatalf("pgtest: migrate template: %v", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s WITH IS_TEMPLATE true", tmpl)); err != nil {
		t.Fatalf("pgtest: mark template: %v", err)
	}
}

// templateName fingerprints the embedded migrations, so a changed migration
// gets a fresh template instead of a stale one.
func templateName() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(postgres.Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(postgres.Migrations(), n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return "clubcrm_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func withDatabase(t testing.TB, raw, db string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("pgtest: TEST_DATABASE_URL is not a URL: %v", err)
	}
	u.Path = "/" + db
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Exec runs SQL against a test database, failing the test on error; for
// fixtures and assertions that have no store method.
func Exec(t testing.TB, db *postgres.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Pool().Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("pgtest: exec %q: %v", strings.SplitN(sql, "\n", 2)[0], err)
	}
}

// Count runs a SELECT count(*)-style query returning one integer.
func Count(t testing.TB, db *postgres.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("pgtest: count %q: %v", strings.SplitN(sql, "\n", 2)[0], err)
	}
	return n
}

package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// The report benchmarks run on a synthetic club (SyntheticFill) whose
// history ends at benchNow: two years of tasks, clients = tasks/5, 50 staff.
//
//	go test ./domain/postgres -run '^$' -bench Report -benchtime 10x
//	CLUBCRM_BENCH_TASKS=1000000 go test ./domain/postgres -run '^$' -bench Report -benchtime 10x -timeout 60m
//
// CLUBCRM_BENCH_TASKS sets the size (default 20,000). The filled database,
// clubcrm_bench_<tasks>_<migrations hash>_<data version>, is kept on the test server and
// reused by later runs (filling 10^6 tasks takes minutes); a database of the
// same size made for other migrations is dropped. Each benchmark logs
// EXPLAIN (ANALYZE, BUFFERS) of its main statement once.
//
// The history ends today (UTC midnight), because the database's own clock
// decides which months and days are stored (report_months.go): the month
// still going has its closed days stored and its last days raw, as a club's
// has. The kept database is filled again each day.
var benchNow = time.Now().UTC().Truncate(24 * time.Hour)

const benchDefaultTasks = 20_000

// benchDataVersion changes with SyntheticFill's output, so a kept database
// filled by an older generator is dropped and filled again.
var benchDataVersion = "_g3_" + benchNow.Format("20060102")

type benchSet struct {
	db          *postgres.DB
	raw         *postgres.DB // the same database, reports reading every row
	club        int64
	tasks       int
	month, year report.Range
	thisMonth   report.Range // the month still going: its closed days stored, its last days raw
}

var (
	benchOnce   sync.Once
	benchShared benchSet
	benchErr    error
	benchLogged sync.Map
)

func benchSetup(b *testing.B) benchSet {
	b.Helper()
	tasks := benchDefaultTasks
	if v := os.Getenv("CLUBCRM_BENCH_TASKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("CLUBCRM_BENCH_TASKS=%q: want a number of tasks, at least 1000", v)
		}
		tasks = n
	}
	benchOnce.Do(func() {
		var db *postgres.DB
		if db, benchErr = benchDB(tasks); benchErr == nil {
			benchShared, benchErr = benchFill(db, tasks)
		}
	})
	if benchErr != nil {
		b.Fatalf("bench setup: %v", benchErr)
	}
	return benchShared
}

// benchDB opens (creating and migrating if needed) the kept benchmark
// database for this size and the current migrations.
func benchDB(tasks int) (*postgres.DB, error) {
	ctx := context.Background()
	u, err := url.Parse(pgtest.URL())
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("clubcrm_bench_%d_", tasks)
	name := prefix + migrationsHash() + benchDataVersion
	u.Path = "/postgres"
	admin, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer admin.Close(ctx)
	var stale []string
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2`, prefix, name)
	if err != nil {
		return nil, err
	}
	if stale, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, err
	}
	for _, d := range stale {
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{d}.Sanitize()+" WITH (FORCE)"); err != nil {
			return nil, err
		}
	}
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	u.Path = "/" + name
	db, err := postgres.Open(ctx, u.String(), postgres.WithClock(clocktest.New(benchNow)))
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// migrationsHash fingerprints the embedded migrations.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(postgres.Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(postgres.Migrations(), p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// benchFill fills the "bench" club unless it is there already.
func benchFill(db *postgres.DB, tasks int) (benchSet, error) {
	ctx := context.Background()
	s := benchSet{db: db, tasks: tasks}
	err := db.Pool().QueryRow(ctx, `SELECT id FROM clubs WHERE slug = 'bench'`).Scan(&s.club)
	if err == pgx.ErrNoRows {
		if err := db.Pool().QueryRow(ctx, `INSERT INTO clubs (slug, name, time_zone) VALUES ('bench', 'Bench', 'Europe/Kyiv') RETURNING id`).Scan(&s.club); err != nil {
			return s, err
		}
		if _, err := db.SyntheticFill(ctx, postgres.SyntheticInput{ClubID: s.club, Tasks: tasks, Clients: max(tasks/5, 100),
			Staff: 50, Years: 2, Seed: 1, Now: benchNow}); err != nil {
			return s, err
		}
	} else if err != nil {
		return s, err
	}
	// Store the past months as the sweep would (report_months.go).
	for {
		n, err := db.ReportMonthsBuild(ctx, s.club)
		if err != nil {
			return s, err
		}
		if n == 0 {
			break
		}
	}
	s.raw = postgres.New(db.Pool(), postgres.WithClock(clocktest.New(benchNow)), postgres.WithoutReportMonths())
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		return s, err
	}
	// The month still going is the one of three days ago (the builder
	// stores what ended three days before now); the last month, and the
	// twelve, before it are stored whole.
	h := report.DateOf(benchNow.Add(-3 * 24 * time.Hour).In(kyiv))
	going := report.Date{Year: h.Year, Month: h.Month, Day: 1}
	s.thisMonth = report.Range{From: going.Start(kyiv), To: monthAfter(going, 1).Start(kyiv)}
	s.month = report.Range{From: monthAfter(going, -1).Start(kyiv), To: going.Start(kyiv)}
	s.year = report.Range{From: monthAfter(going, -12).Start(kyiv), To: going.Start(kyiv)}
	return s, nil
}

func benchExplain(b *testing.B, s benchSet, r report.Range, which string) {
	b.Helper()
	if _, done := benchLogged.LoadOrStore(b.Name(), true); done {
		return
	}
	plan, err := s.db.ReportExplain(context.Background(), s.club, r, report.Filter{}, which)
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
	b.Logf("%d tasks; EXPLAIN (ANALYZE, BUFFERS) of the %s statement:\n%s", s.tasks, which, plan)
}

func benchGeneral(b *testing.B, pick func(benchSet) report.Range, raw bool) {
	s := benchSetup(b)
	r := pick(s)
	db := s.db
	if raw {
		db = s.raw
	}
	benchExplain(b, s, r, "tasks")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		g, err := db.ReportGeneral(ctx, s.club, r, report.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		if g.Totals.Created == 0 {
			b.Fatal("no tasks in the range")
		}
	}
}

func benchFunnel(b *testing.B, pick func(benchSet) report.Range, raw bool) {
	s := benchSetup(b)
	r := pick(s)
	db := s.db
	if raw {
		db = s.raw
	}
	benchExplain(b, s, r, "funnel")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := db.ReportFunnel(ctx, s.club, r, report.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Stages) == 0 || f.Stages[0].Clients == 0 {
			b.Fatal("empty funnel")
		}
	}
}

// monthAfter is the first of the month n months after d's.
func monthAfter(d report.Date, n int) report.Date {
	return report.DateOf(time.Date(d.Year, d.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC))
}

func month(s benchSet) report.Range     { return s.month }
func year(s benchSet) report.Range      { return s.year }
func thisMonth(s benchSet) report.Range { return s.thisMonth }

// The reports over the last whole month and the twelve before the month
// still going read stored months; ThisMonth reads the month still going,
// its closed days stored and the last three or four days raw; the Raw ones
// read every row (WithoutReportMonths), as a report does before the sweep
// has stored its months.
func BenchmarkReportGeneralMonth(b *testing.B)     { benchGeneral(b, month, false) }
func BenchmarkReportGeneralYear(b *testing.B)      { benchGeneral(b, year, false) }
func BenchmarkReportGeneralThisMonth(b *testing.B) { benchGeneral(b, thisMonth, false) }
func BenchmarkReportGeneralMonthRaw(b *testing.B)  { benchGeneral(b, month, true) }
func BenchmarkReportGeneralYearRaw(b *testing.B)   { benchGeneral(b, year, true) }
func BenchmarkReportFunnelMonth(b *testing.B)      { benchFunnel(b, month, false) }
func BenchmarkReportFunnelYear(b *testing.B)       { benchFunnel(b, year, false) }
func BenchmarkReportFunnelThisMonth(b *testing.B)  { benchFunnel(b, thisMonth, false) }
func BenchmarkReportFunnelMonthRaw(b *testing.B)   { benchFunnel(b, month, true) }
func BenchmarkReportFunnelYearRaw(b *testing.B)    { benchFunnel(b, year, true) }

// BenchmarkReportBaselineScan is the yardstick the report timings are
// judged by (issue 11): one plain aggregate over all the club's tasks, in the
// same run and on the same data. Every report should take at most 1.5 times
// as long.
func BenchmarkReportBaselineScan(b *testing.B) {
	s := benchSetup(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		var n, sum int64
		if err := s.db.Pool().QueryRow(ctx, `SELECT count(*), coalesce(sum(coalesce(result_id, 0)), 0)::bigint FROM tasks WHERE club_id = $1`, s.club).Scan(&n, &sum); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("no tasks")
		}
	}
}

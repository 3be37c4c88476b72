package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

var genNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func genSmall(clubID int64) postgres.SyntheticInput {
	return postgres.SyntheticInput{ClubID: clubID, Tasks: 3000, Clients: 400, Staff: 6, Years: 1, Seed: 7, Now: genNow}
}

func TestSyntheticFill(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, postgres.WithClock(clocktest.New(genNow)))
	ctx := context.Background()
	club := repNewClub(t, db, "bench")
	other := repNewClub(t, db, "other")

	res, err := db.SyntheticFill(ctx, genSmall(club.id))
	if err != nil {
		t.Fatalf("SyntheticFill: %v", err)
	}
	if res.Tasks != 3000 || res.Clients != 400 || res.Staff != 6 {
		t.Fatalf("inserted %+v, want 3000 tasks, 400 clients, 6 staff", res)
	}
	if res.Results == 0 || res.Calls == 0 || res.FieldValues == 0 {
		t.Fatalf("inserted %+v: no history", res)
	}
	counts := map[string]int{
		"tasks":           pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1`, club.id),
		"phones":          pgtest.Count(t, db, `SELECT count(*) FROM client_phones WHERE club_id = $1`, club.id),
		"results":         pgtest.Count(t, db, `SELECT count(*) FROM task_results WHERE club_id = $1`, club.id),
		"stages":          pgtest.Count(t, db, `SELECT count(*) FROM funnel_stages WHERE club_id = $1`, club.id),
		"task types":      pgtest.Count(t, db, `SELECT count(DISTINCT task_type) FROM tasks WHERE club_id = $1`, club.id),
		"statuses":        pgtest.Count(t, db, `SELECT count(DISTINCT status) FROM tasks WHERE club_id = $1`, club.id),
		"other club":      pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1`, other.id),
		"out of range":    pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND (created_at > $2 OR created_at < $2::timestamptz - interval '1 year' OR done_at < created_at OR done_at > $2)`, club.id, genNow),
		"owners":          pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE club_id = $1 AND role = 'owner'`, club.id),
		"done w/o result": pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND status = 'done' AND client_id IS NOT NULL AND result_id IS NULL`, club.id),
		"done w/o staff":  pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND status = 'done' AND assignee_id IS NULL`, club.id),
		"unassigned open": pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND status <> 'done' AND assignee_id IS NULL`, club.id),
	}
	want := map[string]int{"tasks": 3000, "phones": 400, "results": int(res.Results), "stages": 4, "task types": 4, "statuses": 4,
		"other club": 0, "out of range": 0, "owners": 1, "done w/o result": 0, "done w/o staff": 0}
	for k, w := range want {
		if counts[k] != w {
			t.Errorf("%s = %d, want %d", k, counts[k], w)
		}
	}
	if counts["unassigned open"] == 0 {
		t.Error("no open task is unassigned")
	}

	// The reports find data in it: the last full month.
	r := report.PeriodRange(report.PeriodLastMonth, genNow, time.UTC)
	g, err := db.ReportGeneral(ctx, club.id, r, report.Filter{})
	if err != nil {
		t.Fatalf("ReportGeneral: %v", err)
	}
	if g.Totals.Created == 0 || g.Totals.Done == 0 || g.Totals.Overdue == 0 || g.CallsOut == 0 || len(g.Fields) != 2 {
		t.Errorf("general report on synthetic data: %+v, calls out %d, %d fields", g.Totals, g.CallsOut, len(g.Fields))
	}
	if len(g.ByStaff) != 7 || g.ByStaff[6].StaffID != 0 { // six staff and the unassigned tasks
		t.Errorf("by staff on synthetic data: %+v", g.ByStaff)
	}
	fn, err := db.ReportFunnel(ctx, club.id, r, report.Filter{})
	if err != nil {
		t.Fatalf("ReportFunnel: %v", err)
	}
	if len(fn.Stages) != 4 || fn.Stages[0].Clients == 0 || fn.Stages[3].Clients == 0 || fn.Stages[0].Clients < fn.Stages[3].Clients {
		t.Errorf("funnel on synthetic data: %+v", fn.Stages)
	}

	// A second fill of the same club is refused and changes nothing.
	if _, err := db.SyntheticFill(ctx, genSmall(club.id)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second fill error = %v, want ErrConflict", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1`, club.id); n != 3000 {
		t.Fatalf("after a refused fill the club has %d tasks", n)
	}
}

// The same seed gives the same data.
func TestSyntheticFillIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fingerprint := func() string {
		db := pgtest.New(t)
		club := repNewClub(t, db, "bench")
		in := genSmall(club.id)
		in.Tasks = 500
		if _, err := db.SyntheticFill(ctx, in); err != nil {
			t.Fatalf("SyntheticFill: %v", err)
		}
		var s string
		if err := db.Pool().QueryRow(ctx, `
SELECT md5(string_agg(concat_ws(',', t.status, t.task_type, t.created_at, t.done_at, r.key, t.client_id - (SELECT min(id) FROM clients)), ';' ORDER BY t.id))
FROM tasks t LEFT JOIN results r ON r.id = t.result_id`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := fingerprint(), fingerprint(); a != b {
		t.Fatalf("two fills with seed 7 differ: %s vs %s", a, b)
	}
}

func TestSyntheticFillRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	club := repNewClub(t, db, "bench")
	mod := func(f func(*postgres.SyntheticInput)) postgres.SyntheticInput {
		in := genSmall(club.id)
		f(&in)
		return in
	}
	tests := []struct {
		name string
		in   postgres.SyntheticInput
		want error
	}{
		{"unknown club", mod(func(in *postgres.SyntheticInput) { in.ClubID = 999999 }), domain.ErrNotFound},
		{"no tasks", mod(func(in *postgres.SyntheticInput) { in.Tasks = 0 }), domain.ErrInvalid},
		{"too many clients", mod(func(in *postgres.SyntheticInput) { in.Clients = 10_000_000 }), domain.ErrInvalid},
		{"no staff", mod(func(in *postgres.SyntheticInput) { in.Staff = 0 }), domain.ErrInvalid},
		{"zero years", mod(func(in *postgres.SyntheticInput) { in.Years = 0 }), domain.ErrInvalid},
		{"no now", mod(func(in *postgres.SyntheticInput) { in.Now = time.Time{} }), domain.ErrInvalid},
	}
	for _, tc := range tests {
		if _, err := db.SyntheticFill(ctx, tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM templates WHERE club_id = $1`, club.id); n != 0 {
		t.Errorf("refused fills left %d templates", n)
	}
}

// A club with a plan of its own is refused: generating next to it added a
// second set of results and four more funnel stages, after which the club's
// own plan no longer applied. Nothing is written.
func TestSyntheticFillRefusesAClubWithItsOwnPlan(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, postgres.WithClock(clocktest.New(genNow)))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "planned")
	pgtest.Exec(t, db, `DELETE FROM client_phones WHERE club_id = $1`, f.Club.ID)
	pgtest.Exec(t, db, `DELETE FROM clients WHERE club_id = $1`, f.Club.ID)
	stages := pgtest.Count(t, db, `SELECT count(*) FROM funnel_stages WHERE club_id = $1`, f.Club.ID)
	results := pgtest.Count(t, db, `SELECT count(*) FROM results WHERE club_id = $1`, f.Club.ID)
	_, err := db.SyntheticFill(ctx, genSmall(f.Club.ID))
	if !errors.Is(err, domain.ErrConflict) || domain.ErrorCode(err) != domain.CodeClubHasPlan {
		t.Fatalf("club with a plan: %v", err)
	}
	if pgtest.Count(t, db, `SELECT count(*) FROM funnel_stages WHERE club_id = $1`, f.Club.ID) != stages ||
		pgtest.Count(t, db, `SELECT count(*) FROM results WHERE club_id = $1`, f.Club.ID) != results {
		t.Fatal("a refused fill changed the plan")
	}
}

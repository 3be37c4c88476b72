package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

func TestDigestRuns(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	day := report.Date{Year: 2026, Month: 11, Day: 26}
	runs := []postgres.DigestRun{{ClubID: f.Club.ID, Date: day}, {ClubID: other.Club.ID, Date: day}}

	got, err := db.DigestRunsStart(ctx, runs, testNow)
	if err != nil || len(got) != 2 || got[0] != runs[0] || got[1] != runs[1] {
		t.Fatalf("start: %+v, %v", got, err)
	}
	// Started but not sent (the job was lost): returned again, still one row each.
	again, err := db.DigestRunsStart(ctx, runs, testNow.Add(time.Minute))
	if err != nil || len(again) != 2 {
		t.Fatalf("start again: %+v, %v", again, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM digest_runs`); n != 2 {
		t.Fatalf("%d digest runs, want 2", n)
	}
	if sent, err := db.DigestRunSentAt(ctx, f.Club.ID, day); err != nil || sent != nil {
		t.Fatalf("sent at before sending: %v, %v", sent, err)
	}
	if err := db.DigestRunSent(ctx, f.Club.ID, day, testNow); err != nil {
		t.Fatalf("sent: %v", err)
	}
	if err := db.DigestRunSent(ctx, f.Club.ID, day, testNow.Add(time.Hour)); err != nil {
		t.Fatalf("sent twice: %v", err)
	}
	if sent, err := db.DigestRunSentAt(ctx, f.Club.ID, day); err != nil || sent == nil || !sent.Equal(testNow) {
		t.Fatalf("sent at: %v, %v; want the first time", sent, err)
	}
	// A sent digest is not returned; the other club's still is.
	left, err := db.DigestRunsStart(ctx, runs, testNow.Add(2*time.Minute))
	if err != nil || len(left) != 1 || left[0].ClubID != other.Club.ID {
		t.Fatalf("after sending: %+v, %v", left, err)
	}
	if empty, err := db.DigestRunsStart(ctx, nil, testNow); err != nil || len(empty) != 0 {
		t.Fatalf("no runs: %+v, %v", empty, err)
	}

	next := day.AddDays(1)
	if _, err := db.DigestRunSentAt(ctx, f.Club.ID, next); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("sent at of a digest never started: %v, want ErrNotFound", err)
	}
	if err := db.DigestRunSent(ctx, f.Club.ID, next, testNow); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("marking a digest never started: %v, want ErrNotFound", err)
	}
	if _, err := db.DigestRunsStart(ctx, []postgres.DigestRun{{ClubID: 1 << 40, Date: day}}, testNow); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("unknown club: %v, want ErrInvalid", err)
	}
}

func TestDigestTodayGet(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	day := report.Date{Year: 2026, Month: 11, Day: 26} // testNow is 12:00 in Kyiv
	today := report.DayRange(day, day, kyiv)

	dueTask(t, db, f, f.Staff.ID, "overdue since yesterday", today.From.Add(-time.Hour))
	dueTask(t, db, f, f.Staff.ID, "overdue this morning", today.From.Add(9*time.Hour))
	dueTask(t, db, f, 0, "unassigned, overdue", today.From.Add(8*time.Hour))
	dueTask(t, db, f, f.Colleague.ID, "due tonight", today.From.Add(20*time.Hour))
	dueTask(t, db, f, f.Colleague.ID, "due tomorrow", today.To.Add(time.Hour))
	done := dueTask(t, db, f, f.Staff.ID, "done", today.From.Add(time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	dueTask(t, db, other, other.Staff.ID, "another club's", today.From.Add(time.Hour))
	pgtest.Exec(t, db, `UPDATE staff SET unreachable_at = $2 WHERE id = $1`, f.Colleague.ID, testNow)
	var owner int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO staff (club_id, name, role, tg_user_id) VALUES ($1, 'Owner', 'owner', 99) RETURNING id`, f.Club.ID).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, `INSERT INTO staff (club_id, name, role, active) VALUES ($1, 'Former manager', 'manager', false)`, f.Club.ID)

	d, err := db.DigestTodayGet(ctx, f.Club.ID, today, testNow)
	if err != nil {
		t.Fatalf("today: %v", err)
	}
	// Due today (open): this morning's, the unassigned one, tonight's = 3.
	// Overdue now (open, due before 12:00 Kyiv): yesterday's, this morning's, unassigned = 3.
	if d.DueToday != 3 || d.OverdueNow != 3 {
		t.Errorf("due today %d, overdue now %d; want 3, 3", d.DueToday, d.OverdueNow)
	}
	if len(d.OverdueByStaff) != 2 || d.OverdueByStaff[0].StaffID != f.Staff.ID || d.OverdueByStaff[0].Count != 2 ||
		d.OverdueByStaff[1].StaffID != 0 || d.OverdueByStaff[1].Count != 1 {
		t.Errorf("overdue by staff: %+v", d.OverdueByStaff)
	}
	if len(d.Overdue) != 3 || d.Overdue[0].Title != "overdue since yesterday" || d.Overdue[0].AssigneeName != f.Staff.Name || d.Overdue[1].AssigneeName != "" {
		t.Errorf("overdue list: %+v", d.Overdue)
	}
	if len(d.Unreachable) != 1 || d.Unreachable[0] != f.Colleague.Name {
		t.Errorf("unreachable: %v", d.Unreachable)
	}
	if len(d.Recipients) != 2 || d.Recipients[0] != f.Manager.ID || d.Recipients[1] != owner {
		t.Errorf("recipients: %v, want manager and owner", d.Recipients)
	}
}

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

// The two daily kinds are separate runs of one table, each once per club
// and local date; marking sent keeps the first time.
func TestDailyRuns(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := pgtest.NewClub(t, db, "alpha"), pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	day := report.Date{Year: 2026, Month: 3, Day: 29}
	now := time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC)
	runs := []postgres.DigestRun{{ClubID: a.Club.ID, Date: day}, {ClubID: b.Club.ID, Date: day}}
	for _, kind := range []postgres.DailyKind{postgres.DailyMorning, postgres.DailyMidday} {
		for range 2 { // started twice (two schedulers): one row, returned while unsent
			got, err := db.DailyRunsStart(ctx, kind, runs, now)
			if err != nil || len(got) != 2 || got[0] != runs[0] || got[1] != runs[1] {
				t.Fatalf("%s start: %+v, %v", kind, got, err)
			}
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM daily_runs`); n != 4 {
		t.Fatalf("%d daily runs, want 4 (2 clubs × 2 kinds)", n)
	}
	if err := db.DailyRunSent(ctx, postgres.DailyMorning, a.Club.ID, day, now); err != nil {
		t.Fatalf("sent: %v", err)
	}
	if err := db.DailyRunSent(ctx, postgres.DailyMorning, a.Club.ID, day, now.Add(time.Hour)); err != nil {
		t.Fatalf("sent again: %v", err)
	}
	if sent, err := db.DailyRunSentAt(ctx, postgres.DailyMorning, a.Club.ID, day); err != nil || sent == nil || !sent.Equal(now) {
		t.Fatalf("morning sent at %v, %v; want %s", sent, err, now)
	}
	if sent, err := db.DailyRunSentAt(ctx, postgres.DailyMidday, a.Club.ID, day); err != nil || sent != nil {
		t.Fatalf("midday of the same club and day: sent at %v, %v; want unsent", sent, err)
	}
	got, err := db.DailyRunsStart(ctx, postgres.DailyMorning, runs, now)
	if err != nil || len(got) != 1 || got[0] != runs[1] {
		t.Fatalf("start after one was sent: %+v, %v; want only beta's", got, err)
	}
	if _, err := db.DailyRunSentAt(ctx, postgres.DailyMorning, a.Club.ID, day.AddDays(1)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("never started: %v, want ErrNotFound", err)
	}
	if err := db.DailyRunSent(ctx, postgres.DailyMidday, a.Club.ID, day.AddDays(1), now); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("mark never started: %v, want ErrNotFound", err)
	}
	if _, err := db.DailyRunsStart(ctx, "weekly", runs, now); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("unknown kind: %v, want ErrInvalid", err)
	}
}

// Morning lists on Kyiv's spring-forward day (29 March 2026, a 23-hour
// day): today runs to 21:00 UTC. Tasks past due and due before then are
// listed per assignee, earliest first; tasks due after, closed, deleted,
// unassigned, an inactive person's, and another club's are not.
func TestMorningListsGet(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f, other := pgtest.NewClub(t, db, "alpha"), pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	kyiv, err := domain.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	day := report.Date{Year: 2026, Month: 3, Day: 29}
	today := report.DayRange(day, day, kyiv)
	if want := time.Date(2026, 3, 29, 21, 0, 0, 0, time.UTC); !today.To.Equal(want) {
		t.Fatalf("end of the DST day %s, want %s", today.To, want)
	}
	now := time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC) // 09:00 EEST
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	task := func(fx pgtest.Fixture, assignee int64, title, due, status string) int64 {
		var id int64
		if err := db.Pool().QueryRow(ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, author_id, assignee_id, due_at, status, done_at)
VALUES ($1, 'internal', $2, $3, $4, nullif($5, 0), $6::timestamptz, $7::text, CASE WHEN $7::text = 'done' THEN $6::timestamptz END) RETURNING id`,
			fx.Club.ID, fx.Templates["internal"], title, fx.Manager.ID, assignee, at(due), status).Scan(&id); err != nil {
			t.Fatalf("task %s: %v", title, err)
		}
		return id
	}
	old := task(f, f.Staff.ID, "last week", "2026-03-22T08:00:00Z", "new")
	late := task(f, f.Staff.ID, "23:30 EEST", "2026-03-29T20:30:00Z", "in_progress")
	task(f, f.Staff.ID, "00:30 next day", "2026-03-29T21:30:00Z", "new")
	task(f, f.Staff.ID, "done", "2026-03-28T08:00:00Z", "done")
	task(f, f.Staff.ID, "cancelled", "2026-03-28T08:00:00Z", "cancelled")
	deleted := task(f, f.Staff.ID, "deleted", "2026-03-28T08:00:00Z", "new")
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	task(f, 0, "unassigned", "2026-03-28T08:00:00Z", "new")
	task(f, f.Colleague.ID, "inactive person's", "2026-03-29T10:00:00Z", "new")
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, f.Colleague.ID)
	task(other, other.Staff.ID, "beta's", "2026-03-29T10:00:00Z", "new")
	var many []int64
	for i := range 12 {
		many = append(many, task(f, f.Manager.ID, "m", time.Date(2026, 3, 29, 7, i, 0, 0, time.UTC).Format(time.RFC3339), "new"))
	}

	lists, err := db.MorningListsGet(ctx, f.Club.ID, today, now)
	if err != nil {
		t.Fatal(err)
	}
	byStaff := map[int64]postgres.MorningList{}
	for _, l := range lists {
		byStaff[l.StaffID] = l
	}
	if len(lists) != 2 {
		t.Fatalf("%d lists, want 2 (staff, manager): %+v", len(lists), lists)
	}
	s := byStaff[f.Staff.ID]
	if s.DueToday != 1 || s.Overdue != 1 || len(s.Tasks) != 2 || s.Tasks[0].ID != old || s.Tasks[1].ID != late {
		t.Errorf("staff's list: %+v; want 1 due today, 1 overdue, [%d %d]", s, old, late)
	}
	m := byStaff[f.Manager.ID]
	if m.DueToday != 12 || m.Overdue != 0 || len(m.Tasks) != postgres.MorningListLimit || m.Tasks[0].ID != many[0] ||
		m.Tasks[postgres.MorningListLimit-1].ID != many[postgres.MorningListLimit-1] {
		t.Errorf("manager's list: %d due, %d overdue, %d lines; want 12, 0, the first %d", m.DueToday, m.Overdue, len(m.Tasks), postgres.MorningListLimit)
	}

	empty, err := db.MorningListsGet(ctx, other.Club.ID, today, today.To) // beta's one task is overdue by then
	if err != nil || len(empty) != 1 || empty[0].StaffID != other.Staff.ID || empty[0].Overdue != 1 {
		t.Errorf("beta's lists: %+v, %v", empty, err)
	}
	none, err := db.MorningListsGet(ctx, f.Club.ID+other.Club.ID+100, today, now) // a club that does not exist
	if err != nil || len(none) != 0 {
		t.Errorf("unknown club: %+v, %v; want none", none, err)
	}
}

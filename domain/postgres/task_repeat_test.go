package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestRecurringTask closes occurrences of a weekly internal task, three
// times in all: each close creates the next, due a week after the previous
// due time at the same local time (across the DST change), never two open
// at once, and none after the third.
func TestRecurringTask(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 3, 23, 10, 0, 0, 0, kyiv)
	clk := clocktest.New(due.Add(-time.Hour))
	db := pgtest.New(t, postgres.WithClock(clk))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "rep")
	pgtest.Exec(t, db, `INSERT INTO template_repeats (template_id, club_id, every_days, times) VALUES ($1, $2, 7, 3)`, f.Templates["internal"], f.Club.ID)

	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water",
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	open := func() []int64 {
		t.Helper()
		var ids []int64
		rows, err := db.Pool().Query(ctx, `SELECT id FROM tasks WHERE status IN ('new', 'in_progress') ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		return ids
	}
	cur := task.ID
	for i, wantDue := range []time.Time{time.Date(2026, 3, 30, 10, 0, 0, 0, kyiv), time.Date(2026, 4, 6, 10, 0, 0, 0, kyiv)} {
		if _, err := db.TaskStatusSet(ctx, f.Club.ID, cur, f.Staff, domain.StatusDone); err != nil {
			t.Fatalf("close occurrence %d: %v", i+1, err)
		}
		ids := open()
		if len(ids) != 1 {
			t.Fatalf("after closing occurrence %d: open %v, want exactly the next one", i+1, ids)
		}
		v, err := db.TaskGet(ctx, f.Club.ID, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if v.DueAt == nil || !v.DueAt.Equal(wantDue) || v.AssigneeID != f.Staff.ID || v.Title != "Order water" {
			t.Fatalf("occurrence %d: due %v assignee %d title %q, want due %v", i+2, v.DueAt, v.AssigneeID, v.Title, wantDue)
		}
		// Reopening the closed one and closing it again makes no second open occurrence.
		if i == 0 {
			if _, err := db.TaskStatusSet(ctx, f.Club.ID, cur, f.Manager, domain.StatusInProgress); err != nil {
				t.Fatalf("reopen: %v", err)
			}
			if _, err := db.TaskStatusSet(ctx, f.Club.ID, cur, f.Manager, domain.StatusDone); err != nil {
				t.Fatalf("close again: %v", err)
			}
			if n := len(open()); n != 1 {
				t.Fatalf("open occurrences after a reopen and close: %d, want 1", n)
			}
		}
		cur = ids[0]
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, cur, f.Staff, domain.StatusDone); err != nil {
		t.Fatal(err)
	}
	if ids := open(); len(ids) != 0 {
		t.Errorf("after the third of three: open %v", ids)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE coalesce(series_id, id) = $1`, task.ID); n != 3 {
		t.Errorf("occurrences: %d, want 3", n)
	}
	// A task of a template without a rule is not a series.
	plain, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[0], AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: plain.ID, ResultID: f.Results["thinking"], Actor: f.Staff}); err != nil {
		t.Fatal(err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE template_id = $1`, f.Templates["call"]); n != 1 {
		t.Errorf("a plain task came back")
	}
}

// TestRecurringTaskWorkingHours: the next occurrence of a task due outside
// the club's working hours lands inside them, on the rule's day (a Monday
// task due at 07:00 comes back next Monday at opening, 10:00).
func TestRecurringTaskWorkingHours(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 3, 23, 7, 0, 0, 0, kyiv) // a Monday
	clk := clocktest.New(due.Add(-time.Hour))
	db := pgtest.New(t, postgres.WithClock(clk))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "rephours")
	pgtest.Exec(t, db, `UPDATE clubs SET time_zone = 'Europe/Kyiv', work_open_min = 600, work_close_min = 1080 WHERE id = $1`, f.Club.ID)
	pgtest.Exec(t, db, `INSERT INTO template_repeats (template_id, club_id, weekdays) VALUES ($1, $2, $3)`, f.Templates["internal"], f.Club.ID, 1<<int(time.Monday))
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water",
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, task.ID, f.Staff, domain.StatusDone); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 3, 30, 10, 0, 0, 0, kyiv)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE series_id = $1 AND due_at = $2 AND status = 'new'`, task.ID, want); n != 1 {
		var got time.Time
		_ = db.Pool().QueryRow(ctx, `SELECT due_at FROM tasks WHERE series_id = $1`, task.ID).Scan(&got)
		t.Errorf("next occurrence due %v, want %v (Monday at opening)", got.In(kyiv), want)
	}
}

// TestRecurringTaskMonthly: a series on the 31st of every month comes back
// on April's last day (the 30th), then on May 31st, at the same local time
// in the club's zone; the table takes one rule per template only.
func TestRecurringTaskMonthly(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 3, 31, 10, 0, 0, 0, kyiv) // just after DST started (Mar 29)
	clk := clocktest.New(due.Add(-time.Hour))
	db := pgtest.New(t, postgres.WithClock(clk))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "mon")
	if _, err := db.Pool().Exec(ctx, `INSERT INTO template_repeats (template_id, club_id, every_days, month_day) VALUES ($1, $2, 30, 31)`, f.Templates["internal"], f.Club.ID); err == nil {
		t.Fatal("a rule with both every_days and month_day was stored")
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO template_repeats (template_id, club_id, month_day) VALUES ($1, $2, 0)`, f.Templates["internal"], f.Club.ID); err == nil {
		t.Fatal("month_day 0 was stored")
	}
	pgtest.Exec(t, db, `INSERT INTO template_repeats (template_id, club_id, month_day) VALUES ($1, $2, 31)`, f.Templates["internal"], f.Club.ID)
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Monthly report",
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	cur := task.ID
	for i, wantDue := range []time.Time{time.Date(2026, 4, 30, 10, 0, 0, 0, kyiv), time.Date(2026, 5, 31, 10, 0, 0, 0, kyiv)} {
		clk.Set(wantDue.Add(-24 * time.Hour))
		if _, err := db.TaskStatusSet(ctx, f.Club.ID, cur, f.Staff, domain.StatusDone); err != nil {
			t.Fatalf("close occurrence %d: %v", i+1, err)
		}
		var next int64
		var nextDue time.Time
		if err := db.Pool().QueryRow(ctx, `SELECT id, due_at FROM tasks WHERE club_id = $1 AND status = 'new' AND occurrence = $2`, f.Club.ID, i+2).Scan(&next, &nextDue); err != nil {
			t.Fatalf("occurrence %d: %v", i+2, err)
		}
		if !nextDue.Equal(wantDue) {
			t.Fatalf("occurrence %d due %v, want %v", i+2, nextDue.In(kyiv), wantDue)
		}
		cur = next
	}
}

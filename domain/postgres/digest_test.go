package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

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
	pgtest.MarkUnreachable(t, db, f.Colleague.ID, testNow)
	var owner int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Owner', 'owner') RETURNING id`, f.Club.ID).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	pgtest.LinkIdentity(t, db, f.Club.ID, owner, chat.TelegramAddress(chat.DefaultBot, 99))
	pgtest.Exec(t, db, `INSERT INTO staff (club_id, name, role, active) VALUES ($1, 'Former manager', 'manager', false)`, f.Club.ID)

	d, err := db.DigestTodayGet(ctx, f.Club.ID, domain.DueDayAt(testNow, kyiv))
	if err != nil {
		t.Fatalf("today: %v", err)
	}
	// Due today (open, due from 12:00 Kyiv to midnight): tonight's = 1; this
	// morning's and the unassigned one are overdue, and counted only there.
	// Overdue now (open, due before 12:00 Kyiv): yesterday's, this morning's, unassigned = 3.
	if d.DueToday != 1 || d.OverdueNow != 3 {
		t.Errorf("due today %d, overdue now %d; want 1, 3", d.DueToday, d.OverdueNow)
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

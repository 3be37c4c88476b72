package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

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

	if got := domain.DueDayAt(now, kyiv).End; !got.Equal(today.To) {
		t.Fatalf("due day ends %s, want %s", got, today.To)
	}
	lists, err := db.MorningListsGet(ctx, f.Club.ID, domain.DueDayAt(now, kyiv))
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

	empty, err := db.MorningListsGet(ctx, other.Club.ID, domain.DueDay{Now: today.To, End: today.To}) // beta's one task is overdue by then
	if err != nil || len(empty) != 1 || empty[0].StaffID != other.Staff.ID || empty[0].Overdue != 1 {
		t.Errorf("beta's lists: %+v, %v", empty, err)
	}
	none, err := db.MorningListsGet(ctx, f.Club.ID+other.Club.ID+100, domain.DueDayAt(now, kyiv)) // a club that does not exist
	if err != nil || len(none) != 0 {
		t.Errorf("unknown club: %+v, %v; want none", none, err)
	}
}

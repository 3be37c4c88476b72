package scheduler_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// Each assignee is told once, in one message, about all their newly overdue
// tasks, however many schedulers sweep; unassigned tasks are only marked;
// managers get nothing here (the digest lists overdue tasks).
func TestOverdueToldOncePerAssignee(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	now := time.Now()
	staff, colleague, manager := e.f.Staff.TelegramID, e.f.Colleague.TelegramID, e.f.Manager.TelegramID
	for _, title := range []string{"Call Ivan", "Call Olena", "Send prices"} {
		e.task(e.f, e.f.Staff.ID, title, ptr(now.Add(-time.Hour)), nil)
	}
	e.task(e.f, e.f.Colleague.ID, "Order water", ptr(now.Add(-2*time.Minute)), nil)
	unassigned := e.task(e.f, 0, "Nobody's", ptr(now.Add(-time.Hour)), nil)
	later := e.task(e.f, e.f.Staff.ID, "Due later", ptr(now.Add(time.Hour)), nil)

	second := e.newScheduler()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := e.sched.SweepOverdue(e.ctx, now); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
		wg.Go(func() {
			// A second scheduler whose clock is a few seconds off, in the next slot.
			if _, err := second.SweepOverdue(e.ctx, now.Add(time.Minute)); err != nil {
				t.Errorf("second: %v", err)
			}
		})
	}
	wg.Wait()
	e.waitIdle(30 * time.Second)

	got := e.tg.Sent(staff)
	if len(got) != 1 {
		t.Fatalf("staff got %d messages, want 1: %v", len(got), e.sent(staff))
	}
	for _, title := range []string{"3 задачи", "Call Ivan", "Call Olena", "Send prices"} {
		if !strings.Contains(got[0].Text, title) {
			t.Errorf("notice lacks %q: %q", title, got[0].Text)
		}
	}
	if strings.Contains(got[0].Text, "Due later") {
		t.Errorf("notice lists a task not yet due: %q", got[0].Text)
	}
	if n := len(e.sent(colleague)); n != 1 {
		t.Errorf("colleague got %d messages, want 1", n)
	}
	if n := len(e.sent(manager)); n != 0 {
		t.Errorf("manager got %d overdue messages, want none", n)
	}
	if n := pgtest.Count(t, e.db, `SELECT count(*) FROM tasks WHERE overdue_notified_at IS NULL`); n != 1 {
		t.Fatalf("%d tasks unmarked, want 1 (the one due later)", n)
	}
	if n := pgtest.Count(t, e.db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at IS NOT NULL`, unassigned); n != 1 {
		t.Fatalf("unassigned task not marked")
	}

	// The later task passes its due time: the next sweep tells about it alone.
	pgtest.Exec(t, e.db, `UPDATE tasks SET due_at = $2 WHERE id = $1`, later, now.Add(2*time.Minute))
	if _, err := e.sched.SweepOverdue(e.ctx, now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(30 * time.Second)
	got = e.tg.Sent(staff)
	if len(got) != 2 || !strings.Contains(got[1].Text, "Due later") || strings.Contains(got[1].Text, "Call Ivan") {
		t.Fatalf("second notice: %v", e.sent(staff))
	}
}

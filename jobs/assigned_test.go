package jobs_test

import (
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestTaskAssignedNotice(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		after func(e *env, task domain.Task) // between assignment and the job
		want  int                            // messages to Alice
	}{
		{"announced", func(e *env, task domain.Task) {}, 1},
		{"reassigned since", func(e *env, task domain.Task) {
			pgtest.Exec(e.t, e.db, `UPDATE tasks SET assignee_id = $2 WHERE id = $1`, task.ID, e.bob.ID)
		}, 0},
		{"closed since", func(e *env, task domain.Task) { e.record(task, "think", e.alice) }, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			task := e.call(e.alice.ID)
			c.after(e, task)
			rows := e.claim(domain.OutboxTaskAssigned)
			if len(rows) != 1 {
				t.Fatalf("task.assigned rows = %d, want 1", len(rows))
			}
			e.mustProcess(rows[0])
			e.mustProcess(rows[0])
			msgs := e.sent(aliceChat)
			if len(msgs) != c.want {
				t.Fatalf("messages to Alice = %d, want %d", len(msgs), c.want)
			}
			if c.want == 1 && !strings.Contains(msgs[0].Text(), "Manager gave you a task") {
				t.Errorf("notice = %q", msgs[0].Text())
			}
		})
	}
}

// Someone who wrote to the bot again after blocking it gets one catch-up
// line instead of the messages they missed.
func TestStaffReachableCatchUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.call(e.alice.ID)
	e.call(e.alice.ID)
	pgtest.Exec(t, e.db, `UPDATE tasks SET due_at = now() - interval '1 hour' WHERE assignee_id = $1`, e.alice.ID)
	pgtest.Exec(t, e.db, `UPDATE staff_identities SET unreachable_at = now() WHERE staff_id = $1`, e.alice.ID)
	if _, err := e.db.StaffMarkReachable(e.ctx, e.club.ID, e.alice.ID); err != nil {
		t.Fatal(err)
	}
	rows := e.claim(domain.OutboxStaffReachable)
	if len(rows) != 1 {
		t.Fatalf("staff.reachable rows = %d, want 1", len(rows))
	}
	e.mustProcess(rows[0])
	e.mustProcess(rows[0])
	msgs := e.sent(aliceChat)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text(), "2 open tasks") || !strings.Contains(msgs[0].Text(), "2 of them are overdue") {
		t.Fatalf("catch-up messages = %v", msgs)
	}
}

package jobs_test

import (
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// A bulk call with a reminder reminds its assignee once, about the bulk
// call. Copying the reminder onto every subtask planned N reminders to one
// person for the same instant: N messages at the chat's one a second, each
// holding a worker while it waits its turn, so for N seconds (hours, for a
// large list) every other reminder and follow-up notice of every club
// queued behind them.
func TestFanoutRemindsOnceForTheBulkCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bulk, _ := e.bulk(5)
	e.mustProcess(e.claim(domain.OutboxBulkCreated)[0])
	if n := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID); n != 5 {
		t.Fatalf("subtasks = %d, want 5", n)
	}
	due, err := e.db.ReminderListDue(e.ctx, bulk.RemindAt.Add(time.Minute), postgres.ReminderDue{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].TaskID != bulk.ID {
		t.Fatalf("reminders planned: %+v, want the bulk call's alone", due)
	}
}

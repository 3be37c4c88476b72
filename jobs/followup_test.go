package jobs_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestFollowupCreatedOnceInSequence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	call := e.call(e.alice.ID)
	rec := e.record(call, "buy", e.alice)
	// Recorded within working hours (a fixed time, not the test's wall
	// clock, which may be at night): "+1 day" keeps the time of day.
	pgtest.Exec(t, e.db, `UPDATE task_results SET recorded_at = $2 WHERE id = $1`, rec.TaskResultID,
		time.Date(2030, 1, 10, 14, 20, 0, 0, time.FixedZone("EET", 2*3600)))
	rows := e.claim(domain.OutboxResultRecorded)
	if len(rows) != 1 {
		t.Fatalf("result.recorded rows = %d, want 1", len(rows))
	}
	for range 3 {
		e.mustProcess(rows[0])
	}

	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id = $1`, rec.TaskResultID); n != 1 {
		t.Fatalf("follow-ups = %d, want 1", n)
	}
	var (
		id, tmpl, client, assignee int64
		title                      string
		author                     *int64
		depth                      int
		due, remind, recorded      time.Time
	)
	if err := e.db.Pool().QueryRow(e.ctx, `
SELECT t.id, t.template_id, t.client_id, t.assignee_id, t.title, t.author_id, t.chain_depth, t.due_at, t.remind_at, tr.recorded_at
FROM tasks t JOIN task_results tr ON tr.id = t.source_result_id WHERE t.source_result_id = $1`, rec.TaskResultID).Scan(
		&id, &tmpl, &client, &assignee, &title, &author, &depth, &due, &remind, &recorded); err != nil {
		t.Fatal(err)
	}
	if tmpl != e.tmpl["check_purchase"] || client != call.ClientID || assignee != e.alice.ID || author != nil ||
		title != "Check the subscription purchase" || depth != 1 {
		t.Errorf("follow-up: template %d client %d assignee %d author %v title %q depth %d", tmpl, client, assignee, author, title, depth)
	}
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	if want := recorded.In(kyiv).AddDate(0, 0, 1); !due.Equal(want) {
		t.Errorf("due = %s, want %s (a day after the result, Kyiv time)", due, want)
	}
	if want := due.Add(-30 * time.Minute); !remind.Equal(want) {
		t.Errorf("remind = %s, want %s", remind, want)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE id = $1 AND completed_at IS NOT NULL`, rows[0].ID); n != 1 {
		t.Errorf("outbox row not completed")
	}
	// The notice goes through the outbox, written with the follow-up.
	notices := e.claim(domain.OutboxTaskAssigned)
	if len(notices) != 1 || notices[0].Payload.TaskID != id || notices[0].Payload.StaffID != e.alice.ID {
		t.Fatalf("task.assigned rows for the follow-up = %+v, want one for task %d", notices, id)
	}
	e.mustProcess(notices[0])
	e.mustProcess(notices[0])

	msgs := e.sent(aliceChat)
	if len(msgs) != 1 {
		t.Fatalf("messages to Alice = %d, want 1", len(msgs))
	}
	var data []string
	for _, row := range msgs[0].Keyboard() {
		for _, b := range row {
			data = append(data, b.CallbackData)
		}
	}
	want := []string{callback.New("tc", id), callback.New("tk", id), callback.New("rs", id)}
	if len(data) != len(want) {
		t.Fatalf("buttons = %v, want %v", data, want)
	}
	for i := range want {
		if data[i] != want[i] {
			t.Errorf("button %d = %q, want %q", i, data[i], want[i])
		}
	}
	if text := msgs[0].Text(); !strings.Contains(text, "Next step") || !strings.Contains(text, "Check the subscription purchase") {
		t.Errorf("message text = %q", text)
	}
}

// The same job delivered several times at once: one follow-up, one message
// (a copy that meets another sending the message is retried, and its retry
// sends nothing).
func TestFollowupConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	call := e.call(e.alice.ID)
	rec := e.record(call, "buy", e.alice)
	row := e.claim(domain.OutboxResultRecorded)[0]

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- e.process(row) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("process: %v", err)
		}
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id = $1`, rec.TaskResultID); n != 1 {
		t.Errorf("follow-ups = %d, want 1", n)
	}
	notices := e.claim(domain.OutboxTaskAssigned)
	if len(notices) != 1 {
		t.Fatalf("notices = %d, want 1", len(notices))
	}
	for range 8 {
		wg.Go(func() {
			if err := e.processAsRetried(notices[0]); err != nil {
				t.Errorf("process notice: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Errorf("messages to Alice = %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM deliveries WHERE chat = $1`, tgChat(aliceChat).String()); n != 1 {
		t.Errorf("deliveries = %d, want 1", n)
	}
}

func TestFollowupAssignee(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(e *env) // changes the rule
		want  func(e *env) int64
	}{
		{"same person", func(e *env) {}, func(e *env) int64 { return e.alice.ID }},
		{"author", func(e *env) {
			pgtest.Exec(e.t, e.db, `UPDATE workflow_rules SET assignee_rule = 'author' WHERE id = $1`, e.rule)
		}, func(e *env) int64 { return e.manager.ID }},
		{"named staff", func(e *env) {
			pgtest.Exec(e.t, e.db, `UPDATE workflow_rules SET assignee_rule = 'staff', assignee_staff_id = $2 WHERE id = $1`, e.rule, e.bob.ID)
		}, func(e *env) int64 { return e.bob.ID }},
		{"named staff who left: whoever closed it", func(e *env) {
			pgtest.Exec(e.t, e.db, `UPDATE workflow_rules SET assignee_rule = 'staff', assignee_staff_id = $2 WHERE id = $1`, e.rule, e.bob.ID)
			pgtest.Exec(e.t, e.db, `UPDATE staff SET active = false WHERE id = $1`, e.bob.ID)
		}, func(e *env) int64 { return e.alice.ID }},
		{"least-loaded of a role", func(e *env) {
			pgtest.Exec(e.t, e.db, `UPDATE workflow_rules SET assignee_rule = 'role', assignee_role = 'staff' WHERE id = $1`, e.rule)
			e.call(e.alice.ID) // Alice has more open tasks than Bob
			e.call(e.alice.ID)
		}, func(e *env) int64 { return e.bob.ID }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c.setup(e)
			call := e.call(e.alice.ID)
			rec := e.record(call, "buy", e.alice)
			for _, row := range e.claim(domain.OutboxResultRecorded) {
				e.mustProcess(row)
			}
			var got int64
			if err := e.db.Pool().QueryRow(e.ctx, `SELECT coalesce(assignee_id, 0) FROM tasks WHERE source_result_id = $1`, rec.TaskResultID).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := c.want(e); got != want {
				t.Errorf("assignee = %d, want %d", got, want)
			}
		})
	}
}

func TestFollowupNoRuleEndsTheChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	call := e.call(e.alice.ID)
	e.record(call, "think", e.alice)
	row := e.claim(domain.OutboxResultRecorded)[0]
	e.mustProcess(row)
	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`); n != 0 {
		t.Errorf("follow-ups = %d, want 0", n)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE id = $1 AND completed_at IS NOT NULL AND last_error IS NULL`, row.ID); n != 1 {
		t.Errorf("outbox row not completed cleanly")
	}
	if n := len(e.sent(aliceChat)); n != 0 {
		t.Errorf("messages = %d, want 0", n)
	}
}

func TestFollowupChainCutAtMaxDepth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	call := e.call(e.alice.ID)
	pgtest.Exec(t, e.db, `UPDATE tasks SET chain_depth = $2 WHERE id = $1`, call.ID, domain.MaxChainDepth)
	e.record(call, "buy", e.alice)
	e.mustProcess(e.claim(domain.OutboxResultRecorded)[0])
	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`); n != 0 {
		t.Errorf("follow-ups = %d, want 0 beyond the chain bound", n)
	}
	if n := len(e.logs.Lines("workflow chain cut")); n != 1 {
		t.Errorf("chain-cut log lines = %d, want 1", n)
	}
}

// A result whose task, or whose club, was deleted before the job ran: the
// job gives up (SkipRetry), completes its row with the reason, and is not
// handed over again.
func TestFollowupGoneSkipsRetry(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		delete string
	}{
		{"task deleted", `UPDATE tasks SET deleted_at = now() WHERE id = $1`},
		{"club deleted", `UPDATE clubs SET deleted_at = now() WHERE id = (SELECT club_id FROM tasks WHERE id = $1)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			call := e.call(e.alice.ID)
			e.record(call, "buy", e.alice)
			pgtest.Exec(t, e.db, c.delete, call.ID)
			row := e.claim(domain.OutboxResultRecorded)[0]
			err := e.process(row)
			if !errors.Is(err, asynq.SkipRetry) || !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("err = %v, want SkipRetry wrapping ErrNotFound", err)
			}
			if n := e.count(`SELECT count(*) FROM outbox WHERE id = $1 AND completed_at IS NOT NULL AND last_error <> ''`, row.ID); n != 1 {
				t.Errorf("outbox row not completed with its reason")
			}
			if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`); n != 0 {
				t.Errorf("follow-ups = %d, want 0", n)
			}
			// A duplicate delivery afterwards finds the row completed.
			if err := e.process(row); err != nil {
				t.Errorf("second delivery: %v", err)
			}
		})
	}
}

// A forged or truncated payload is dropped without a retry.
func TestOutboxJobBadPayload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := map[string][]byte{
		"not json":      []byte("{"),
		"no outbox row": []byte(`{"club_id": 1, "task_result_id": 5}`),
		"unknown row":   []byte(`{"outbox_id": 999999, "club_id": 1, "task_result_id": 5}`),
	}
	for name, payload := range cases {
		err := e.mux.ProcessTask(e.ctx, asynq.NewTask("outbox:"+domain.OutboxResultRecorded, payload))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s: err = %v, want SkipRetry", name, err)
		}
	}
	// A real row claimed for another club is not found either.
	call := e.call(e.alice.ID)
	e.record(call, "buy", e.alice)
	row := e.claim(domain.OutboxResultRecorded)[0]
	row.ClubID = e.club.ID + 1
	if err := e.process(row); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("another club's row: err = %v, want SkipRetry", err)
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`); n != 0 {
		t.Errorf("follow-ups = %d, want 0", n)
	}
}

// A follow-up due soon after the result, whose template reminds 30 minutes
// before due, gets no reminder: it would fall before the task exists and
// arrive at once marked late.
func TestFollowupDropsAPastReminder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Exec(t, e.db, `UPDATE workflow_rules SET due_offset_min = 10 WHERE id = $1`, e.rule)
	call := e.call(e.alice.ID)
	rec := e.record(call, "buy", e.alice)
	rows := e.claim(domain.OutboxResultRecorded)
	if len(rows) != 1 {
		t.Fatalf("result.recorded rows = %d, want 1", len(rows))
	}
	e.mustProcess(rows[0])
	if n := e.count(`SELECT count(*) FROM tasks WHERE source_result_id = $1 AND due_at IS NOT NULL AND remind_at IS NULL`, rec.TaskResultID); n != 1 {
		t.Fatalf("follow-ups due without a reminder = %d, want 1", n)
	}
}

// A result recorded at 00:36 with a "+1 day" rule makes the follow-up due
// at the club's opening the next day (its working hours are 10:00-20:00),
// not at 00:36.
func TestFollowupDueInsideWorkingHours(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Exec(t, e.db, `UPDATE clubs SET work_open_min = 600, work_close_min = 1200 WHERE id = $1`, e.club.ID)
	call := e.call(e.alice.ID)
	rec := e.record(call, "buy", e.alice)
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	pgtest.Exec(t, e.db, `UPDATE task_results SET recorded_at = $2 WHERE id = $1`, rec.TaskResultID, time.Date(2030, 1, 10, 0, 36, 0, 0, kyiv))
	rows := e.claim(domain.OutboxResultRecorded)
	if len(rows) != 1 {
		t.Fatalf("result.recorded rows = %d, want 1", len(rows))
	}
	e.mustProcess(rows[0])
	var due time.Time
	if err := e.db.Pool().QueryRow(e.ctx, `SELECT due_at FROM tasks WHERE source_result_id = $1`, rec.TaskResultID).Scan(&due); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 1, 11, 10, 0, 0, 0, kyiv); !due.Equal(want) {
		t.Errorf("follow-up due %s, want %s (the next day's opening)", due.In(kyiv), want)
	}
}

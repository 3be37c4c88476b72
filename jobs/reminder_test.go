package jobs_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// reminderFor inserts a personal call about a new client assigned to
// assignee (0: nobody), due in an hour, reminded at remindAt.
func (e *env) reminderFor(assignee int64, remindAt time.Time) int64 {
	e.t.Helper()
	due := remindAt.Add(time.Hour)
	return pgtest.Task(e.t, e.db, e.club, pgtest.TaskOpts{Template: e.tmpl["personal_call"], Title: "Call about the trial",
		Description: "Ask about Saturday", Client: e.clients(1)[0], Author: e.manager.ID, Assignee: assignee,
		Due: &due, Remind: &remindAt, Created: time.Now()}).ID
}

// remind runs a reminder job the way a worker would.
func (e *env) remind(p jobs.ReminderPayload) error {
	e.t.Helper()
	task, _, err := jobs.NewReminderTask(e.q, p)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.mux.ProcessTask(e.ctx, task)
}

func TestReminderMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	id := e.reminderFor(e.alice.ID, at)
	if err := e.remind(jobs.ReminderPayload{ClubID: e.club.ID, TaskID: id, RemindAt: at}); err != nil {
		t.Fatalf("remind: %v", err)
	}
	sent := e.sent(aliceChat)
	if len(sent) != 1 {
		t.Fatalf("%d messages, want 1", len(sent))
	}
	text := sent[0].Text()
	for _, want := range []string{"⏰ Reminder: Call about the trial", "Client: Client ", "Phone: +38050", "Due: ", "Ask about Saturday"} {
		if !strings.Contains(text, want) {
			t.Errorf("reminder lacks %q: %q", want, text)
		}
	}
	if strings.Contains(text, "Late") {
		t.Errorf("an on-time reminder says late: %q", text)
	}
	var data []string
	for _, row := range sent[0].Keyboard() {
		for _, b := range row {
			if _, err := callback.Decode(b.CallbackData); err != nil {
				t.Errorf("button %q: %v", b.CallbackData, err)
			}
			data = append(data, b.Text+"="+b.CallbackData)
		}
	}
	want := []string{"Open=" + callback.New("tc", id), "▶️ Take=" + callback.New("tk", id, "r"), "✅ Enter result=" + callback.New("rs", id, "r"),
		"In 15 min=" + callback.New("sz", id, "15"), "In 1 h=" + callback.New("sz", id, "60"), "Tomorrow 09:00=" + callback.New("sz", id, "tm")}
	if strings.Join(data, ", ") != strings.Join(want, ", ") {
		t.Errorf("buttons:\n%v\nwant\n%v", data, want)
	}

	// A task already in progress has nothing to take.
	taken := e.reminderFor(e.bob.ID, at)
	pgtest.Exec(t, e.db, `UPDATE tasks SET status = 'in_progress', taken_at = now() WHERE id = $1`, taken)
	if err := e.remind(jobs.ReminderPayload{ClubID: e.club.ID, TaskID: taken, RemindAt: at}); err != nil {
		t.Fatalf("remind: %v", err)
	}
	for _, row := range e.sent(bobChat)[0].Keyboard() {
		for _, b := range row {
			if b.CallbackData == callback.New("tk", taken, "r") {
				t.Errorf("an in-progress task offers to take it")
			}
		}
	}
}

// A reminder offers what the task's card offers its person (issue 9, item
// 5): an internal task has no results, so "Done", not "Enter result" (which
// led to "no results are set up"); a bulk call, whose status follows its
// calls, its list of calls and nothing to close by hand.
func TestReminderButtonsAgreeWithTheCard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	due := at.Add(time.Hour)
	internal := pgtest.Task(t, e.db, e.club, pgtest.TaskOpts{Template: e.tmpl["internal"], Title: "Order water",
		Author: e.manager.ID, Assignee: e.alice.ID, Due: &due, Remind: &at, Created: time.Now()}).ID
	bulk := pgtest.Task(t, e.db, e.club, pgtest.TaskOpts{Template: e.tmpl["bulk_call"], Title: "Call the leads",
		Author: e.manager.ID, Assignee: e.bob.ID, Due: &due, Remind: &at, Created: time.Now()}).ID
	for _, c := range []struct {
		task int64
		chat int64
		want []string
	}{
		{internal, aliceChat, []string{"Open=" + callback.New("tc", internal), "▶️ Take=" + callback.New("tk", internal, "r"),
			"✅ Done=" + callback.New("ss", internal, "done", "r")}},
		{bulk, bobChat, []string{"Open=" + callback.New("tc", bulk), "📋 Its calls=" + callback.New("bc", bulk, 0)}},
	} {
		if err := e.remind(jobs.ReminderPayload{ClubID: e.club.ID, TaskID: c.task, RemindAt: at}); err != nil {
			t.Fatalf("remind: %v", err)
		}
		sent := e.sent(c.chat)
		if len(sent) != 1 {
			t.Fatalf("%d messages, want 1", len(sent))
		}
		kb := sent[0].Keyboard()
		var first []string
		for _, b := range kb[0] {
			first = append(first, b.Text+"="+b.CallbackData)
		}
		if strings.Join(first, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("task %d: buttons\n%v\nwant\n%v", c.task, first, c.want)
		}
		if len(kb) != 2 || len(kb[1]) != 3 {
			t.Errorf("task %d: snooze row missing: %v", c.task, kb)
		}
	}
}

// A reminder sent long after its time says so and when it was for.
func TestReminderLate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	id := e.reminderFor(e.alice.ID, at)
	if err := e.remind(jobs.ReminderPayload{ClubID: e.club.ID, TaskID: id, RemindAt: at}); err != nil {
		t.Fatalf("remind: %v", err)
	}
	sent := e.sent(aliceChat)
	if len(sent) != 1 || !strings.HasPrefix(sent[0].Text(), "⏰ Late reminder (it was set for ") {
		t.Fatalf("late reminder: %v", sent)
	}
}

// The same reminder job run again, or a duplicate of it, sends nothing more;
// a retry after a failed send sends it once.
func TestReminderOnceAcrossRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now().Truncate(time.Second)
	id := e.reminderFor(e.alice.ID, at)
	p := jobs.ReminderPayload{ClubID: e.club.ID, TaskID: id, RemindAt: at}
	e.tg.FailNext("sendMessage", aliceChat, 500, 0)
	if err := e.remind(p); err == nil {
		t.Fatal("a failed send succeeded")
	}
	// Not sent, so still pending: the sweep plans it again if Redis loses
	// the retry.
	if n := e.count(`SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NULL`, id); n != 1 {
		t.Fatalf("a reminder that was not sent is marked sent")
	}
	for range 3 {
		if err := e.remind(p); err != nil {
			t.Fatalf("retry: %v", err)
		}
	}
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Fatalf("%d reminders sent, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NOT NULL`, id); n != 1 {
		t.Fatalf("a sent reminder is still pending")
	}
	// Sent, but the mark was lost (the worker died right after the send):
	// the job planned again by the sweep sends nothing more, and marks it.
	pgtest.Exec(t, e.db, `UPDATE tasks SET reminded_at = NULL WHERE id = $1`, id)
	if err := e.remind(p); err != nil {
		t.Fatalf("run after a lost mark: %v", err)
	}
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Fatalf("%d reminders sent after a lost mark, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NOT NULL`, id); n != 1 {
		t.Fatalf("the delivered reminder was not marked")
	}
}

func TestReminderNothingToSend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now().Truncate(time.Second)
	other := pgtest.Club(t, e.db, pgtest.ClubOpts{Slug: "other", Name: "Other", Language: domain.LangEN})
	open := e.reminderFor(e.alice.ID, at)
	replanned := e.reminderFor(e.alice.ID, at)
	pgtest.Exec(t, e.db, `UPDATE tasks SET remind_at = remind_at + interval '1 hour' WHERE id = $1`, replanned)
	done := e.reminderFor(e.alice.ID, at)
	pgtest.Exec(t, e.db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, done)
	nobody := e.reminderFor(0, at)
	pgtest.Exec(t, e.db, `UPDATE tasks SET author_id = NULL WHERE id = $1`, nobody)
	blocked := e.reminderFor(e.bob.ID, at)
	pgtest.Exec(t, e.db, `UPDATE staff_identities SET unreachable_at = now() WHERE staff_id = $1`, e.bob.ID)

	cases := []struct {
		name string
		p    jobs.ReminderPayload
	}{
		{"re-planned", jobs.ReminderPayload{ClubID: e.club.ID, TaskID: replanned, RemindAt: at}},
		{"cancelled", jobs.ReminderPayload{ClubID: e.club.ID, TaskID: done, RemindAt: at}},
		{"nobody to remind", jobs.ReminderPayload{ClubID: e.club.ID, TaskID: nobody, RemindAt: at}},
		{"recipient blocked the bot", jobs.ReminderPayload{ClubID: e.club.ID, TaskID: blocked, RemindAt: at}},
		{"another club's id", jobs.ReminderPayload{ClubID: other.ID, TaskID: open, RemindAt: at}},
		{"no such task", jobs.ReminderPayload{ClubID: e.club.ID, TaskID: 1 << 40, RemindAt: at}},
		{"another time", jobs.ReminderPayload{ClubID: e.club.ID, TaskID: open, RemindAt: at.Add(time.Second)}},
	}
	for _, c := range cases {
		if err := e.remind(c.p); err != nil {
			t.Errorf("%s: %v, want nil (nothing to do, no retry)", c.name, err)
		}
	}
	if n := len(e.tg.CallsTo("sendMessage")); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NULL`, open); n != 1 {
		t.Fatalf("a forged job marked the reminder sent")
	}
	// Reminders that can never go are marked, so the sweep stops finding them.
	if n := e.count(`SELECT count(*) FROM tasks WHERE id = ANY($1) AND reminded_at IS NOT NULL`, []int64{nobody, blocked}); n != 2 {
		t.Fatalf("%d of 2 undeliverable reminders marked", n)
	}

	for name, payload := range map[string][]byte{
		"garbage":    []byte("not json"),
		"no task":    mustJSON(t, jobs.ReminderPayload{ClubID: e.club.ID, RemindAt: at}),
		"no club":    mustJSON(t, jobs.ReminderPayload{TaskID: open, RemindAt: at}),
		"no time":    mustJSON(t, jobs.ReminderPayload{ClubID: e.club.ID, TaskID: open}),
		"negative":   mustJSON(t, jobs.ReminderPayload{ClubID: -1, TaskID: open, RemindAt: at}),
		"wrong type": []byte(`{"club_id": "one", "task_id": 2}`),
	} {
		if err := e.mux.ProcessTask(e.ctx, asynq.NewTask(jobs.TypeReminderSend, payload)); !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s payload: %v, want SkipRetry", name, err)
		}
	}
}

// Setting a reminder plans its exact-time job through the outbox: the
// re-plan job enqueues it with the reminder's id and time.
func TestReplanReminderPlansExactTimeJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.reminderFor(e.alice.ID, time.Now().Add(time.Hour))
	at := time.Now().Add(3 * time.Hour).Truncate(time.Second)
	if _, err := e.db.TaskReminderSet(e.ctx, e.club.ID, id, e.alice, &at); err != nil {
		t.Fatal(err)
	}
	rows := e.claim(domain.OutboxTaskRescheduled)
	if len(rows) != 1 {
		t.Fatalf("%d task.rescheduled rows, want 1", len(rows))
	}
	e.mustProcess(rows[0])
	e.mustProcess(rows[0]) // a duplicate: no second job
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	info, err := insp.GetTaskInfo(e.q.Critical(), e.q.TaskID(jobs.ReminderTaskID(id, at)))
	if err != nil {
		t.Fatalf("reminder job: %v", err)
	}
	if info.State != asynq.TaskStateScheduled || !info.NextProcessAt.Equal(at) {
		t.Fatalf("reminder job %s at %s, want scheduled at %s", info.State, info.NextProcessAt, at)
	}
	if q, err := insp.GetQueueInfo(e.q.Critical()); err != nil || q.Scheduled != 1 {
		t.Fatalf("critical queue: %+v, %v; want one scheduled job", q, err)
	}

	// Removing the reminder plans nothing.
	if _, err := e.db.TaskReminderSet(e.ctx, e.club.ID, id, e.alice, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.claim(domain.OutboxTaskRescheduled) {
		e.mustProcess(r)
	}
	if q, err := insp.GetQueueInfo(e.q.Critical()); err != nil || q.Scheduled != 1 {
		t.Fatalf("critical queue after removing: %+v, %v", q, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package jobs_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// overdueTask inserts an internal task assigned to assignee (0: nobody) due at due.
func (e *env) overdueTask(assignee int64, title string, due time.Time) int64 {
	e.t.Helper()
	return pgtest.Task(e.t, e.db, e.club, pgtest.TaskOpts{Template: e.tmpl["internal"], Title: title, Assignee: assignee,
		Due: &due, Created: time.Now()}).ID
}

func (e *env) notifyOverdue(p jobs.OverduePayload) error {
	e.t.Helper()
	task, _, err := jobs.NewOverdueTask(e.q, p)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.mux.ProcessTask(e.ctx, task)
}

// One message lists the assignee's newly overdue tasks, earliest first, at
// most ten by name, with buttons for the first five; retried after a failed
// send it goes out once.
func TestOverdueNotice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	slot := time.Now().Truncate(time.Minute)
	var ids []int64
	for i := range 12 {
		ids = append(ids, e.overdueTask(e.alice.ID, fmt.Sprintf("Task %02d", i), slot.Add(-time.Duration(12-i)*time.Hour)))
	}
	e.overdueTask(e.bob.ID, "Bob's", slot.Add(-time.Hour))
	p := jobs.OverduePayload{ClubID: e.club.ID, StaffID: e.alice.ID, Slot: slot}

	e.tg.FailNext("sendMessage", aliceChat, 500, 0)
	if err := e.notifyOverdue(p); err == nil {
		t.Fatal("a failed send succeeded")
	}
	for range 2 {
		if err := e.notifyOverdue(p); err != nil {
			t.Fatalf("retry: %v", err)
		}
	}
	sent := e.sent(aliceChat)
	if len(sent) != 1 {
		t.Fatalf("%d notices, want 1", len(sent))
	}
	if n := e.count(`SELECT count(*) FROM overdue_notices WHERE staff_id = $1 AND slot = $2 AND sent_at IS NOT NULL`, e.alice.ID, slot); n != 1 {
		t.Fatalf("the sent notice is not marked sent")
	}
	text := sent[0].Text()
	if !strings.HasPrefix(text, "⚠️ 12 tasks of yours are overdue:\n• Task 00 (due ") || !strings.HasSuffix(text, "…and 2 more") {
		t.Errorf("notice:\n%s", text)
	}
	if strings.Contains(text, "Task 10") || strings.Contains(text, "Bob's") {
		t.Errorf("notice lists more than ten, or another person's task:\n%s", text)
	}
	kb := sent[0].Keyboard()
	if len(kb) != 5 || kb[0][0].CallbackData != callback.New("tc", ids[0]) || kb[0][0].Text != "Open: Task 00" {
		t.Errorf("buttons: %+v", kb)
	}
	if n := len(e.sent(bobChat)); n != 0 {
		t.Errorf("Bob was told by Alice's job")
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE assignee_id = $1 AND overdue_notified_at IS NULL`, e.bob.ID); n != 1 {
		t.Errorf("Bob's task was marked by Alice's job")
	}
}

func TestOverdueNothingToSend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	slot := time.Now().Truncate(time.Minute)
	unassigned := e.overdueTask(0, "Nobody's", slot.Add(-time.Hour))
	e.overdueTask(e.bob.ID, "Blocked Bob's", slot.Add(-time.Hour))
	if _, err := e.db.Pool().Exec(e.ctx, `UPDATE staff_identities SET unreachable_at = now() WHERE staff_id = $1`, e.bob.ID); err != nil {
		t.Fatal(err)
	}
	other := pgtest.Club(t, e.db, pgtest.ClubOpts{Slug: "other", Name: "Other", Language: domain.LangEN})
	for name, p := range map[string]jobs.OverduePayload{
		"unassigned (marks only)":   {ClubID: e.club.ID, StaffID: 0, Slot: slot},
		"recipient blocked the bot": {ClubID: e.club.ID, StaffID: e.bob.ID, Slot: slot},
		"nothing overdue":           {ClubID: e.club.ID, StaffID: e.alice.ID, Slot: slot},
		"another club's staff id":   {ClubID: other.ID, StaffID: e.alice.ID, Slot: slot},
	} {
		if err := e.notifyOverdue(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(e.tg.CallsTo("sendMessage")); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
	if n := e.count(`SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at = $2`, unassigned, slot); n != 1 {
		t.Fatalf("unassigned task not marked")
	}
	// Blocked Bob's notice can never go: it is done with, not left for the
	// sweep to enqueue again every minute.
	if n := e.count(`SELECT count(*) FROM overdue_notices WHERE sent_at IS NULL`); n != 0 {
		t.Fatalf("%d notices left unsent", n)
	}
	for name, payload := range map[string][]byte{
		"garbage":  []byte("{"),
		"no club":  mustJSON(t, jobs.OverduePayload{StaffID: e.alice.ID, Slot: slot}),
		"no slot":  mustJSON(t, jobs.OverduePayload{ClubID: e.club.ID, StaffID: e.alice.ID}),
		"negative": mustJSON(t, jobs.OverduePayload{ClubID: e.club.ID, StaffID: -1, Slot: slot}),
	} {
		if err := e.mux.ProcessTask(e.ctx, asynq.NewTask(jobs.TypeOverdueNotify, payload)); !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s payload: %v, want SkipRetry", name, err)
		}
	}
}

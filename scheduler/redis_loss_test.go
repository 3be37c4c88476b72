package scheduler_test

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// process runs a job once the way a worker would, and returns its error.
func (e *env) process(task *asynq.Task, _ []asynq.Option, err error) error {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return jobs.NewMux(e.deps).ProcessTask(e.ctx, task)
}

// The worker took a reminder's job, the send failed, and before asynq could
// retry it Redis lost everything. The reminder must still be pending in
// PostgreSQL, so the next sweep plans it again and it arrives, once
// (DESIGN.md invariant 1).
func TestReminderLostWithRedisAfterAFailedSendStillArrives(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chat := e.f.Staff.TelegramID
	at := time.Now().Add(-time.Second).Truncate(time.Second)
	id := e.task(e.f, e.f.Staff.ID, "Call the coach", nil, &at)

	e.tg.FailNext("sendMessage", chat, 500, 0)
	if err := e.process(jobs.NewReminderTask(e.queues, jobs.ReminderPayload{ClubID: e.f.Club.ID, TaskID: id, RemindAt: at})); err == nil {
		t.Fatal("the failed send succeeded")
	}
	redistest.DeleteMatching(e.ctx, e.rdb, "*"+e.queues.Prefix+"*") // FLUSHALL before the retry

	e.startWorker()
	for range 2 {
		if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		e.waitIdle(30 * time.Second)
	}
	if got := e.sentContaining(chat, "Call the coach"); len(got) != 1 {
		t.Fatalf("reminder sent %d times, want 1: %v", len(got), e.sent(chat))
	}
}

// The same for an overdue notice: claimed, the send failed, Redis lost the
// retry. The assignee must still be told, once.
func TestOverdueLostWithRedisAfterAFailedSendStillArrives(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chat := e.f.Staff.TelegramID
	now := time.Now()
	e.task(e.f, e.f.Staff.ID, "Send the invoice", ptr(now.Add(-time.Hour)), nil)
	slot := now.UTC().Truncate(time.Minute)

	e.tg.FailNext("sendMessage", chat, 500, 0)
	if err := e.process(jobs.NewOverdueTask(e.queues, jobs.OverduePayload{ClubID: e.f.Club.ID, StaffID: e.f.Staff.ID, Slot: slot})); err == nil {
		t.Fatal("the failed send succeeded")
	}
	redistest.DeleteMatching(e.ctx, e.rdb, "*"+e.queues.Prefix+"*")

	e.startWorker()
	for i := range 2 {
		if _, err := e.sched.SweepOverdue(e.ctx, now.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		e.waitIdle(30 * time.Second)
	}
	if got := e.sentContaining(chat, "Send the invoice"); len(got) != 1 {
		t.Fatalf("overdue notice sent %d times, want 1: %v", len(got), e.sent(chat))
	}
}

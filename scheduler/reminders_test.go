package scheduler_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// future is a fixed "now" for sweeps that only enqueue: in asynq's real
// future, so ProcessAt keeps the jobs scheduled where the test can see them.
var future = time.Date(2030, 5, 4, 10, 0, 0, 0, time.UTC)

func TestSweepRemindersEnqueuesDueOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := future
	staff := e.f.Staff.ID
	late := e.task(e.f, staff, "missed an hour ago", nil, ptr(now.Add(-time.Hour)))
	soon := e.task(e.f, staff, "in 30 s", nil, ptr(now.Add(30*time.Second)))
	ahead := e.task(e.f, staff, "in 90 s", nil, ptr(now.Add(90*time.Second)))
	beyond := e.task(e.f, staff, "in 3 min", nil, ptr(now.Add(3*time.Minute)))
	done := e.task(e.f, staff, "done", nil, ptr(now.Add(30*time.Second)))
	pgtest.Exec(t, e.db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	sent := e.task(e.f, staff, "already sent", nil, ptr(now.Add(-time.Minute)))
	pgtest.Exec(t, e.db, `UPDATE tasks SET reminded_at = remind_at WHERE id = $1`, sent)

	n, err := e.sched.SweepReminders(e.ctx, now)
	if err != nil || n != 3 {
		t.Fatalf("sweep: %d, %v; want 3", n, err)
	}
	for id, at := range map[int64]time.Time{late: now.Add(-time.Hour), soon: now.Add(30 * time.Second), ahead: now.Add(90 * time.Second)} {
		info := e.taskInfo(e.queues.Critical(), jobs.ReminderTaskID(id, at))
		if info == nil {
			t.Fatalf("reminder of task %d not queued", id)
		}
		if info.Type != jobs.TypeReminderSend || !info.NextProcessAt.Equal(at) {
			t.Errorf("task %d: type %s, process at %s; want %s at %s", id, info.Type, info.NextProcessAt, jobs.TypeReminderSend, at)
		}
	}

	// The sweep again, and a second scheduler at the same moment: nothing new.
	second := e.newScheduler()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := e.sched.SweepReminders(e.ctx, now); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
		wg.Go(func() {
			if _, err := second.SweepReminders(e.ctx, now); err != nil {
				t.Errorf("second scheduler: %v", err)
			}
		})
	}
	wg.Wait()
	if n := e.queued(e.queues.Critical()); n != 3 {
		t.Fatalf("%d reminder jobs after repeated sweeps, want 3", n)
	}
	// Two minutes on, the later one is inside the lookahead.
	if _, err := e.sched.SweepReminders(e.ctx, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if e.taskInfo(e.queues.Critical(), jobs.ReminderTaskID(beyond, now.Add(3*time.Minute))) == nil {
		t.Fatalf("reminder of task %d not queued a minute before its time", beyond)
	}
	if n := e.queued(e.queues.Critical()); n != 4 {
		t.Fatalf("%d reminder jobs, want 4", n)
	}
}

// A reminder set through the store (as the bot does) is planned at once by
// the re-plan job and arrives once, not before its time, with its buttons,
// even with two schedulers sweeping meanwhile.
func TestReminderArrivesOnceAtItsTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	chat := e.f.Staff.TelegramID
	id := e.task(e.f, e.f.Staff.ID, "Call the parents", ptr(time.Now().Add(time.Hour)), nil)
	at := time.Now().Add(2 * time.Second).Truncate(time.Second)
	if _, err := e.db.TaskReminderSet(e.ctx, e.f.Club.ID, id, e.f.Staff, &at); err != nil {
		t.Fatalf("set reminder: %v", err)
	}
	second := e.newScheduler()
	for range 2 {
		if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := second.SweepReminders(e.ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	c := e.tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == chat && c.OK()
	}, 30*time.Second)
	if c.Time.Before(at) {
		t.Errorf("reminder arrived at %s, before its time %s", c.Time, at)
	}
	t.Logf("reminder arrived %s after its time", c.Time.Sub(at)) // a figure, not an assertion
	if !strings.Contains(c.Text(), "Call the parents") || strings.Contains(c.Text(), "опозданием") {
		t.Errorf("reminder text %q", c.Text())
	}
	var data []string
	for _, row := range c.Keyboard() {
		for _, b := range row {
			data = append(data, b.CallbackData)
		}
	}
	// An internal task: "Done", as on its card; no "Enter result" (it has
	// no results). Take and Done carry the reminder as their origin.
	want := []string{callback.New("tc", id), callback.New("tk", id, "r"), callback.New("ss", id, "done", "r"),
		callback.New("sz", id, "15"), callback.New("sz", id, "60"), callback.New("sz", id, "tm")}
	if strings.Join(data, " ") != strings.Join(want, " ") {
		t.Errorf("buttons %v, want %v", data, want)
	}

	e.waitIdle(30 * time.Second)
	// Sweeping after it was sent finds nothing to send.
	if n, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("sweep after sending: %d, %v", n, err)
	}
	e.waitIdle(30 * time.Second)
	if got := e.sentContaining(chat, "Call the parents"); len(got) != 1 {
		t.Fatalf("%d reminders sent, want 1: %v", len(got), e.sent(chat))
	}
}

// Snoozing a sent reminder plans it again: it arrives a second time.
func TestReminderSnooze(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	chat := e.f.Staff.TelegramID
	id := e.task(e.f, e.f.Staff.ID, "Send the schedule", nil, ptr(time.Now().Add(-time.Second)))
	if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(30 * time.Second)
	if got := e.sentContaining(chat, "Send the schedule"); len(got) != 1 {
		t.Fatalf("first reminder: %v", e.sent(chat))
	}
	until := time.Now().Add(2 * time.Second)
	if err := e.db.TaskSnooze(e.ctx, e.f.Club.ID, id, e.f.Staff, until); err != nil {
		t.Fatalf("snooze: %v", err)
	}
	e.waitIdle(30 * time.Second)
	got := e.sentContaining(chat, "Send the schedule")
	if len(got) != 2 {
		t.Fatalf("%d reminders after a snooze, want 2: %v", len(got), e.sent(chat))
	}
	if got[1].Date.Before(until.Truncate(time.Second)) {
		t.Errorf("snoozed reminder arrived at %s, before %s", got[1].Date, until)
	}
}

// Moving a reminder before it fires: only the new time is reminded.
func TestReminderMovedBeforeItFires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	chat := e.f.Staff.TelegramID
	id := e.task(e.f, e.f.Staff.ID, "Book the hall", ptr(time.Now().Add(time.Hour)), nil)
	first := time.Now().Add(2 * time.Second).Truncate(time.Second)
	if _, err := e.db.TaskReminderSet(e.ctx, e.f.Club.ID, id, e.f.Staff, &first); err != nil {
		t.Fatal(err)
	}
	// The first time's job is planned before the change.
	jobstest.Eventually(t, 10*time.Second, "the reminder job to be queued", func() bool { return e.taskInfo(e.queues.Critical(), jobs.ReminderTaskID(id, first)) != nil })
	moved := first.Add(2 * time.Second)
	if _, err := e.db.TaskReminderSet(e.ctx, e.f.Club.ID, id, e.f.Staff, &moved); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(30 * time.Second)
	got := e.sentContaining(chat, "Book the hall")
	if len(got) != 1 {
		t.Fatalf("%d reminders, want 1 (the moved one): %v", len(got), e.sent(chat))
	}
	if got[0].Date.Before(moved) {
		t.Errorf("reminder arrived at %s, before the moved time %s", got[0].Date, moved)
	}
}

// A task done or cancelled before its reminder is never reminded.
func TestReminderOfClosedTaskNotSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	chat := e.f.Staff.TelegramID
	at := time.Now().Add(2 * time.Second).Truncate(time.Second)
	done := e.task(e.f, e.f.Staff.ID, "Done early", nil, nil)
	cancelled := e.task(e.f, e.f.Staff.ID, "Cancelled early", nil, nil)
	deleted := e.task(e.f, e.f.Staff.ID, "Deleted early", nil, nil)
	for _, id := range []int64{done, cancelled, deleted} {
		if _, err := e.db.TaskReminderSet(e.ctx, e.f.Club.ID, id, e.f.Staff, &at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, e.db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	pgtest.Exec(t, e.db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, cancelled)
	pgtest.Exec(t, e.db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	jobstest.Eventually(t, 10*time.Second, "the reminder time to pass", func() bool { return time.Now().After(at) })
	if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(30 * time.Second)
	if got := e.sent(chat); len(got) != 0 {
		t.Fatalf("closed tasks were reminded: %v", got)
	}
	// The jobs ran and found nothing to do: they were planned, not lost.
	if n := pgtest.Count(t, e.db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled' AND completed_at IS NOT NULL`); n != 3 {
		t.Fatalf("%d re-plan jobs completed, want 3", n)
	}
}

// The scheduler and workers were down for an hour: the missed reminders are
// sent once when they come back, marked late; one due seconds ago is not
// late. Redis having lost its queue meanwhile changes nothing.
func TestLateRemindersAfterDowntime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chat := e.f.Staff.TelegramID
	now := time.Now()
	e.task(e.f, e.f.Staff.ID, "Missed an hour ago", nil, ptr(now.Add(-time.Hour)))
	e.task(e.f, e.f.Staff.ID, "Missed half an hour ago", nil, ptr(now.Add(-30*time.Minute)))
	e.task(e.f, e.f.Staff.ID, "Due a moment ago", nil, ptr(now.Add(-5*time.Second)))

	// Planned before the outage, then Redis lost everything.
	if n, err := e.sched.SweepReminders(e.ctx, now.Add(-2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("sweep before: %d, %v", n, err)
	}
	if _, err := e.sched.SweepReminders(e.ctx, now); err != nil {
		t.Fatal(err)
	}
	redistest.DeleteMatching(e.ctx, e.rdb, "*"+e.queues.Prefix+"*")

	// Back up: two schedulers sweep, the workers start.
	second := e.newScheduler()
	for range 2 {
		if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := second.SweepReminders(e.ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	e.startWorker()
	e.waitIdle(30 * time.Second)
	if _, err := e.sched.SweepReminders(e.ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(30 * time.Second)

	for _, c := range []struct {
		title string
		late  bool
	}{{"Missed an hour ago", true}, {"Missed half an hour ago", true}, {"Due a moment ago", false}} {
		got := e.sentContaining(chat, c.title)
		if len(got) != 1 {
			t.Fatalf("%q sent %d times, want once: %v", c.title, len(got), e.sent(chat))
		}
		if late := strings.Contains(got[0].Text, "с опозданием"); late != c.late {
			t.Errorf("%q: marked late %v, want %v: %q", c.title, late, c.late, got[0].Text)
		}
	}
}

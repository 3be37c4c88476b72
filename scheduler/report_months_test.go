package scheduler_test

import (
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// Every ten minutes each club with past months to store gets one build,
// however many schedulers sweep the slot; the other minutes, and a slot
// with no work, enqueue nothing. Once the workers have stored the months
// the clubs are not swept again.
func TestReportMonthsSweptOncePerClubPerSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	slot := time.Now().UTC().Truncate(10 * time.Minute)
	low := e.queues.Low()

	if n, err := e.sched.SweepReportMonths(e.ctx, slot); err != nil || n != 0 {
		t.Fatalf("no history: enqueued %d, %v; want nothing", n, err)
	}

	beta := pgtest.NewClub(t, e.db, "beta")
	quiet := pgtest.NewClub(t, e.db, "quiet") // only today's work: no whole month to store
	for _, f := range []pgtest.Fixture{e.f, beta} {
		pgtest.Task(t, e.db, f.Club, pgtest.TaskOpts{Title: "Two months ago", Created: time.Now().AddDate(0, -2, 0)})
	}
	e.task(quiet, quiet.Staff.ID, "Today", nil, nil)

	for _, now := range []time.Time{slot.Add(3 * time.Minute), slot.Add(9*time.Minute + 59*time.Second)} {
		if n, err := e.sched.SweepReportMonths(e.ctx, now); err != nil || n != 0 {
			t.Fatalf("at %s, between slots: enqueued %d, %v; want nothing", now.Format("15:04:05"), n, err)
		}
	}
	if n := e.queued(low); n != 0 {
		t.Fatalf("%d jobs queued between slots", n)
	}

	second := e.newScheduler()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := e.sched.SweepReportMonths(e.ctx, slot.Add(2*time.Second)); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
		wg.Go(func() {
			if _, err := second.SweepReportMonths(e.ctx, slot); err != nil {
				t.Errorf("second: %v", err)
			}
		})
	}
	wg.Wait()
	if n := e.queued(low); n != 2 {
		t.Fatalf("%d jobs queued in the slot, want one per club with history (2)", n)
	}
	for _, f := range []pgtest.Fixture{e.f, beta} {
		if e.taskInfo(low, jobs.ReportMonthsTaskID(f.Club.ID, slot)) == nil {
			t.Errorf("no build of %s in the slot", f.Club.Slug)
		}
	}
	if e.taskInfo(low, jobs.ReportMonthsTaskID(quiet.Club.ID, slot)) != nil {
		t.Errorf("the club with only today's work was swept")
	}

	// Not built yet: the next slot builds them again (a build stores 36
	// months at most, the rest wait for the next one).
	if n, err := e.sched.SweepReportMonths(e.ctx, slot.Add(10*time.Minute)); err != nil || n != 2 {
		t.Fatalf("next slot, months not stored yet: enqueued %d, %v; want 2", n, err)
	}
	if n := e.queued(low); n != 4 {
		t.Fatalf("%d jobs queued after two slots, want 4", n)
	}

	// The workers store the months; the slot after finds nothing to do.
	e.startWorker()
	e.waitIdle(60 * time.Second)
	for _, f := range []pgtest.Fixture{e.f, beta} {
		if n := pgtest.Count(t, e.db, `SELECT count(*) FROM report_periods WHERE club_id = $1`, f.Club.ID); n == 0 {
			t.Errorf("no month of %s stored", f.Club.Slug)
		}
	}
	if n, err := e.sched.SweepReportMonths(e.ctx, slot.Add(20*time.Minute)); err != nil || n != 0 {
		t.Fatalf("slot after, months stored: enqueued %d, %v; want nothing", n, err)
	}
}

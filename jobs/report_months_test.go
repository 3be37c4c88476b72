package jobs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// The sweep's job stores the club's whole past months and logs how many;
// run again with nothing new, it stores none. A club that is gone, or a
// payload that names none, is dropped rather than retried.
func TestReportMonthsJobStoresTheClubsMonths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Task(t, e.db, e.club, pgtest.TaskOpts{Title: "Three months ago", Created: time.Now().AddDate(0, -3, 0)})
	slot := time.Now().Truncate(10 * time.Minute)
	run := func(clubID int64, slot time.Time) error {
		task, opts, err := jobs.NewReportMonthsTask(e.q, jobs.ReportMonthsPayload{ClubID: clubID}, slot)
		if err != nil {
			t.Fatal(err)
		}
		if q := optValue(opts, asynq.QueueOpt); q != e.q.Low() {
			t.Errorf("queue %v, want the low one", q)
		}
		if id := optValue(opts, asynq.TaskIDOpt); id != fmt.Sprintf("report:months:%d:%d", clubID, slot.Unix()) {
			t.Errorf("task id %v", id)
		}
		return e.mux.ProcessTask(e.ctx, task)
	}

	if err := run(e.club.ID, slot); err != nil {
		t.Fatal(err)
	}
	stored := e.count(`SELECT count(*) FROM report_periods WHERE club_id = $1`, e.club.ID)
	if stored < 2 || e.count(`SELECT count(*) FROM report_period_tasks WHERE club_id = $1`, e.club.ID) == 0 {
		t.Fatalf("%d months stored, want the 2 or 3 whole months since the task, with its figures", stored)
	}
	if got := e.logs.Lines("report months built", fmt.Sprintf("club_id=%d", e.club.ID), fmt.Sprintf("months=%d", stored)); len(got) != 1 {
		t.Fatalf("no log line of the build:\n%s", e.logs.String())
	}

	if err := run(e.club.ID, slot.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := e.logs.Lines("report months built", "months=0"); len(got) != 1 {
		t.Fatalf("the second build should store nothing:\n%s", e.logs.String())
	}
	if n := e.count(`SELECT count(*) FROM report_periods WHERE club_id = $1`, e.club.ID); n != stored {
		t.Fatalf("%d months stored after the second build, want %d", n, stored)
	}

	if err := run(e.club.ID+1000, slot); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("unknown club: %v, want SkipRetry", err)
	}
	b, _ := json.Marshal(map[string]any{"club_id": 0})
	if err := e.mux.ProcessTask(e.ctx, asynq.NewTask(jobs.TypeReportMonths, b)); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("empty payload: %v, want SkipRetry", err)
	}
}

// optValue is the value of the option of type typ among opts, or nil.
func optValue(opts []asynq.Option, typ asynq.OptionType) any {
	for _, o := range opts {
		if o.Type() == typ {
			return o.Value()
		}
	}
	return nil
}

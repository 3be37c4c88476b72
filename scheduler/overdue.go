package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/jobs"
)

// SweepOverdue enqueues one notice per assignee who has tasks that became
// overdue and of which they were not told, for the minute slot of now
// (TaskID "overdue:<club>:<staff>:<slot>"). Unassigned overdue tasks get a
// job too (staff 0) that only marks them: nobody to tell, and the managers'
// digest lists them. It returns how many jobs it enqueued or found queued.
func (s *Scheduler) SweepOverdue(ctx context.Context, now time.Time) (int, error) {
	slot := now.UTC().Truncate(time.Minute)
	groups, err := s.d.DB.OverdueListPending(ctx, slot)
	if err != nil {
		return 0, fmt.Errorf("sweep overdue: %w", err)
	}
	n, err := s.enqueueAll(ctx, len(groups), func(i int) (*asynq.Task, []asynq.Option, error) {
		g := groups[i]
		return jobs.NewOverdueTask(s.d.Queues, jobs.OverduePayload{ClubID: g.ClubID, StaffID: g.StaffID, Slot: slot})
	})
	if err != nil {
		return n, fmt.Errorf("sweep overdue: %w", err)
	}
	return n, nil
}

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
// digest lists them. It also enqueues again, under their own ids, the
// notices claimed earlier and not yet sent: a no-op while their job is in
// Redis, the delivery of the notice when Redis lost it. It returns how many
// jobs it enqueued or found queued.
func (s *Scheduler) SweepOverdue(ctx context.Context, now time.Time) (int, error) {
	slot := now.UTC().Truncate(time.Minute)
	groups, err := s.d.DB.OverdueListPending(ctx, slot)
	if err != nil {
		return 0, fmt.Errorf("sweep overdue: %w", err)
	}
	unsent, err := s.d.DB.OverdueListUnsent(ctx, s.d.PageSize)
	if err != nil {
		return 0, fmt.Errorf("sweep overdue: %w", err)
	}
	all := make([]jobs.OverduePayload, 0, len(groups)+len(unsent))
	for _, g := range groups {
		all = append(all, jobs.OverduePayload{ClubID: g.ClubID, StaffID: g.StaffID, Slot: slot})
	}
	for _, u := range unsent {
		all = append(all, jobs.OverduePayload{ClubID: u.ClubID, StaffID: u.StaffID, Slot: u.Slot})
	}
	n, err := s.enqueueAll(ctx, len(all), func(i int) (*asynq.Task, []asynq.Option, error) {
		return jobs.NewOverdueTask(s.d.Queues, all[i])
	})
	if err != nil {
		return n, fmt.Errorf("sweep overdue: %w", err)
	}
	return n, nil
}

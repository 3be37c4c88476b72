package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/jobs"
)

// SweepReminders is the safety net under the exact-time reminder jobs
// (planned when a reminder is set, see jobs' replanReminder): it enqueues
// every pending reminder due up to now+Lookahead, with ProcessAt at its
// time, under the reminder's TaskID. A reminder already queued is a no-op;
// one that Redis lost, or that was missed while the scheduler or workers
// were down, is queued again, and one whose time has passed runs at once
// (the worker marks it late). It returns how many jobs it enqueued or found
// queued.
func (s *Scheduler) SweepReminders(ctx context.Context, now time.Time) (int, error) {
	until := now.Add(s.d.Lookahead)
	total := 0
	after := postgres.ReminderDue{}
	for {
		page, err := s.d.DB.ReminderListDue(ctx, until, after, s.d.PageSize)
		if err != nil {
			return total, fmt.Errorf("sweep reminders: %w", err)
		}
		n, err := s.enqueueAll(ctx, len(page), func(i int) (*asynq.Task, []asynq.Option, error) {
			r := page[i]
			return jobs.NewReminderTask(s.d.Queues, jobs.ReminderPayload{ClubID: r.ClubID, TaskID: r.TaskID, RemindAt: r.RemindAt})
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("sweep reminders: %w", err)
		}
		if len(page) < s.d.PageSize {
			return total, nil
		}
		after = page[len(page)-1]
	}
}

package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/jobs"
)

// reportMonthsEvery is how often the clubs with months to store are
// listed: a month becomes storable once a day, changes to old rows are
// rare, and reports are exact meanwhile (they read the rest raw).
const reportMonthsEvery = 10 * time.Minute

// SweepReportMonths enqueues, on the ten-minute slots of UTC (the ticks of
// other minutes, and a new leader's catch-up between slots, do nothing),
// one "report:months:<club>:<slot>" job per live club that has whole past
// months to store (postgres.DB.ReportMonthsPending). A club with more
// months than one job stores is listed again at the next slot. It returns
// how many jobs it enqueued or found queued.
func (s *Scheduler) SweepReportMonths(ctx context.Context, now time.Time) (int, error) {
	slot := now.UTC().Truncate(time.Minute)
	if slot.Truncate(reportMonthsEvery) != slot {
		return 0, nil
	}
	clubs, err := s.d.DB.ReportMonthsPending(ctx)
	if err != nil {
		return 0, fmt.Errorf("sweep report months: %w", err)
	}
	n, err := s.enqueueAll(ctx, len(clubs), func(i int) (*asynq.Task, []asynq.Option, error) {
		return jobs.NewReportMonthsTask(s.d.Queues, jobs.ReportMonthsPayload{ClubID: clubs[i]}, slot)
	})
	if err != nil {
		return n, fmt.Errorf("sweep report months: %w", err)
	}
	return n, nil
}

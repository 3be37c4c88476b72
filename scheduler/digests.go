package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/jobs"
)

// SweepDigests enqueues the daily digest of every club whose local digest
// hour has come today (domain.DigestDue: once per local date, DST days
// included) and whose digest for today is not sent: it records the
// (club, local date) run first (digest_runs, ON CONFLICT DO NOTHING) and
// enqueues "digest:<club>:<date>". A digest missed at its hour (scheduler
// down) is enqueued at the next sweep of the same local day; once the day
// is over it is not sent at all, and never twice. It returns how many jobs it
// enqueued or found queued.
func (s *Scheduler) SweepDigests(ctx context.Context, now time.Time) (int, error) {
	clubs, err := s.d.DB.ClubList(ctx)
	if err != nil {
		return 0, fmt.Errorf("sweep digests: %w", err)
	}
	var due []postgres.DigestRun
	for _, c := range clubs {
		loc, err := c.Location()
		if err != nil {
			// A bad zone is a data error of one club; the others still get theirs.
			s.log.ErrorContext(ctx, "club time zone invalid; no digest", slog.Int64("club_id", c.ID), slog.String("time_zone", c.TimeZone))
			continue
		}
		if ok, _ := domain.DigestDue(now, loc, c.DigestHour); ok {
			due = append(due, postgres.DigestRun{ClubID: c.ID, Date: report.DateOf(now.In(loc))})
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	unsent, err := s.d.DB.DigestRunsStart(ctx, due, now)
	if err != nil {
		return 0, fmt.Errorf("sweep digests: %w", err)
	}
	n, err := s.enqueueAll(ctx, len(unsent), func(i int) (*asynq.Task, []asynq.Option, error) {
		r := unsent[i]
		return jobs.NewDigestTask(s.d.Queues, jobs.DigestPayload{ClubID: r.ClubID, Date: r.Date.String()})
	})
	if err != nil {
		return n, fmt.Errorf("sweep digests: %w", err)
	}
	return n, nil
}

package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/jobs"
)

// SweepDigests enqueues the daily digest of every club whose local digest
// hour has come today (domain.DigestDue: once per local date, DST days
// included) and whose digest for today is not sent: it records the
// (club, "digest", local date) run first (daily_runs, ON CONFLICT DO
// NOTHING) and enqueues "digest:<club>:<date>". A digest missed at its hour
// (scheduler down) is enqueued at the next sweep of the same local day; once
// the day is over it is not sent at all, and never twice. It returns how
// many jobs it enqueued or found queued.
func (s *Scheduler) SweepDigests(ctx context.Context, now time.Time) (int, error) {
	n, err := s.sweepDaily(ctx, now, postgres.DailyDigest,
		func(c domain.Club) int { return c.DigestHour }, jobs.NewDigestTask)
	if err != nil {
		return n, fmt.Errorf("sweep digests: %w", err)
	}
	return n, nil
}

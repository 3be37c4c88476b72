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

// MiddayHour is the local hour of the managers' mid-day overdue summary.
const MiddayHour = 13

// SweepMorning enqueues the staff morning lists of every club whose digest
// hour has come today, once per club and local date, as SweepDigests does
// for the digest ("morning:<club>:<date>").
func (s *Scheduler) SweepMorning(ctx context.Context, now time.Time) (int, error) {
	n, err := s.sweepDaily(ctx, now, postgres.DailyMorning,
		func(c domain.Club) int { return c.DigestHour }, jobs.NewMorningTask)
	if err != nil {
		return n, fmt.Errorf("sweep morning lists: %w", err)
	}
	return n, nil
}

// SweepMidday enqueues the managers' mid-day overdue summary of every club
// where MiddayHour has come today, once per club and local date
// ("midday:<club>:<date>"); the job sends nothing when nothing is overdue.
func (s *Scheduler) SweepMidday(ctx context.Context, now time.Time) (int, error) {
	n, err := s.sweepDaily(ctx, now, postgres.DailyMidday,
		func(domain.Club) int { return MiddayHour }, jobs.NewMiddayTask)
	if err != nil {
		return n, fmt.Errorf("sweep midday summaries: %w", err)
	}
	return n, nil
}

// sweepDaily is the once-a-day sweep of kind: for each club whose local
// hour (hour(club)) has come today (domain.DigestDue: once per local date,
// DST days included), it records the (club, kind, local date) run and
// enqueues the job of every run not yet sent. A run missed at its hour is
// enqueued at the next sweep of the same local day; once the day is over it
// is not sent, and never twice.
func (s *Scheduler) sweepDaily(ctx context.Context, now time.Time, kind postgres.DailyKind, hour func(domain.Club) int,
	newTask func(jobs.Queues, jobs.DailyPayload) (*asynq.Task, []asynq.Option, error)) (int, error) {
	clubs, err := s.d.DB.ClubList(ctx)
	if err != nil {
		return 0, err
	}
	var due []postgres.DailyRun
	for _, c := range clubs {
		loc, err := c.Location()
		if err != nil {
			s.log.ErrorContext(ctx, "club time zone invalid; no daily notice", slog.String("notice", string(kind)),
				slog.Int64("club_id", c.ID), slog.String("time_zone", c.TimeZone))
			continue
		}
		if ok, _ := domain.DigestDue(now, loc, hour(c)); ok {
			due = append(due, postgres.DailyRun{ClubID: c.ID, Date: report.DateOf(now.In(loc))})
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	unsent, err := s.d.DB.DailyRunsStart(ctx, kind, due, now)
	if err != nil {
		return 0, err
	}
	return s.enqueueAll(ctx, len(unsent), func(i int) (*asynq.Task, []asynq.Option, error) {
		return newTask(s.d.Queues, jobs.DailyPayload{ClubID: unsent[i].ClubID, Date: unsent[i].Date.String()})
	})
}

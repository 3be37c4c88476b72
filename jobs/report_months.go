package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
)

// TypeReportMonths stores the figures of a club's whole past months
// (postgres.DB.ReportMonthsBuild), so reports over months read them
// instead of every row. Reports are exact without it, only slower.
const TypeReportMonths = "report:months"

// reportMonthsMaxRetry is how often a failed build is retried: the sweep
// enqueues the club again ten minutes later anyway.
const reportMonthsMaxRetry = 2

// ReportMonthsPayload names the club whose months to store.
type ReportMonthsPayload struct {
	ClubID int64 `json:"club_id"`
}

// ReportMonthsTaskID is the job id of a club's build for the sweep's slot:
// "report:months:<club>:<slot unix>", so a club is enqueued once a slot
// however many schedulers sweep it.
func ReportMonthsTaskID(clubID int64, slot time.Time) string {
	return "report:months:" + strconv.FormatInt(clubID, 10) + ":" + strconv.FormatInt(slot.Unix(), 10)
}

// NewReportMonthsTask builds the job storing a club's months for a slot, on
// the low queue: nobody waits for it.
func NewReportMonthsTask(q Queues, p ReportMonthsPayload, slot time.Time) (*asynq.Task, []asynq.Option, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("report months payload: %w", err)
	}
	return asynq.NewTask(TypeReportMonths, b), []asynq.Option{asynq.TaskID(ReportMonthsTaskID(p.ClubID, slot)),
		asynq.Queue(q.Low()), asynq.MaxRetry(reportMonthsMaxRetry)}, nil
}

// handleReportMonths stores the club's missing and changed months, up to
// the store's bound per call; what is left is stored by the next slot's
// job. A build another job is running at the same moment is left to it.
func (d Deps) handleReportMonths(ctx context.Context, t *asynq.Task) error {
	var p ReportMonthsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("report months: %w: payload: %v", asynq.SkipRetry, err)
	}
	if p.ClubID <= 0 {
		return fmt.Errorf("report months: %w: incomplete payload", asynq.SkipRetry)
	}
	start := time.Now()
	n, err := d.DB.ReportMonthsBuild(ctx, p.ClubID)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("report months: %w: %w", asynq.SkipRetry, err)
	}
	if err != nil {
		return fmt.Errorf("report months: %w", err)
	}
	d.Log.InfoContext(ctx, "report months built", slog.Int64("club_id", p.ClubID), slog.Int("months", n),
		slog.Duration("took", time.Since(start).Round(time.Millisecond)))
	return nil
}

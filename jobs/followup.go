package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// handleResultRecorded runs a recorded result's workflow: it creates the
// next task (once per result, however often it runs: the store's insert is
// ON CONFLICT DO NOTHING on the result) together with the outbox row that
// tells its assignee (handleTaskAssigned), and, for a subtask of a bulk call,
// brings the bulk call's status and progress message up to date.
func (d Deps) handleResultRecorded(ctx context.Context, p OutboxTask) error {
	if p.TaskResultID <= 0 {
		return fmt.Errorf("follow-up: %w: no task result id", asynq.SkipRetry)
	}
	log := d.Log.With(slog.Int64("club_id", p.ClubID), slog.Int64("task_result_id", p.TaskResultID))
	f, err := d.DB.FollowupCreate(ctx, p.ClubID, p.TaskResultID, d.Clock.Now())
	if err != nil {
		return fmt.Errorf("follow-up: %w", gone(err))
	}
	switch f.Outcome {
	case postgres.FollowupCreated:
		d.Metrics.followupCreated()
		log.DebugContext(ctx, "follow-up created", slog.Int64("task_id", f.Task.ID), slog.Int64("closed_task_id", f.ClosedID))
	case postgres.FollowupTooDeep:
		log.WarnContext(ctx, "workflow chain cut: too many automatic follow-ups in a row",
			slog.Int64("task_id", f.ClosedID), slog.Int("max_chain_depth", domain.MaxChainDepth))
	case postgres.FollowupUnfit:
		log.WarnContext(ctx, "workflow rule's next template cannot take this task's client; no follow-up",
			slog.Int64("task_id", f.ClosedID), slog.Int64("result_id", f.ResultID))
	}
	if f.ParentID != 0 {
		if err := d.syncBulk(ctx, p.ClubID, f.ClosedID); err != nil {
			return fmt.Errorf("follow-up: %w", err)
		}
	}
	return nil
}

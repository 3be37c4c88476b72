package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// handleTaskAssigned tells a task's new assignee, with the task card's
// buttons; a workflow follow-up (TaskResultID set) is announced as the next
// step. The delivery key is the outbox row's, so a retried job sends once,
// while a later reassignment back to the same person (a new row) is told
// again. A task reassigned or closed since is not announced: the newer row
// announces the newer assignee.
func (d Deps) handleTaskAssigned(ctx context.Context, p OutboxTask) error {
	if p.TaskID <= 0 || p.StaffID <= 0 {
		return fmt.Errorf("task assigned: %w: no task or staff id", asynq.SkipRetry)
	}
	headline, data := "jobs.assigned.headline", map[string]any(nil)
	switch {
	case p.TaskResultID != 0:
		headline = "jobs.followup.headline"
	case p.ActorID != 0 && p.ActorID != p.StaffID:
		actor, err := d.DB.RecipientGet(ctx, p.ClubID, p.ActorID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("task assigned: %w", err)
		}
		if err == nil {
			headline, data = "jobs.assigned.headline_by", map[string]any{"Actor": actor.Name}
		}
	}
	if err := d.notifyTask(ctx, p.ClubID, p.TaskID, p.StaffID, outboxKey(p.OutboxID), headline, data); err != nil {
		return fmt.Errorf("task assigned: %w", err)
	}
	return nil
}

// notifyTask sends a task's card to staffID under key, headed by the
// catalog message headlineID. A task closed or reassigned since is not
// announced; an unreachable person is skipped by the notifier.
func (d Deps) notifyTask(ctx context.Context, clubID, taskID, staffID int64, key, headlineID string, data map[string]any) error {
	v, err := d.DB.TaskGet(ctx, clubID, taskID)
	if err != nil {
		return gone(err)
	}
	if !v.Status.Open() || v.AssigneeID != staffID {
		return nil
	}
	return d.Notifier.NotifyStaff(ctx, key, clubID, staffID, func(rcp Recipient) (chat.Message, bool, error) {
		return taskCardMessage(d.Catalog, rcp.Language, rcp.Loc, d.Catalog.T(rcp.Language, headlineID, data), v, rcp.Staff()), true, nil
	})
}

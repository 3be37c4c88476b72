package jobs

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// handleStaffReachable greets a staff member who wrote to the bot again
// after being unreachable: while they were away the notifier dropped their
// messages, so they get one catch-up line with their open and overdue task
// counts instead of a replay. Nothing is sent to someone with no open tasks.
func (d Deps) handleStaffReachable(ctx context.Context, p OutboxTask) error {
	if p.StaffID <= 0 {
		return fmt.Errorf("staff reachable: %w: no staff id", asynq.SkipRetry)
	}
	open, overdue, err := d.DB.StaffOpenTaskCount(ctx, p.ClubID, p.StaffID, d.Clock.Now())
	if err != nil {
		return fmt.Errorf("staff reachable: %w", err)
	}
	if open == 0 {
		return nil
	}
	err = d.Notifier.NotifyStaff(ctx, outboxKey(p.OutboxID), p.ClubID, p.StaffID, func(rcp Recipient) (chat.Message, bool, error) {
		text := d.Catalog.N(rcp.Language, "jobs.reachable.welcome", open, nil)
		if overdue > 0 {
			text += " " + d.Catalog.N(rcp.Language, "jobs.reachable.overdue", overdue, nil)
		}
		return chat.Message{Text: text}, true, nil
	})
	if err != nil {
		return fmt.Errorf("staff reachable: %w", err)
	}
	return nil
}

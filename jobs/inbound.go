package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/inbound"
)

// Task types of inbound processing.
const (
	TypeInboundReceived = "outbox:" + domain.OutboxInboundReceived
	TypeLeadEscalate    = "outbox:" + domain.OutboxLeadEscalate
	TypeCallAnswered    = "outbox:" + domain.OutboxCallAnswered
)

// handleInboundReceived processes an event the inbound API stored: the
// store does it in one transaction that also marks the inbox row processed,
// so a retried or duplicated job does nothing the second time. The person
// who gets a new task hears of it through the "task.assigned" row written
// with it.
func (d Deps) handleInboundReceived(ctx context.Context, p OutboxTask) error {
	if p.InboxID <= 0 {
		return fmt.Errorf("inbound: %w: no inbox id", asynq.SkipRetry)
	}
	it, err := d.DB.InboxGet(ctx, p.ClubID, p.InboxID)
	if err != nil {
		return fmt.Errorf("inbound: %w", gone(err))
	}
	log := d.Log.With(slog.Int64("club_id", p.ClubID), slog.Int64("inbox_id", p.InboxID), slog.String("kind", it.Kind))
	switch it.Kind {
	case inbound.KindLead:
		res, err := d.DB.LeadProcess(ctx, p.ClubID, p.InboxID)
		if err != nil {
			return fmt.Errorf("inbound lead: %w", gone(err))
		}
		if !res.Again {
			log.InfoContext(ctx, "lead processed", slog.String("outcome", res.Outcome),
				slog.Int64("client_id", res.ClientID), slog.Int64("task_id", res.TaskID))
		}
		return nil
	case inbound.KindEvent:
		res, err := d.DB.EventProcess(ctx, p.ClubID, p.InboxID)
		if err != nil {
			return fmt.Errorf("inbound event: %w", gone(err))
		}
		if !res.Again {
			log.InfoContext(ctx, "event processed", slog.String("outcome", res.Outcome),
				slog.Int64("client_id", res.ClientID), slog.Int64("task_id", res.TaskID))
		}
		return nil
	case inbound.KindCall:
		res, err := d.DB.CallProcess(ctx, p.ClubID, p.InboxID)
		if err != nil {
			return fmt.Errorf("inbound call: %w", gone(err))
		}
		if !res.Again {
			log.InfoContext(ctx, "call processed", slog.String("outcome", res.Outcome), slog.Int64("client_id", res.ClientID),
				slog.Int64("task_id", res.TaskID), slog.Int64("staff_id", res.StaffID))
		}
		return nil
	}
	return fmt.Errorf("inbound: %w: kind %q is not handled", asynq.SkipRetry, it.Kind)
}

// handleLeadEscalate runs at a lead's response deadline: if nobody recorded
// a result on its task by then, every manager gets the task's card once
// (one delivery key per lead and manager).
func (d Deps) handleLeadEscalate(ctx context.Context, p OutboxTask) error {
	if p.TaskID <= 0 {
		return fmt.Errorf("lead escalate: %w: no task id", asynq.SkipRetry)
	}
	esc, err := d.DB.LeadEscalate(ctx, p.ClubID, p.TaskID)
	if err != nil {
		return fmt.Errorf("lead escalate: %w", gone(err))
	}
	if !esc.Due {
		return nil
	}
	v, err := d.DB.TaskGet(ctx, p.ClubID, p.TaskID)
	if err != nil {
		return fmt.Errorf("lead escalate: %w", gone(err))
	}
	for _, staffID := range esc.Managers {
		assignee := v.AssigneeName
		if assignee == "" {
			assignee = "—"
		}
		key := "lead-escalate:" + strconv.FormatInt(p.TaskID, 10) + ":" + strconv.FormatInt(staffID, 10)
		err := d.Notifier.NotifyStaff(ctx, key, p.ClubID, staffID, func(rcp Recipient) (chat.Message, bool, error) {
			head := d.Catalog.T(rcp.Language, "jobs.lead.escalated", map[string]any{"Assignee": assignee})
			return taskCardMessage(d.Catalog, rcp.Language, rcp.Loc, head, v, rcp.Staff()), true, nil
		})
		if err != nil {
			return fmt.Errorf("lead escalate: %w", err)
		}
	}
	d.Log.InfoContext(ctx, "lead escalated: response target passed", slog.Int64("club_id", p.ClubID),
		slog.Int64("task_id", p.TaskID), slog.Int("managers", len(esc.Managers)))
	return nil
}

// handleCallAnswered asks the staff member who took a call for its result
// at once: "Call with Olena Kovalenko, 2:14 — result?" over the card of the
// personal-call task the call created, whose buttons open the result form.
// The delivery key is the outbox row's, so a retried job asks once.
func (d Deps) handleCallAnswered(ctx context.Context, p OutboxTask) error {
	if p.TaskID <= 0 || p.StaffID <= 0 {
		return fmt.Errorf("call answered: %w: no task or staff id", asynq.SkipRetry)
	}
	c, err := d.DB.CallOfTask(ctx, p.ClubID, p.TaskID)
	if err != nil {
		return fmt.Errorf("call answered: %w", gone(err))
	}
	v, err := d.DB.TaskGet(ctx, p.ClubID, p.TaskID)
	if err != nil {
		return fmt.Errorf("call answered: %w", gone(err))
	}
	data := map[string]any{"Client": v.ClientName, "Duration": inbound.Duration(c.Seconds)}
	if err := d.notifyTask(ctx, p.ClubID, p.TaskID, p.StaffID, outboxKey(p.OutboxID), "jobs.call.result_prompt", data); err != nil {
		return fmt.Errorf("call answered: %w", err)
	}
	return nil
}

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
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// TypeReminderSend reminds a task's assignee at the task's reminder time.
const TypeReminderSend = "reminder:send"

// ReminderPayload names one reminder: a task and the reminder time it was
// planned for. A job whose time no longer matches the task's was re-planned
// and does nothing.
type ReminderPayload struct {
	ClubID   int64     `json:"club_id"`
	TaskID   int64     `json:"task_id"`
	RemindAt time.Time `json:"remind_at"`
}

// ReminderTaskID is the job id and delivery key of a reminder:
// "remind:<task>:<unix seconds>". Whoever plans it (the re-plan job at the
// moment it is set, or any scheduler's sweep) plans the same id, so it is
// queued once.
func ReminderTaskID(taskID int64, remindAt time.Time) string {
	return "remind:" + strconv.FormatInt(taskID, 10) + ":" + strconv.FormatInt(remindAt.Unix(), 10)
}

// NewReminderTask builds the reminder's job: on the critical queue, with its
// deterministic id, to be processed at the reminder time (at once if that
// has passed).
func NewReminderTask(q Queues, p ReminderPayload) (*asynq.Task, []asynq.Option, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("reminder payload: %w", err)
	}
	return asynq.NewTask(TypeReminderSend, b), []asynq.Option{
		asynq.TaskID(ReminderTaskID(p.TaskID, p.RemindAt)),
		asynq.Queue(q.Critical()),
		asynq.ProcessAt(p.RemindAt),
	}, nil
}

// replanReminder handles "task.rescheduled" (a due date or reminder
// changed): it enqueues the exact-time job for the task's current reminder,
// so it arrives within seconds of its time rather than at the next minute's
// sweep. The old time's job, if queued, finds the time changed and does
// nothing. A task without a pending reminder needs nothing.
func (d Deps) replanReminder(ctx context.Context, p OutboxTask) error {
	if p.TaskID <= 0 {
		return fmt.Errorf("replan reminder: %w: no task id", asynq.SkipRetry)
	}
	r, err := d.DB.ReminderReplan(ctx, p.ClubID, p.TaskID)
	if err != nil {
		return fmt.Errorf("replan reminder: %w", gone(err))
	}
	if r.RemindAt == nil {
		return nil
	}
	t, opts, err := NewReminderTask(d.Queues, ReminderPayload{ClubID: r.ClubID, TaskID: r.TaskID, RemindAt: *r.RemindAt})
	if err != nil {
		return err
	}
	return d.Enqueuer.Enqueue(ctx, t, opts...)
}

// handleReminderSend sends a reminder once: it loads it (only if the task
// is still open, not deleted, still reminded at the payload's time and not
// yet reminded), notifies the reminded person under the reminder's delivery
// key, and only then marks it sent. Until that mark the reminder stays in
// the sweep, so a job lost with Redis at any moment is planned again and
// the reminder still arrives; the delivery key makes a second run (a retry,
// a re-planned copy, two copies at once) send nothing more. A reminder that
// can never go (nobody to remind, the person or club gone) is marked too,
// so the sweep stops finding it. A reminder sent more than
// domain.LateAfter after its time says it is late.
func (d Deps) handleReminderSend(ctx context.Context, t *asynq.Task) error {
	var p ReminderPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("reminder: %w: payload: %v", asynq.SkipRetry, err)
	}
	if p.ClubID <= 0 || p.TaskID <= 0 || p.RemindAt.IsZero() {
		return fmt.Errorf("reminder: %w: incomplete payload", asynq.SkipRetry)
	}
	log := d.Log.With(slog.Int64("club_id", p.ClubID), slog.Int64("task_id", p.TaskID))
	now := d.Clock.Now()
	c, err := d.DB.ReminderLoad(ctx, p.ClubID, p.TaskID, p.RemindAt)
	if errors.Is(err, domain.ErrNotFound) {
		log.DebugContext(ctx, "reminder no longer due: sent, re-planned, closed or deleted")
		return nil
	}
	if err != nil {
		return fmt.Errorf("reminder: %w", err)
	}
	err = d.sendReminder(ctx, log, p, c, now)
	if err != nil && !errors.Is(err, asynq.SkipRetry) {
		return err // retried; the reminder stays pending meanwhile
	}
	if merr := d.DB.ReminderMarkSent(ctx, p.ClubID, p.TaskID, p.RemindAt, d.Clock.Now()); merr != nil {
		return fmt.Errorf("reminder: %w", errors.Join(err, merr))
	}
	return err
}

// sendReminder notifies the person a loaded reminder is for. An error
// wrapping asynq.SkipRetry means it can never be sent.
func (d Deps) sendReminder(ctx context.Context, log *slog.Logger, p ReminderPayload, c postgres.ReminderToSend, now time.Time) error {
	if c.StaffID == 0 {
		log.DebugContext(ctx, "reminder of a task with nobody to remind")
		return nil
	}
	late := domain.ReminderLate(p.RemindAt, now)
	if late {
		log.InfoContext(ctx, "reminder sent late", slog.Time("remind_at", p.RemindAt), slog.Duration("late_by", now.Sub(p.RemindAt)))
	}
	err := d.Notifier.NotifyStaff(ctx, ReminderTaskID(p.TaskID, p.RemindAt), p.ClubID, c.StaffID, func(rcp Recipient) (chat.Message, bool, error) {
		return ReminderMessage(d.Catalog, rcp.Language, rcp.Loc, c.Task, rcp.Staff(), p.RemindAt, late), true, nil
	})
	if err != nil {
		return fmt.Errorf("reminder: %w", err)
	}
	return nil
}

// ReminderMessage is the reminder's text and buttons: open the card, the
// next step the reminded person gets (chat.TaskNoticeButtons), snooze. Its task
// buttons carry chat.OriginReminder, so the card a tap turns the reminder into
// keeps the snooze buttons.
func ReminderMessage(cat *i18n.Catalog, lang domain.Language, loc *time.Location, t postgres.TaskView, viewer domain.Staff, remindAt time.Time, late bool) chat.Message {
	var text string
	if late {
		text = cat.T(lang, "reminder.late", map[string]any{"Title": t.TitleIn(lang), "At": i18n.DateTime(lang, remindAt, loc)})
	} else {
		text = cat.T(lang, "reminder.title", map[string]any{"Title": t.TitleIn(lang)})
	}
	if t.ClientName != "" {
		text += "\n" + cat.T(lang, "reminder.client", map[string]any{"Name": t.ClientName})
		if t.ClientPhone != "" {
			text += "\n" + cat.T(lang, "reminder.phone", map[string]any{"Phone": t.ClientPhone})
		}
	}
	if t.DueAt != nil {
		text += "\n" + cat.T(lang, "reminder.due", map[string]any{"Due": i18n.DateTime(lang, *t.DueAt, loc)})
	}
	if t.Description != "" {
		text += "\n\n" + t.Description
	}
	first := chat.TaskNoticeButtons(cat, lang, "reminder.button.open", t.Task, viewer, chat.OriginReminder)
	return chat.Message{Text: text, Buttons: [][]chat.Button{first, chat.SnoozeButtons(cat, lang, t.ID)}}
}

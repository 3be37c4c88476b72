package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// TypeOverdueNotify tells one assignee about their tasks that became overdue.
const TypeOverdueNotify = "overdue:notify"

// overdueListed is how many tasks an overdue notice names; the rest are
// counted ("…and 12 more").
const overdueListed = 10

// overdueButtons is how many tasks of a notice get an "open" button.
const overdueButtons = 5

// OverduePayload names one overdue notice: an assignee (0: the club's
// unassigned tasks, which are only marked) and the sweep's minute slot.
type OverduePayload struct {
	ClubID  int64     `json:"club_id"`
	StaffID int64     `json:"staff_id"`
	Slot    time.Time `json:"slot"`
}

// OverdueTaskID is the job id and delivery key of an overdue notice:
// "overdue:<club>:<staff>:<slot unix>". Schedulers sweeping the same minute
// plan the same id; the database mark decides which tasks the notice holds,
// so a task is in one notice only even when two slots' jobs overlap.
func OverdueTaskID(p OverduePayload) string {
	return "overdue:" + strconv.FormatInt(p.ClubID, 10) + ":" + strconv.FormatInt(p.StaffID, 10) + ":" + strconv.FormatInt(p.Slot.Unix(), 10)
}

// NewOverdueTask builds an overdue notice's job, on the default queue.
func NewOverdueTask(q Queues, p OverduePayload) (*asynq.Task, []asynq.Option, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("overdue payload: %w", err)
	}
	return asynq.NewTask(TypeOverdueNotify, b), []asynq.Option{asynq.TaskID(OverdueTaskID(p)), asynq.Queue(q.Default())}, nil
}

// handleOverdueNotify claims the assignee's tasks that were past due at the
// slot and not yet told, sends them one message listing them, and then
// marks the notice sent. The database mark makes each task told once; the
// delivery key makes the message sent once, also when the job is retried
// after a failed send; until the notice is marked sent the sweep enqueues
// it again, so a job Redis lost after the claim is not a notice lost. A
// notice that can never go (the person or club gone) is marked too.
func (d Deps) handleOverdueNotify(ctx context.Context, t *asynq.Task) error {
	var p OverduePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("overdue: %w: payload: %v", asynq.SkipRetry, err)
	}
	if p.ClubID <= 0 || p.StaffID < 0 || p.Slot.IsZero() {
		return fmt.Errorf("overdue: %w: incomplete payload", asynq.SkipRetry)
	}
	n, err := d.DB.OverdueClaim(ctx, p.ClubID, p.StaffID, p.Slot, overdueListed)
	if err != nil {
		return fmt.Errorf("overdue: %w", err)
	}
	if p.StaffID == 0 {
		return nil // unassigned tasks are only marked
	}
	err = d.sendOverdue(ctx, p, n)
	if err != nil && !errors.Is(err, asynq.SkipRetry) {
		return err // retried; the notice stays unsent meanwhile
	}
	if merr := d.DB.OverdueMarkSent(ctx, p.ClubID, p.StaffID, p.Slot, d.Clock.Now()); merr != nil {
		return fmt.Errorf("overdue: %w", errors.Join(err, merr))
	}
	return err
}

// sendOverdue sends a claimed notice; one with nothing left in it (every
// task closed meanwhile, or sent already) sends nothing. An error wrapping
// asynq.SkipRetry means it can never be sent.
func (d Deps) sendOverdue(ctx context.Context, p OverduePayload, n postgres.OverdueNotice) error {
	if n.Total == 0 {
		return nil
	}
	err := d.Notifier.NotifyStaff(ctx, OverdueTaskID(p), p.ClubID, p.StaffID, func(rcp Recipient) (chat.Message, bool, error) {
		return overdueMessage(d.Catalog, rcp.Language, rcp.Loc, n), true, nil
	})
	if err != nil {
		return fmt.Errorf("overdue: %w", err)
	}
	return nil
}

// overdueMessage lists a notice's tasks, earliest due first, each named so
// it can be told apart (noticeTaskLabel), with buttons to open the first few.
func overdueMessage(cat *i18n.Catalog, lang domain.Language, loc *time.Location, n postgres.OverdueNotice) chat.Message {
	text := cat.N(lang, "overdue.title", n.Total, nil)
	var buttons [][]chat.Button
	for i, o := range n.Tasks {
		text += "\n" + cat.T(lang, "overdue.line", map[string]any{
			"Title": noticeTaskLabel(o.TitleNames.In(lang, o.Title), o.ClientName, o.Description), "Due": i18n.DateTime(lang, o.DueAt, loc)})
		if i < overdueButtons {
			buttons = append(buttons, []chat.Button{{Text: cat.T(lang, "overdue.button.open", map[string]any{"Title": shorten(noticeTaskLabel(o.TitleNames.In(lang, o.Title), o.ClientName, o.Description), noticeButtonLen)}), Data: callback.New(callback.ActionTaskCard, o.ID)}})
		}
	}
	if more := n.Total - len(n.Tasks); more > 0 {
		text += "\n" + cat.N(lang, "overdue.more", more, nil)
	}
	return chat.Message{Text: text, Buttons: buttons}
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// TypeMorningSend sends each staff member of a club their list for the day,
// at the club's digest hour.
const TypeMorningSend = "morning:send"

// MorningTaskID is the morning lists' job id: "morning:<club>:<date>".
func MorningTaskID(p DailyPayload) string { return dailyTaskID(postgres.DailyMorning, p) }

// NewMorningTask builds the job sending a club's morning lists for a date.
func NewMorningTask(q Queues, p DailyPayload) (*asynq.Task, []asynq.Option, error) {
	return newDailyTask(q, TypeMorningSend, postgres.DailyMorning, p)
}

// morningButtons is how many of a list's tasks get an "open" button.
const morningButtons = postgres.MorningListLimit

// handleMorningSend sends every active staff member with open tasks due
// today or overdue one message: how many are due today and overdue, the
// first few with a button opening each card. Someone with nothing due gets
// nothing. A club that chose viber_free_window_only (its plan) marks the
// list low-value: a Viber person gets it only inside their free window,
// since outside it Viber bills the bot for it. Each message has its own
// delivery key ("morning:<club>:<date>:<staff>"), so a retry after a
// partial failure sends only what is missing; the run is marked sent at
// the end.
func (d Deps) handleMorningSend(ctx context.Context, t *asynq.Task) error {
	r, send, err := d.dailyBegin(ctx, postgres.DailyMorning, t)
	if err != nil {
		return fmt.Errorf("morning lists: %w", err)
	}
	if !send {
		return nil
	}
	today := r.date.Start(r.loc)
	lists, err := d.DB.MorningListsGet(ctx, r.p.ClubID, domain.DueDayAt(r.now, r.loc))
	if err != nil {
		return fmt.Errorf("morning lists: %w", err)
	}
	for _, l := range lists {
		key := MorningTaskID(r.p) + ":" + strconv.FormatInt(l.StaffID, 10)
		err := d.Notifier.NotifyStaff(ctx, key, r.p.ClubID, l.StaffID, func(rcp Recipient) (chat.Message, bool, error) {
			return morningMessage(d.Catalog, rcp.Language, r.loc, today, r.now, l), true, nil
		}, FreeWindowOnly(r.club.ViberFreeWindowOnly))
		if err := leftClub(err); err != nil { // someone who left since the lists were read is skipped
			return fmt.Errorf("morning lists: %w", err)
		}
	}
	if err := d.DB.DailyRunMarkSent(ctx, postgres.DailyMorning, r.p.ClubID, r.date, d.Clock.Now()); err != nil {
		return fmt.Errorf("morning lists: %w", err)
	}
	r.log.InfoContext(ctx, "morning lists sent", slog.Int("staff", len(lists)))
	return nil
}

// morningMessage is one staff member's list: a header with the counts, a
// line per listed task (overdue ones marked; named by noticeTaskLabel), "and
// N more", and a button per listed task opening its card.
func morningMessage(cat *i18n.Catalog, lang domain.Language, loc *time.Location, today, now time.Time, l postgres.MorningList) chat.Message {
	lines := []string{cat.T(lang, "morning.header", map[string]any{
		"Date": i18n.Date(lang, today, loc), "DueToday": l.DueToday, "Overdue": l.Overdue})}
	var buttons [][]chat.Button
	day := domain.DueDayAt(now, loc)
	for i, task := range l.Tasks {
		data := map[string]any{"Title": noticeTaskLabel(task.TitleNames.In(lang, task.Title), task.ClientName, task.Description), "Due": i18n.DateTime(lang, task.DueAt, loc)}
		id := "morning.line"
		if day.Classify(task.DueAt) == domain.DueOverdue {
			id = "morning.line_overdue"
		}
		lines = append(lines, cat.T(lang, id, data))
		if i < morningButtons {
			buttons = append(buttons, []chat.Button{{Text: cat.T(lang, "morning.button.open", map[string]any{"Title": shorten(noticeTaskLabel(task.TitleNames.In(lang, task.Title), task.ClientName, task.Description), noticeButtonLen)}),
				Data: callback.New(callback.ActionTaskCard, task.ID)}})
		}
	}
	if more := l.DueToday + l.Overdue - len(l.Tasks); more > 0 {
		lines = append(lines, cat.T(lang, "morning.more", map[string]any{"Count": more}))
	}
	return chat.Message{Text: strings.Join(lines, "\n"), Buttons: buttons}
}

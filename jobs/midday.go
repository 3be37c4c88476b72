package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// TypeMiddaySend sends a club's owners and managers the mid-day overdue
// summary.
const TypeMiddaySend = "midday:send"

// MiddayTaskID is the mid-day summary's job id: "midday:<club>:<date>".
func MiddayTaskID(p DailyPayload) string { return dailyTaskID(postgres.DailyMidday, p) }

// NewMiddayTask builds the job sending a club's mid-day summary for a date.
func NewMiddayTask(q Queues, p DailyPayload) (*asynq.Task, []asynq.Option, error) {
	return newDailyTask(q, TypeMiddaySend, postgres.DailyMidday, p)
}

// handleMiddaySend sends each active owner and manager one message with
// the club's overdue tasks counted per assignee and unassigned, when any
// task is overdue; with none it sends nothing. Never a message per task.
// Delivery keys and the run's sent mark work as for the digest.
func (d Deps) handleMiddaySend(ctx context.Context, t *asynq.Task) error {
	r, send, err := d.dailyBegin(ctx, postgres.DailyMidday, t)
	if err != nil {
		return fmt.Errorf("midday summary: %w", err)
	}
	if !send {
		return nil
	}
	// The digest's "today" half holds the counts and the recipients.
	today, err := d.DB.DigestTodayGet(ctx, r.p.ClubID, domain.DueDayAt(r.now, r.loc))
	if err != nil {
		return fmt.Errorf("midday summary: %w", err)
	}
	if today.OverdueNow > 0 {
		msgs := map[domain.Language]chat.Message{}
		for _, staffID := range today.Recipients {
			key := MiddayTaskID(r.p) + ":" + strconv.FormatInt(staffID, 10)
			err := d.Notifier.NotifyStaff(ctx, key, r.p.ClubID, staffID, func(rcp Recipient) (chat.Message, bool, error) {
				msg, ok := msgs[rcp.Language]
				if !ok {
					msg = middayMessage(d.Catalog, rcp.Language, today)
					msgs[rcp.Language] = msg
				}
				return msg, true, nil
			})
			if err := leftClub(err); err != nil {
				return fmt.Errorf("midday summary: %w", err)
			}
		}
	}
	if err := d.DB.DailyRunMarkSent(ctx, postgres.DailyMidday, r.p.ClubID, r.date, d.Clock.Now()); err != nil {
		return fmt.Errorf("midday summary: %w", err)
	}
	r.log.InfoContext(ctx, "midday summary done", slog.Int("overdue", today.OverdueNow))
	return nil
}

// middayMessage is the summary: the overdue total, then a line per assignee
// (most overdue first) and one for the unassigned.
func middayMessage(cat *i18n.Catalog, lang domain.Language, today postgres.DigestToday) chat.Message {
	lines := []string{cat.T(lang, "morning.midday.header", map[string]any{"Count": today.OverdueNow})}
	for _, s := range today.OverdueByStaff {
		if s.StaffID == 0 {
			lines = append(lines, cat.T(lang, "morning.midday.unassigned", map[string]any{"Count": s.Count}))
			continue
		}
		lines = append(lines, cat.T(lang, "morning.midday.staff_line", map[string]any{"Name": s.Name, "Count": s.Count}))
	}
	return chat.Message{Text: strings.Join(lines, "\n")}
}

package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/report"
)

// TypeDigestSend sends a club's daily digest to its owners and managers.
const TypeDigestSend = "digest:send"

// DigestTaskID is the digest's job id: "digest:<club>:<date>".
func DigestTaskID(p DailyPayload) string { return dailyTaskID(postgres.DailyDigest, p) }

// NewDigestTask builds the job sending a club's digest for a date.
func NewDigestTask(q Queues, p DailyPayload) (*asynq.Task, []asynq.Option, error) {
	return newDailyTask(q, TypeDigestSend, postgres.DailyDigest, p)
}

// digestReport is everything a digest says, gathered once for all its
// recipients.
type digestReport struct {
	Club      domain.Club
	Loc       *time.Location
	Date      report.Date // the digest's local date: "today"
	Yesterday report.General
	Funnel    report.Funnel
	Today     postgres.DigestToday
}

// handleDigestSend sends the digest of a club for a local date to each
// active owner and manager, in their language, with a chart, then marks it
// sent. Each recipient's message has its own delivery key, so a retry after
// a partial failure sends only what is missing. A digest whose local date is
// over is not sent (a late digest is useful the same morning, not the next
// day); one already sent is not sent again.
func (d Deps) handleDigestSend(ctx context.Context, t *asynq.Task) error {
	dr, send, err := d.dailyBegin(ctx, postgres.DailyDigest, t)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	if !send {
		return nil
	}
	p, date := dr.p, dr.date
	r, err := d.digestGather(ctx, dr.club, dr.loc, date, dr.now)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	msgs := map[domain.Language]chat.Message{}
	for _, staffID := range r.Today.Recipients {
		key := DigestTaskID(p) + ":" + strconv.FormatInt(staffID, 10)
		err := d.Notifier.NotifyStaff(ctx, key, p.ClubID, staffID, func(rcp Recipient) (chat.Message, bool, error) {
			msg, ok := msgs[rcp.Language]
			if !ok {
				var err error
				if msg, err = digestMessage(d.Catalog, rcp.Language, r); err != nil {
					return chat.Message{}, false, err
				}
				msgs[rcp.Language] = msg
			}
			return msg, true, nil
		})
		if err := leftClub(err); err != nil { // someone who left since the list was read is skipped
			return fmt.Errorf("digest: %w", err)
		}
	}
	if err := d.DB.DailyRunMarkSent(ctx, postgres.DailyDigest, p.ClubID, date, d.Clock.Now()); err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	dr.log.InfoContext(ctx, "digest sent", slog.Int("recipients", len(r.Today.Recipients)))
	return nil
}

// digestGather reads the digest's figures: yesterday's general report and
// funnel over yesterday's local day, and today's plan.
func (d Deps) digestGather(ctx context.Context, club domain.Club, loc *time.Location, date report.Date, now time.Time) (digestReport, error) {
	r := digestReport{Club: club, Loc: loc, Date: date}
	y := date.AddDays(-1)
	yesterday := report.DayRange(y, y, loc)
	var err error
	if r.Yesterday, err = d.DB.ReportGeneral(ctx, club.ID, yesterday, report.Filter{}); err != nil {
		return r, err
	}
	if r.Funnel, err = d.DB.ReportFunnel(ctx, club.ID, yesterday, report.Filter{}); err != nil {
		return r, err
	}
	if r.Today, err = d.DB.DigestTodayGet(ctx, club.ID, domain.DueDayAt(now, loc)); err != nil {
		return r, err
	}
	return r, nil
}

// digestMessage renders the digest in lang: the text and the chart.
func digestMessage(cat *i18n.Catalog, lang domain.Language, r digestReport) (chat.Message, error) {
	png, name, err := digestChart(cat, lang, r)
	if err != nil {
		return chat.Message{}, err
	}
	return chat.Message{Text: digestText(cat, lang, r), PNG: png, PNGName: name}, nil
}

// digestText is the digest's text: yesterday's figures, the funnel, today's
// plan and overdue tasks, and who cannot be reached.
func digestText(cat *i18n.Catalog, lang domain.Language, r digestReport) string {
	var b strings.Builder
	line := func(id string, data map[string]any) {
		b.WriteString(cat.T(lang, id, data))
		b.WriteByte('\n')
	}
	y := r.Date.AddDays(-1)
	line("digest.header", map[string]any{"Club": r.Club.Name, "Date": i18n.Date(lang, r.Date.Start(r.Loc), r.Loc)})
	b.WriteByte('\n')

	g := r.Yesterday
	line("digest.yesterday", map[string]any{"Date": i18n.Date(lang, y.Start(r.Loc), r.Loc)})
	line("digest.tasks", map[string]any{"Created": g.Totals.Created, "Done": g.Totals.Done, "Overdue": g.Totals.Overdue})
	line("digest.calls", map[string]any{"Out": g.CallsOut, "In": g.CallsIn})
	var staff []report.StaffRow
	for _, s := range g.ByStaff {
		if s.Counts.Created+s.Counts.Done+s.Counts.Overdue > 0 {
			staff = append(staff, s)
		}
	}
	if len(staff) > 0 {
		line("digest.by_staff", nil)
		for _, s := range staff {
			line("digest.staff_line", map[string]any{"Name": staffName(cat, lang, s.StaffID, s.Name),
				"Created": s.Counts.Created, "Done": s.Counts.Done, "Overdue": s.Counts.Overdue})
		}
	}
	if len(g.ByResult) > 0 {
		line("digest.results", nil)
		for _, res := range g.ByResult {
			line("digest.result_line", map[string]any{"Name": res.Name, "Count": res.Count, "Share": percent(res.Share)})
		}
	} else {
		line("digest.no_results", nil)
	}
	if f := r.Funnel; len(f.Stages) > 0 && f.Stages[0].Clients > 0 {
		line("digest.funnel", nil)
		for i, st := range f.Stages {
			if i == 0 {
				line("digest.funnel_first", map[string]any{"Name": st.Name, "Clients": st.Clients})
				continue
			}
			line("digest.funnel_line", map[string]any{"Name": st.Name, "Clients": st.Clients, "Conv": percent(f.Stages[i-1].ConversionNext)})
		}
		line("digest.conversion", map[string]any{"Conv": percent(f.Conversion)})
	}

	t := r.Today
	b.WriteByte('\n')
	line("digest.today", nil)
	line("digest.due_today", map[string]any{"Count": t.DueToday})
	line("digest.overdue_now", map[string]any{"Count": t.OverdueNow})
	for _, s := range t.OverdueByStaff {
		line("digest.overdue_staff_line", map[string]any{"Name": staffName(cat, lang, s.StaffID, s.Name), "Count": s.Count})
	}
	if len(t.Overdue) > 0 {
		line("digest.oldest_overdue", nil)
		for _, o := range t.Overdue {
			assignee := o.AssigneeName
			if assignee == "" {
				assignee = cat.T(lang, "digest.unassigned", nil)
			}
			line("digest.overdue_line", map[string]any{"Title": noticeTaskLabel(o.TitleNames.In(lang, o.Title), o.ClientName, o.Description), "Assignee": assignee, "Due": i18n.DateTime(lang, o.DueAt, r.Loc)})
		}
		if more := t.OverdueNow - len(t.Overdue); more > 0 {
			line("digest.more", map[string]any{"Count": more})
		}
	}
	if len(t.Unreachable) > 0 {
		b.WriteByte('\n')
		line("digest.unreachable", map[string]any{"Names": strings.Join(t.Unreachable, ", ")})
	}
	return strings.TrimRight(b.String(), "\n")
}

// staffName is a staff member's name, or "unassigned" for id 0.
func staffName(cat *i18n.Catalog, lang domain.Language, id int64, name string) string {
	if id == 0 {
		return cat.T(lang, "digest.unassigned", nil)
	}
	return name
}

// percent renders a 0..1 share as a whole percentage.
func percent(share float64) int { return int(math.Round(share * 100)) }

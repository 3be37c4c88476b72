package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/report"
)

// DailyPayload names one of a club's once-a-day notices (the digest, the
// morning lists, the mid-day summary): a club and its local date
// (YYYY-MM-DD). The job type says which notice.
type DailyPayload struct {
	ClubID int64  `json:"club_id"`
	Date   string `json:"date"`
}

// dailyTaskID is a daily notice's job id: "<kind>:<club>:<date>".
func dailyTaskID(kind postgres.DailyKind, p DailyPayload) string {
	return string(kind) + ":" + strconv.FormatInt(p.ClubID, 10) + ":" + p.Date
}

// newDailyTask builds a daily notice's job, on the low queue: a minute late
// matters less than a reminder or a follow-up.
func newDailyTask(q Queues, typ string, kind postgres.DailyKind, p DailyPayload) (*asynq.Task, []asynq.Option, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%s payload: %w", kind, err)
	}
	return asynq.NewTask(typ, b), []asynq.Option{asynq.TaskID(dailyTaskID(kind, p)), asynq.Queue(q.Low())}, nil
}

// dailyRun is a daily notice job about to send: its club, zone, local date
// and the moment it runs at.
type dailyRun struct {
	p    DailyPayload
	club domain.Club
	loc  *time.Location
	date report.Date
	now  time.Time
	log  *slog.Logger
}

// dailyBegin reads a daily notice job's payload and club and says whether
// it should send: not when it was sent already, and not when its local date
// is over (a digest or a morning list is useful that morning, not the next
// day). A bad
// payload or a club that is gone wraps asynq.SkipRetry.
func (d Deps) dailyBegin(ctx context.Context, kind postgres.DailyKind, t *asynq.Task) (r dailyRun, send bool, err error) {
	if err := json.Unmarshal(t.Payload(), &r.p); err != nil {
		return r, false, fmt.Errorf("%w: payload: %v", asynq.SkipRetry, err)
	}
	if r.date, err = report.ParseDate(r.p.Date); err != nil || r.p.ClubID <= 0 {
		return r, false, fmt.Errorf("%w: bad payload %+v", asynq.SkipRetry, r.p)
	}
	r.log = d.Log.With(slog.String("notice", string(kind)), slog.Int64("club_id", r.p.ClubID), slog.String("date", r.p.Date))
	if r.club, err = d.DB.ClubGet(ctx, r.p.ClubID); err != nil {
		return r, false, gone(err)
	}
	if r.loc, err = r.club.Location(); err != nil {
		return r, false, fmt.Errorf("%w: %w", asynq.SkipRetry, err)
	}
	r.now = d.Clock.Now()
	if today := report.DateOf(r.now.In(r.loc)); today != r.date {
		r.log.WarnContext(ctx, "daily notice not sent: its local day is over (or has not begun)", slog.String("today", today.String()))
		return r, false, nil
	}
	sent, err := d.DB.DailyRunSentAt(ctx, kind, r.p.ClubID, r.date)
	if err != nil {
		return r, false, gone(err)
	}
	return r, sent == nil, nil
}

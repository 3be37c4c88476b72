package jobs

import (
	"context"
	"encoding/json"
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

// DefaultFanoutChunk is how many subtasks one fan-out transaction creates:
// big enough that commits are a small part of the cost, small enough that a
// chunk takes well under a second and a killed worker loses little.
const DefaultFanoutChunk = 2000

// progressEvery is the least time between two edits of a progress message.
const progressEvery = time.Second

// TypeBulkProgress refreshes a bulk call's progress message after its
// subtasks changed. Payload: BulkProgressPayload.
const TypeBulkProgress = "bulk:progress"

// BulkProgressPayload names the bulk call whose message to refresh.
type BulkProgressPayload struct {
	ClubID int64 `json:"club_id"`
	TaskID int64 `json:"task_id"`
}

// handleBulkCreated fans a bulk call out into its personal-call subtasks,
// chunk by chunk, each chunk its own transaction (see
// postgres.DB.FanoutChunk), editing the creator's progress message at most
// once a second. Stopped at any point (shutdown, lost lease, kill -9), the
// next run continues after the last committed chunk and ends with exactly
// one subtask per client; a run that continues one says so, in the log and
// in the progress message. Each chunk is also the fan-out's heartbeat: the
// relay hands a fan-out whose heartbeat stopped over again (Relay), so a
// killed worker's fan-out resumes within seconds.
func (d Deps) handleBulkCreated(ctx context.Context, p OutboxTask) error {
	if p.TaskID <= 0 {
		return fmt.Errorf("fan out: %w: no task id", asynq.SkipRetry)
	}
	chunk := d.FanoutChunk
	if chunk <= 0 {
		chunk = DefaultFanoutChunk
	}
	log := d.Log.With(slog.Int64("club_id", p.ClubID), slog.Int64("task_id", p.TaskID))
	for first := true; ; first = false {
		f, err := d.DB.FanoutChunk(ctx, p.ClubID, p.TaskID, chunk, d.Clock.Now())
		if err != nil {
			return fmt.Errorf("fan out: %w", gone(err))
		}
		d.Metrics.subtasksCreated(f.Inserted)
		resuming := first && f.Created-f.Inserted > 0
		if resuming {
			log.InfoContext(ctx, "resuming fan-out", slog.Int("created_before", f.Created-f.Inserted),
				slog.Int("created", f.Created), slog.Int("total", f.Total))
		}
		d.fanoutProgress(ctx, f, resuming)
		if f.Done {
			log.InfoContext(ctx, "bulk call fanned out", slog.Int("subtasks", f.Created))
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("fan out: %w", err)
		}
	}
}

// fanoutProgress edits the creator's progress message if a second has passed
// since the last edit, and always at the end and when a run resumes an
// interrupted fan-out (the message then says so). A failed edit is logged,
// never fatal: the subtasks matter, the message is cosmetic.
func (d Deps) fanoutProgress(ctx context.Context, f postgres.Fanout, resuming bool) {
	if f.ProgressMessageID == 0 {
		return
	}
	now := d.Clock.Now()
	if !f.Done && !resuming && f.ProgressEditedAt != nil && now.Sub(*f.ProgressEditedAt) < progressEvery {
		return
	}
	if !f.Done && !d.Notifier.CanEdit(f.ProgressChat) {
		return // each edit would be a new message (Viber): only the final count
	}
	lang := f.Language
	var m chat.Message
	data := map[string]any{"Title": f.Title, "Created": f.Created, "Total": f.Total}
	switch {
	case f.Done:
		m = chat.Message{Text: d.Catalog.T(lang, "jobs.fanout.done", data),
			Buttons: [][]chat.Button{{{Text: d.Catalog.T(lang, "jobs.button.open", nil), Data: callback.New(callback.ActionTaskCard, f.TaskID)}}}}
	case resuming:
		m = chat.Message{Text: d.Catalog.T(lang, "jobs.fanout.resuming", data)}
	default:
		m = chat.Message{Text: d.Catalog.T(lang, "jobs.fanout.progress", data)}
	}
	d.editProgress(ctx, f.ClubID, f.TaskID, f.ProgressChat, f.ProgressMessageID, now, m)
}

func (d Deps) editProgress(ctx context.Context, clubID, taskID int64, to chat.Address, messageID int64, now time.Time, m chat.Message) {
	log := d.Log.With(slog.Int64("club_id", clubID), slog.Int64("task_id", taskID))
	if err := d.Notifier.Edit(ctx, to, messageID, m); err != nil {
		log.WarnContext(ctx, "edit bulk call progress message", slog.Any("err", err))
		return
	}
	if err := d.DB.FanoutProgressMarkEdited(ctx, clubID, taskID, now); err != nil {
		log.WarnContext(ctx, "record progress edit", slog.Any("err", err))
	}
}

// syncBulk brings a bulk call's status in line after one of its subtasks
// (taskID) closed, and has its progress message refreshed by a
// TypeBulkProgress job a second later, one job per bulk call and second (its
// TaskID): a burst of closing calls costs one edit a second, and the last
// change is always shown.
func (d Deps) syncBulk(ctx context.Context, clubID, taskID int64) error {
	now := d.Clock.Now()
	s, ok, err := d.DB.BulkParentSync(ctx, clubID, taskID, now)
	if err != nil {
		return fmt.Errorf("bulk status: %w", gone(err))
	}
	if !ok || s.ProgressMessageID == 0 || !s.FannedOut {
		return nil
	}
	b, err := json.Marshal(BulkProgressPayload{ClubID: clubID, TaskID: s.TaskID})
	if err != nil {
		return fmt.Errorf("bulk progress payload: %w", err)
	}
	id := "bulk-progress:" + strconv.FormatInt(s.TaskID, 10) + ":" + strconv.FormatInt(now.Unix(), 10)
	return d.Enqueuer.Enqueue(ctx, asynq.NewTask(TypeBulkProgress, b),
		asynq.TaskID(id), asynq.Queue(d.Queues.Default()), asynq.ProcessIn(progressEvery), asynq.MaxRetry(3))
}

// handleBulkProgress edits a bulk call's progress message to show how many
// calls are closed and their counts by result.
func (d Deps) handleBulkProgress(ctx context.Context, t *asynq.Task) error {
	var p BulkProgressPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ClubID <= 0 || p.TaskID <= 0 {
		return fmt.Errorf("bulk progress: %w: bad payload", asynq.SkipRetry)
	}
	s, err := d.DB.BulkStatusGet(ctx, p.ClubID, p.TaskID)
	if err != nil {
		return fmt.Errorf("bulk progress: %w", gone(err))
	}
	if s.ProgressMessageID == 0 || s.Status != domain.StatusDone && !d.Notifier.CanEdit(s.ProgressChat) {
		return nil // no progress message, or each edit would be a new one (Viber): only when done
	}
	d.editProgress(ctx, p.ClubID, p.TaskID, s.ProgressChat, s.ProgressMessageID, d.Clock.Now(), bulkStatusMessage(d.Catalog, s))
	return nil
}

// bulkStatusMessage: closed of total, then the counts by result.
func bulkStatusMessage(cat *i18n.Catalog, s postgres.BulkStatus) chat.Message {
	lang := s.Language
	data := map[string]any{"Title": s.Title, "Closed": s.Done + s.Cancelled, "Total": s.Total}
	lines := []string{cat.T(lang, "jobs.bulk.progress", data)}
	if s.Status == domain.StatusDone {
		lines[0] = cat.T(lang, "jobs.bulk.done", data)
	}
	for _, r := range s.ByResult {
		lines = append(lines, cat.T(lang, "jobs.bulk.result_line", map[string]any{"Name": r.Names.In(lang, r.Name), "Count": r.Count}))
	}
	if s.Cancelled > 0 {
		lines = append(lines, cat.T(lang, "jobs.bulk.cancelled_line", map[string]any{"Count": s.Cancelled}))
	}
	return chat.Message{Text: strings.Join(lines, "\n"),
		Buttons: [][]chat.Button{{{Text: cat.T(lang, "jobs.button.open", nil), Data: callback.New(callback.ActionTaskCard, s.TaskID)}}}}
}

package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Task types of the jobs the outbox relay hands over: "outbox:" + the kind.
const (
	TypeResultRecorded  = "outbox:" + domain.OutboxResultRecorded
	TypeBulkCreated     = "outbox:" + domain.OutboxBulkCreated
	TypeTaskAssigned    = "outbox:" + domain.OutboxTaskAssigned
	TypeTaskRescheduled = "outbox:" + domain.OutboxTaskRescheduled
	TypeStaffReachable  = "outbox:" + domain.OutboxStaffReachable
)

// OutboxTask is the payload of a job handed over from the outbox: the row's
// id and club, and the row's own payload (ids only: the job reads the
// current state from the database).
type OutboxTask struct {
	OutboxID int64 `json:"outbox_id"`
	ClubID   int64 `json:"club_id"`
	domain.OutboxPayload
}

// outboxQueue says which queue each kind's jobs go to. A kind missing here
// is not handed over (see Relay): a newer release may have written it, and
// its workers will take it.
func outboxQueue(q Queues, kind string) (string, bool) {
	switch kind {
	case domain.OutboxResultRecorded, domain.OutboxTaskAssigned, domain.OutboxInboundReceived, domain.OutboxLeadEscalate, domain.OutboxCallAnswered:
		return q.Critical(), true
	case domain.OutboxBulkCreated:
		return q.Bulk(), true
	case domain.OutboxTaskRescheduled, domain.OutboxStaffReachable:
		return q.Default(), true
	}
	return "", false
}

// outboxTaskID is the TaskID of an outbox row's job (the Enqueuer adds the
// deployment id). While asynq holds a task with this id (queued, running,
// retrying, or retained after completion) a second hand-over of the row is
// a no-op. The row's creation time is part of it: a database restored from
// a backup (same deployment id) hands out the ids created after the backup
// again, and those new rows must not be taken for the finished jobs of the
// lost ones.
func outboxTaskID(row postgres.OutboxRow) string {
	return "outbox:" + strconv.FormatInt(row.ID, 10) + ":" + strconv.FormatInt(row.CreatedAt.UnixMicro(), 10)
}

// outboxKey is the delivery key of a message an outbox row's job sends
// (see Outgoing.Key): kept in the same database as the row, so a restore
// rolls both back together.
func outboxKey(rowID int64) string { return "outbox:" + strconv.FormatInt(rowID, 10) }

// errUnknownKind: an outbox row of a kind this release does not handle.
var errUnknownKind = errors.New("unknown outbox kind")

// newOutboxTask builds the job for an outbox row, with the options that
// route and deduplicate it.
func newOutboxTask(q Queues, row postgres.OutboxRow) (*asynq.Task, []asynq.Option, error) {
	queue, ok := outboxQueue(q, row.Kind)
	if !ok {
		return nil, nil, fmt.Errorf("outbox row %d: %w %q", row.ID, errUnknownKind, row.Kind)
	}
	b, err := json.Marshal(OutboxTask{OutboxID: row.ID, ClubID: row.ClubID, OutboxPayload: row.Payload})
	if err != nil {
		return nil, nil, fmt.Errorf("outbox row %d: %w", row.ID, err)
	}
	return asynq.NewTask("outbox:"+row.Kind, b), []asynq.Option{asynq.TaskID(outboxTaskID(row)), asynq.Queue(queue)}, nil
}

// outboxFunc handles one outbox row's effect. It must be idempotent: it may
// run again after a crash, a lost Redis, or next to a duplicate of itself.
type outboxFunc func(ctx context.Context, p OutboxTask) error

// outbox wraps an outbox handler: it decodes the payload, skips a row that
// is already completed (a duplicate delivery), and marks the row completed
// after the effect. The effect is made idempotent by unique keys in SQL and
// by the notifier's delivery keys, so completing the row *after* the effect
// is safe: a crash in between re-runs a job whose second run changes
// nothing. A job that gives up on purpose (SkipRetry: the task or club is
// gone) completes its row with the reason, so it is not handed over again;
// any other error leaves the row pending with the error recorded.
func (d Deps) outbox(fn outboxFunc) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		var p OutboxTask
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return fmt.Errorf("%s: %w: payload: %v", t.Type(), asynq.SkipRetry, err)
		}
		if p.OutboxID <= 0 || p.ClubID <= 0 {
			return fmt.Errorf("%s: %w: payload has no outbox row", t.Type(), asynq.SkipRetry)
		}
		done, err := d.DB.OutboxCompleted(ctx, p.ClubID, p.OutboxID)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("%s: %w: %w", t.Type(), asynq.SkipRetry, err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.Type(), err)
		}
		if done {
			return nil
		}
		ferr := fn(ctx, p)
		switch {
		case ferr == nil:
			if err := d.DB.OutboxMarkDone(ctx, p.ClubID, p.OutboxID, d.Clock.Now(), ""); err != nil {
				return fmt.Errorf("%s: %w", t.Type(), err)
			}
			return nil
		case errors.Is(ferr, asynq.SkipRetry):
			if err := d.DB.OutboxMarkDone(ctx, p.ClubID, p.OutboxID, d.Clock.Now(), ferr.Error()); err != nil {
				return fmt.Errorf("%s: %w (and %w)", t.Type(), ferr, err)
			}
			return fmt.Errorf("%s: %w", t.Type(), ferr)
		default:
			if ctx.Err() == nil {
				if err := d.DB.OutboxFail(ctx, p.ClubID, p.OutboxID, ferr.Error()); err != nil {
					d.Log.WarnContext(ctx, "record outbox error", slog.Int64("outbox_id", p.OutboxID), slog.Any("err", err))
				}
			}
			return fmt.Errorf("%s: %w", t.Type(), ferr)
		}
	}
}

// gone turns "not found" into a SkipRetry error: the task, club or person a
// job is about no longer exists, and retrying cannot bring it back.
func gone(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("%w: %w", asynq.SkipRetry, err)
	}
	return err
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// DefaultRetention is how long a completed task stays in Redis. While it
// stays, enqueueing the same TaskID again is refused by asynq, which is what
// makes a deterministic TaskID ("outbox:42:…", "remind:7:1700000000") a
// deduplication key and not only a name. A day covers every re-hand, sweep
// and retry window the relay and the scheduler use; the database keys
// (ON CONFLICT, deliveries) cover the rest, e.g. after Redis lost its data.
const DefaultRetention = 24 * time.Hour

// Enqueuer puts tasks on the queues. It shares the process's one go-redis
// client, so asynq does not open a pool of its own. Every TaskID it is given
// is put under the database's deployment id (Queues.Deployment), so the
// same deterministic id from two databases sharing a Redis (a database
// re-created while Redis kept a day of finished ids, or two deployments)
// names two tasks, not one.
type Enqueuer struct {
	client *asynq.Client
	queues Queues
}

// NewEnqueuer wraps rdb. There is nothing to close: the caller owns rdb.
func NewEnqueuer(rdb redis.UniversalClient, q Queues) *Enqueuer {
	return &Enqueuer{client: asynq.NewClientFromRedisClient(rdb), queues: q}
}

// Enqueue puts t on a queue: Queues.Default unless opts name another, kept
// for DefaultRetention after completion unless opts say otherwise. A task
// whose TaskID is already queued, running or retained is a no-op by design
// (asynq.ErrTaskIDConflict, asynq.ErrDuplicateTask): the same effect is
// already on its way or done, so the caller has nothing to retry.
func (e *Enqueuer) Enqueue(ctx context.Context, t *asynq.Task, opts ...asynq.Option) error {
	all := make([]asynq.Option, 0, len(opts)+2)
	all = append(all, asynq.Queue(e.queues.Default()), asynq.Retention(DefaultRetention))
	for _, o := range opts { // later options win
		if id, ok := o.Value().(string); ok && o.Type() == asynq.TaskIDOpt {
			o = asynq.TaskID(e.queues.TaskID(id))
		}
		all = append(all, o)
	}
	_, err := e.client.EnqueueContext(ctx, t, all...)
	switch {
	case err == nil, errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
		return nil
	default:
		return fmt.Errorf("enqueue %s: %w", t.Type(), err)
	}
}

package jobs

import (
	"context"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// OutboxTaskFor exposes the relay's task building to the external tests, so
// they can deliver a row's job by hand: twice, concurrently, after a loss.
func OutboxTaskFor(q Queues, row postgres.OutboxRow) (*asynq.Task, []asynq.Option, error) {
	return newOutboxTask(q, row)
}

// IsFailure exposes the worker's failure rule to the external tests.
func IsFailure(err error) bool { return isFailure(err) }

// RetryDelay exposes the worker's retry schedule to the external tests.
var RetryDelay = retryDelay

// LoseReservation books pieces sending times for to under n's limiter and
// drops the answer: a reservation whose reply never reached its client,
// as when go-redis retries an EVALSHA whose first run did go through.
func LoseReservation(ctx context.Context, n *Notifier, to chat.Address, pieces int) error {
	_, err := n.limiter(to).reserveN(ctx, to, pieces)
	return err
}

package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// outboxTx is the transaction inTx hands to its function: it notes whether
// an outbox row was written, so that the relays are woken once the
// transaction has committed (wakeRelays), and never for one rolled back.
type outboxTx struct {
	pgx.Tx
	wrote bool
}

// noteOutboxWrite records on a transaction from inTx that it wrote an outbox
// row. A transaction from elsewhere is left alone: its rows are handed over
// at the relays' next poll.
func noteOutboxWrite(tx pgx.Tx) {
	if o, ok := tx.(*outboxTx); ok {
		o.wrote = true
	}
}

// wakeRelaysSQL notifies the relays (OutboxListen) in a transaction of its
// own that does not wait for its commit to be flushed. PostgreSQL takes a
// database-wide lock for a notifying commit and holds it until the commit
// is durable: inside the writing transaction that lock serialised every
// writer behind every other's fsync (migration 00025). Here the lock is held
// for a commit that waits for nothing, and a wake-up lost in a crash costs a
// poll interval, not a row: the outbox row itself was committed durably
// before this runs. Sent by the simple protocol, in one round trip.
const wakeRelaysSQL = `BEGIN; SET LOCAL synchronous_commit TO off; SELECT pg_notify('` + OutboxChannel + `', ''); COMMIT`

// wakeTimeout bounds the wake-up: it runs after the caller's work has
// committed, often on a person's request, and must not hold that request up
// when the pool is busy; the relays' poll finds the rows anyway.
const wakeTimeout = 2 * time.Second

// wakeRelays tells the relays that outbox rows were committed. A failure is
// logged, not returned: the state change has committed, and the relays poll.
// It runs even when ctx has just ended (the commit did not), within
// wakeTimeout.
func (db *DB) wakeRelays(ctx context.Context) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wakeTimeout)
	defer cancel()
	if _, err := db.pool.Exec(wctx, wakeRelaysSQL); err != nil {
		db.log.WarnContext(ctx, "outbox wake-up not sent; the relays will find the rows at their next poll", slog.Any("error", err))
	}
}

package postgres

import (
	"context"
	"log/slog"

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

// wakeRelays tells the relays that outbox rows were committed. A failure is
// logged, not returned: the state change has committed, and the relays poll.
func (db *DB) wakeRelays(ctx context.Context) {
	if _, err := db.pool.Exec(context.WithoutCancel(ctx), wakeRelaysSQL); err != nil {
		db.log.WarnContext(ctx, "outbox wake-up not sent; the relays will find the rows at their next poll", slog.Any("error", err))
	}
}

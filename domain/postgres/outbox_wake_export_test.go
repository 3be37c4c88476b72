package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// OutboxAddInTx writes an outbox row in a transaction of inTx and commits
// it, or rolls it back when rollback is set, for TestOutboxWakeAfterCommit.
func (db *DB) OutboxAddInTx(ctx context.Context, clubID int64, rollback bool) error {
	errRollback := errors.New("rolled back on purpose")
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := outboxAdd(ctx, tx, clubID, "test:wake", domain.OutboxPayload{TaskID: 1}, time.Now()); err != nil {
			return err
		}
		if rollback {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

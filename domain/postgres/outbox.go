package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// outboxAdd writes an outbox row inside the caller's transaction, so the
// effect is recorded if and only if the state change commits.
func outboxAdd(ctx context.Context, tx pgx.Tx, clubID int64, kind string, p domain.OutboxPayload, availableAt time.Time) (int64, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("outbox payload: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx,
		`INSERT INTO outbox (club_id, kind, payload, created_at, available_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		clubID, kind, b, availableAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("outbox add %s: %w", kind, mapErr(err))
	}
	noteOutboxWrite(tx)
	return id, nil
}

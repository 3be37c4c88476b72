package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// OutboxChannel is the LISTEN/NOTIFY channel the store signals on after a
// transaction that wrote outbox rows has committed (outbox_wake.go), so the
// relay hands new rows over at once instead of at its next poll.
const OutboxChannel = "clubcrm_outbox"

// OutboxRow is an outbox row claimed by the relay.
type OutboxRow struct {
	ID        int64
	ClubID    int64
	Kind      string
	Payload   domain.OutboxPayload
	Attempts  int // hand-overs so far, this one included
	CreatedAt time.Time
}

// outboxColumns are the outbox o columns scanOutboxRow reads, in its order.
const outboxColumns = `o.id, o.club_id, o.kind, o.payload, o.attempts, o.created_at`

// scanOutboxRow reads a row of outboxColumns, then more, and decodes the
// payload.
func scanOutboxRow(row pgx.Row, more ...any) (OutboxRow, error) {
	var r OutboxRow
	var payload []byte
	if err := row.Scan(append([]any{&r.ID, &r.ClubID, &r.Kind, &payload, &r.Attempts, &r.CreatedAt}, more...)...); err != nil {
		return r, err
	}
	if err := json.Unmarshal(payload, &r.Payload); err != nil {
		return r, fmt.Errorf("outbox row %d payload: %w", r.ID, err)
	}
	return r, nil
}

// OutboxClaim claims up to limit rows that are due at now and not completed,
// marks them handed over and makes them due again at rehandAt: a row whose
// job has not completed by then is handed over again. FOR UPDATE SKIP LOCKED
// lets any number of relays claim side by side without taking the same row.
// The claimed rows are found again by their key, (club_id, id): by id alone
// no index serves, and every claim would read the whole outbox, a week of
// completed rows (TestSweepsUseIndexes).
func (db *DB) OutboxClaim(ctx context.Context, now time.Time, limit int, rehandAt time.Time) ([]OutboxRow, error) {
	rows, err := db.pool.Query(ctx, `
WITH due AS (
    SELECT club_id, id FROM outbox
    WHERE completed_at IS NULL AND available_at <= $1
    ORDER BY available_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox o SET handed_at = $1, available_at = $3, attempts = o.attempts + 1
FROM due WHERE o.club_id = due.club_id AND o.id = due.id
RETURNING `+outboxColumns, now, limit, rehandAt)
	if err != nil {
		return nil, fmt.Errorf("outbox claim: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OutboxRow, error) { return scanOutboxRow(row) })
	if err != nil {
		return nil, fmt.Errorf("outbox claim: %w", mapErr(err))
	}
	return out, nil
}

// OutboxRelease makes claimed rows due again at at, for rows the relay could
// not hand over (Redis unavailable), so they need not wait a whole re-hand
// timeout.
func (db *DB) OutboxRelease(ctx context.Context, ids []int64, at time.Time, reason string) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE outbox SET available_at = $2, last_error = $3 WHERE id = ANY($1) AND completed_at IS NULL`,
		ids, at, clipError(reason)); err != nil {
		return fmt.Errorf("outbox release: %w", mapErr(err))
	}
	return nil
}

// OutboxCompleted reports whether a club's outbox row is completed. A row
// that does not exist (pruned, or a forged id) is ErrNotFound.
func (db *DB) OutboxCompleted(ctx context.Context, clubID, id int64) (bool, error) {
	var done bool
	err := db.pool.QueryRow(ctx, `SELECT completed_at IS NOT NULL FROM outbox WHERE club_id = $1 AND id = $2`, clubID, id).Scan(&done)
	if err != nil {
		return false, fmt.Errorf("outbox row %d: %w", id, mapErr(err))
	}
	return done, nil
}

// OutboxMarkDone marks a row completed: its effect happened, or can never
// happen (lastError says why). Completing a completed row changes nothing.
func (db *DB) OutboxMarkDone(ctx context.Context, clubID, id int64, at time.Time, lastError string) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE outbox SET completed_at = $3, last_error = coalesce(nullif($4, ''), last_error)
WHERE club_id = $1 AND id = $2 AND completed_at IS NULL`, clubID, id, at, clipError(lastError)); err != nil {
		return fmt.Errorf("outbox complete %d: %w", id, mapErr(err))
	}
	return nil
}

// OutboxFail records why a row's job failed this time; the row stays pending.
func (db *DB) OutboxFail(ctx context.Context, clubID, id int64, lastError string) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE outbox SET last_error = $3 WHERE club_id = $1 AND id = $2 AND completed_at IS NULL`,
		clubID, id, clipError(lastError)); err != nil {
		return fmt.Errorf("outbox fail %d: %w", id, mapErr(err))
	}
	return nil
}

// OutboxLag returns how long the oldest due, uncompleted row has been due at
// now; zero when nothing is due.
func (db *DB) OutboxLag(ctx context.Context, now time.Time) (time.Duration, error) {
	var oldest *time.Time
	if err := db.pool.QueryRow(ctx, `
SELECT min(available_at) FROM outbox WHERE completed_at IS NULL AND available_at <= $1`, now).Scan(&oldest); err != nil {
		return 0, fmt.Errorf("outbox lag: %w", mapErr(err))
	}
	if oldest == nil {
		return 0, nil
	}
	return now.Sub(*oldest), nil
}

// OutboxPrune deletes up to limit rows completed before before, and returns
// how many it deleted; callers repeat while it returns limit. The rows go
// by their key, (club_id, id), as in OutboxClaim.
func (db *DB) OutboxPrune(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := db.pool.Exec(ctx, `
DELETE FROM outbox o USING (
    SELECT club_id, id FROM outbox WHERE completed_at < $1 ORDER BY completed_at LIMIT $2) old
WHERE o.club_id = old.club_id AND o.id = old.id`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("outbox prune: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

// OutboxListen calls wake whenever outbox rows have been committed, until ctx
// is done or the connection fails. It uses a connection of its own, outside
// the pool, so a long LISTEN never takes one of the pool's connections.
func (db *DB) OutboxListen(ctx context.Context, wake func()) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("outbox listen: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+OutboxChannel); err != nil {
		return fmt.Errorf("outbox listen: %w", err)
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("outbox listen: %w", err)
		}
		wake()
	}
}

// clipError keeps stored error texts short.
func clipError(s string) string {
	const max = 1000
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// Recipient is a staff member as the notifier sees them: where to write, in
// which language, and whether the system may write at all.
type Recipient struct {
	StaffID   int64
	ClubID    int64
	Name      string
	ChatID    int64           // Telegram user id; 0 until the invite is redeemed
	Language  domain.Language // the person's own, else the club's
	TimeZone  string          // the club's IANA zone
	Reachable bool            // active, has a chat, and Telegram has not answered 403
}

// RecipientGet returns a staff member of a live club. A member of another
// club, or of a deleted club, is ErrNotFound.
func (db *DB) RecipientGet(ctx context.Context, clubID, staffID int64) (Recipient, error) {
	var r Recipient
	var lang string
	var unreachable *time.Time
	var active bool
	err := db.pool.QueryRow(ctx, `
SELECT s.id, s.club_id, s.name, coalesce(s.tg_user_id, 0), coalesce(s.language, c.language), c.time_zone,
       s.active, s.unreachable_at
FROM staff s JOIN clubs c ON c.id = s.club_id
WHERE s.club_id = $1 AND s.id = $2 AND c.deleted_at IS NULL`, clubID, staffID).Scan(
		&r.StaffID, &r.ClubID, &r.Name, &r.ChatID, &lang, &r.TimeZone, &active, &unreachable)
	if err != nil {
		return Recipient{}, fmt.Errorf("recipient %d: %w", staffID, mapErr(err))
	}
	r.Language = domain.Language(lang)
	r.Reachable = active && r.ChatID != 0 && unreachable == nil
	return r, nil
}

// DeliveryExists reports whether a message with this idempotency key was
// delivered.
func (db *DB) DeliveryExists(ctx context.Context, key string) (bool, error) {
	var ok bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE key = $1)`, key).Scan(&ok); err != nil {
		return false, fmt.Errorf("delivery %q: %w", key, mapErr(err))
	}
	return ok, nil
}

// DeliveryOnce calls send at most once per key, across processes: it inserts
// the key in a transaction, sends while holding the uncommitted row (a
// concurrent attempt with the same key waits on it in the unique index), and
// commits with the message id. If send fails the row is rolled back, so a
// retry may send. sent is false when the key was already delivered.
//
// The one gap left is a commit that fails after Telegram took the message: the
// next attempt sends again. That window is a single round trip to PostgreSQL.
func (db *DB) DeliveryOnce(ctx context.Context, key string, clubID, chatID int64, send func(ctx context.Context) (messageID int64, err error)) (sent bool, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var inserted bool
		err := tx.QueryRow(ctx, `
INSERT INTO deliveries (key, club_id, chat_id, sent_at) VALUES ($1, nullif($2, 0), $3, $4)
ON CONFLICT (key) DO NOTHING RETURNING true`, key, clubID, chatID, db.clock.Now()).Scan(&inserted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // delivered by an earlier or a concurrent attempt
		}
		if err != nil {
			return fmt.Errorf("delivery %q: %w", key, mapErr(err))
		}
		msgID, err := send(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET message_id = $2 WHERE key = $1`, key, msgID); err != nil {
			return fmt.Errorf("delivery %q: %w", key, mapErr(err))
		}
		sent = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return sent, nil
}

// DeliveriesPrune deletes delivery records older than before; a retried job
// is never that old, so the key has done its work.
func (db *DB) DeliveriesPrune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM deliveries WHERE sent_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

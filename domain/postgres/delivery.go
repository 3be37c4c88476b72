package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// Recipient is a staff member as the notifier sees them: where to write, in
// which language, and whether the system may write at all.
type Recipient struct {
	StaffID int64
	ClubID  int64
	Name    string
	// Address is the identity they used last among those that have not
	// refused delivery; zero when there is none (never linked, or every
	// identity blocked its bot).
	Address chat.Address
	// ChatID is Address's Telegram chat id, 0 on another channel: for the
	// callers that still speak Telegram ids.
	ChatID   int64
	Language domain.Language // the person's own, else the club's
	TimeZone string          // the club's IANA zone
	ClubName string
	// Clubs is how many clubs the account at Address is active staff of:
	// with more than one, every notice names its club (ClubName).
	Clubs     int
	Reachable bool // active, with a reachable identity
	Role      domain.Role
	Active    bool
}

// Staff is the recipient as the permission rules see them: enough to decide
// which of a task's buttons their message carries (domain.TaskButtonsFor).
func (r Recipient) Staff() domain.Staff {
	return domain.Staff{ID: r.StaffID, ClubID: r.ClubID, Name: r.Name, Role: r.Role, Active: r.Active, Language: r.Language}
}

// RecipientGet returns a staff member of a live club and the address to
// write to: their identity used last (last_inbound_at, then the newest),
// skipping those that refused delivery. A member of another club, or of a
// deleted club, is ErrNotFound.
func (db *DB) RecipientGet(ctx context.Context, clubID, staffID int64) (Recipient, error) {
	var r Recipient
	var lang, role string
	var channel *string
	var bot *int64
	var ext *string
	err := db.pool.QueryRow(ctx, `
SELECT s.id, s.club_id, s.name, coalesce(s.language, c.language), c.time_zone, c.name, s.active, s.role,
       a.channel, a.bot_id, a.external_id,
       (SELECT count(DISTINCT o.club_id) FROM staff_identities o
        JOIN staff os ON os.club_id = o.club_id AND os.id = o.staff_id AND os.active
        JOIN clubs oc ON oc.id = o.club_id AND oc.deleted_at IS NULL
        WHERE o.channel = a.channel AND o.bot_id = a.bot_id AND o.external_id = a.external_id)
FROM staff s JOIN clubs c ON c.id = s.club_id
LEFT JOIN LATERAL (
    SELECT i.channel, i.bot_id, i.external_id FROM staff_identities i
    WHERE i.club_id = s.club_id AND i.staff_id = s.id AND i.unreachable_at IS NULL
    ORDER BY i.last_inbound_at DESC NULLS LAST, i.created_at DESC
    LIMIT 1) a ON true
WHERE s.club_id = $1 AND s.id = $2 AND c.deleted_at IS NULL`, clubID, staffID).Scan(
		&r.StaffID, &r.ClubID, &r.Name, &lang, &r.TimeZone, &r.ClubName, &r.Active, &role, &channel, &bot, &ext, &r.Clubs)
	if err != nil {
		return Recipient{}, fmt.Errorf("recipient %d: %w", staffID, mapErr(err))
	}
	r.Language, r.Role = domain.Language(lang), domain.Role(role)
	if channel != nil {
		r.Address = chat.Address{Channel: chat.Channel(*channel), Bot: *bot, Chat: *ext}
		if r.Address.Channel == chat.Telegram {
			r.ChatID, _ = r.Address.ChatInt() // the column's CHECK keeps it a number
		}
	}
	r.Reachable = r.Active && !r.Address.IsZero()
	return r, nil
}

// DeliveryExists reports whether a message with this idempotency key was
// delivered (a key claimed by a sender that has not finished is not).
func (db *DB) DeliveryExists(ctx context.Context, key string) (bool, error) {
	var ok bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE key = $1 AND claimed_until IS NULL)`, key).Scan(&ok); err != nil {
		return false, fmt.Errorf("delivery %q: %w", key, mapErr(err))
	}
	return ok, nil
}

// DeliveryLease is how long a sender holds a delivery key while it sends.
// DeliveryOnce gives send half of it, so a sender that is still alive has
// given up before its claim runs out and another attempt may take over; a
// sender that died leaves the key blocked for at most this long.
const DeliveryLease = 2 * time.Minute

// ErrDeliveryInFlight: another attempt holds the delivery key and may be
// sending right now. Retrying later is right: by then the message is either
// delivered (the retry does nothing) or the other attempt gave the key back.
var ErrDeliveryInFlight = fmt.Errorf("%w: delivery in flight elsewhere", domain.ErrConflict)

// DeliveryOnce calls send at most once per key, across processes, without
// a transaction or a pooled connection held while send waits for the
// messenger (the pool is shared with the bot, and a send may wait out a
// rate limit or a slow Bot API):
//
//  1. one statement claims the key until now+DeliveryLease (a new row, or
//     the row of an earlier attempt whose claim ran out);
//  2. send runs with no connection held, within DeliveryLease/2;
//  3. one statement records the message id and marks the key delivered,
//     or, if send failed, one statement gives the claim back.
//
// sent is false when the key was already delivered. A key another attempt
// holds is ErrDeliveryInFlight. The gap left is a process that dies between
// the messenger taking the message and step 3: after the lease, the next
// attempt sends again. The claim keeps the message once when two copies of
// a job run at the same time.
func (db *DB) DeliveryOnce(ctx context.Context, key string, clubID int64, to string, send func(ctx context.Context) (messageID int64, err error)) (sent bool, err error) {
	until, delivered, err := db.deliveryClaim(ctx, key, clubID, to, db.clock.Now())
	if err != nil || delivered {
		return false, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, DeliveryLease/2)
	msgID, err := send(sendCtx)
	cancel()
	// The outcome is recorded even when ctx ended meanwhile (shutdown): a
	// sent message must be marked, an unsent one given back.
	after := context.WithoutCancel(ctx)
	if err != nil {
		if rerr := db.deliveryRelease(after, key, until); rerr != nil {
			return false, errors.Join(err, rerr)
		}
		return false, err
	}
	tag, err := db.pool.Exec(after, `
UPDATE deliveries SET claimed_until = NULL, message_id = $3, sent_at = $4 WHERE key = $1 AND claimed_until = $2`,
		key, until, msgID, db.clock.Now())
	if err != nil {
		return true, fmt.Errorf("delivery %q sent, but not recorded: %w", key, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		// Our claim ran out and another attempt took it over: it may send
		// again, which is the lease's documented gap.
		db.log.WarnContext(ctx, "delivery claim ran out before the send was recorded", slog.String("key", key))
	}
	return true, nil
}

// deliveryClaim takes key for a sender until now+DeliveryLease and returns
// that time, the claim's token. delivered is true when the key was
// delivered already.
func (db *DB) deliveryClaim(ctx context.Context, key string, clubID int64, to string, now time.Time) (until time.Time, delivered bool, err error) {
	for range 3 {
		err := db.pool.QueryRow(ctx, `
INSERT INTO deliveries (key, club_id, chat, sent_at, claimed_until) VALUES ($1, nullif($2, 0), $3, $4, $5)
ON CONFLICT (key) DO UPDATE SET chat = excluded.chat, sent_at = excluded.sent_at, claimed_until = excluded.claimed_until
WHERE deliveries.claimed_until <= $4
RETURNING claimed_until`, key, clubID, to, now, now.Add(DeliveryLease)).Scan(&until)
		if err == nil {
			return until, false, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return time.Time{}, false, fmt.Errorf("delivery %q: claim: %w", key, mapErr(err))
		}
		// The key is delivered, or another attempt holds it.
		var held *time.Time
		err = db.pool.QueryRow(ctx, `SELECT claimed_until FROM deliveries WHERE key = $1`, key).Scan(&held)
		switch {
		case err == nil && held == nil:
			return time.Time{}, true, nil
		case err == nil:
			return time.Time{}, false, fmt.Errorf("delivery %q: %w until %s", key, ErrDeliveryInFlight, held.Format(time.RFC3339))
		case !errors.Is(err, pgx.ErrNoRows):
			return time.Time{}, false, fmt.Errorf("delivery %q: %w", key, mapErr(err))
		}
		// The other attempt gave the key back in between: claim again.
	}
	return time.Time{}, false, fmt.Errorf("delivery %q: %w", key, ErrDeliveryInFlight)
}

// deliveryRelease gives back a claim whose send failed, so a retry may
// send at once. A claim that is no longer ours (it ran out and was taken
// over) is left alone.
func (db *DB) deliveryRelease(ctx context.Context, key string, until time.Time) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM deliveries WHERE key = $1 AND claimed_until = $2`, key, until); err != nil {
		return fmt.Errorf("delivery %q: release: %w", key, mapErr(err))
	}
	return nil
}

// DeliveriesPrune deletes delivery records older than before; a retried job
// is never that old, so the key has done its work. A claim left by a sender
// that died goes too: it ran out long ago.
func (db *DB) DeliveriesPrune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM deliveries WHERE sent_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// InboxAddInput is an inbound event accepted by the API.
type InboxAddInput struct {
	ClubID   int64
	APIKeyID int64 // 0: not received through a key
	Kind     string
	IdemKey  string // the client's Idempotency-Key or the provider's event id
	Payload  any    // stored as JSON, already normalised
}

// InboxItem is a stored inbound event and what processing made of it.
type InboxItem struct {
	ID          int64
	ClubID      int64
	Kind        string
	IdemKey     string
	Payload     json.RawMessage
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Outcome     string
	ClientID    int64
	TaskID      int64
}

// InboxAdd stores an inbound event and the outbox row that has the workers
// process it, in one transaction: once it returns, the event survives any
// crash. An event already stored under the same (club, kind, key) is not
// stored again: the first one's row comes back with duplicate true, so a
// retried delivery changes nothing.
func (db *DB) InboxAdd(ctx context.Context, in InboxAddInput) (InboxItem, bool, error) {
	b, err := json.Marshal(in.Payload)
	if err != nil {
		return InboxItem{}, false, fmt.Errorf("inbox add: payload: %w", err)
	}
	now := db.clock.Now()
	var (
		item      InboxItem
		duplicate bool
	)
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
INSERT INTO inbox (club_id, api_key_id, kind, idem_key, payload, received_at)
VALUES ($1, nullif($2, 0), $3, $4, $5, $6)
ON CONFLICT (club_id, kind, idem_key) DO NOTHING
RETURNING id`, in.ClubID, in.APIKeyID, in.Kind, in.IdemKey, b, now).Scan(&item.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			duplicate = true
			item, err = inboxGet(ctx, tx, in.ClubID, `kind = $2 AND idem_key = $3`, in.Kind, in.IdemKey)
			return err
		}
		if err != nil {
			return mapErr(err)
		}
		if _, err := outboxAdd(ctx, tx, in.ClubID, domain.OutboxInboundReceived, domain.OutboxPayload{InboxID: item.ID}, now); err != nil {
			return err
		}
		item, err = inboxGet(ctx, tx, in.ClubID, `id = $2`, item.ID)
		return err
	})
	if err != nil {
		return InboxItem{}, false, fmt.Errorf("inbox add %s: %w", in.Kind, err)
	}
	return item, duplicate, nil
}

// InboxGet returns one of the club's inbound events; another club's, or
// none, is ErrNotFound.
func (db *DB) InboxGet(ctx context.Context, clubID, id int64) (InboxItem, error) {
	it, err := inboxGet(ctx, db.pool, clubID, `id = $2`, id)
	if err != nil {
		return InboxItem{}, fmt.Errorf("inbox get %d: %w", id, err)
	}
	return it, nil
}

// inboxGet reads one inbox row of the club; where is a fixed condition on
// $2 and $3 (never user text).
func inboxGet(ctx context.Context, q querier, clubID int64, where string, args ...any) (InboxItem, error) {
	var it InboxItem
	err := q.QueryRow(ctx, `
SELECT id, club_id, kind, idem_key, payload, received_at, processed_at, coalesce(outcome, ''),
       coalesce(client_id, 0), coalesce(task_id, 0)
FROM inbox WHERE club_id = $1 AND `+where, append([]any{clubID}, args...)...).Scan(
		&it.ID, &it.ClubID, &it.Kind, &it.IdemKey, &it.Payload, &it.ReceivedAt, &it.ProcessedAt, &it.Outcome,
		&it.ClientID, &it.TaskID)
	if err != nil {
		return InboxItem{}, mapErr(err)
	}
	return it, nil
}

// inboxLocked is an inbox row locked for processing by inboxLock.
type inboxLocked struct {
	// Done: the row was already processed; Outcome, ClientID and TaskID are
	// what that did, and nothing is to be done now.
	Done     bool
	Outcome  string
	ClientID int64
	TaskID   int64
}

// inboxLock locks the club's inbox row inboxID for processing in tx (FOR
// UPDATE: a second worker waits, then finds it done) and, unless it was
// already processed, checks that it is of kind and decodes its payload into
// v. Every kind of inbound event starts its processing here.
func inboxLock(ctx context.Context, tx pgx.Tx, clubID, inboxID int64, kind string, v any) (inboxLocked, error) {
	var (
		r         inboxLocked
		got       string
		payload   []byte
		processed *time.Time
	)
	err := tx.QueryRow(ctx, `
SELECT kind, payload, processed_at, coalesce(outcome, ''), coalesce(client_id, 0), coalesce(task_id, 0)
FROM inbox WHERE club_id = $1 AND id = $2 FOR UPDATE`, clubID, inboxID).Scan(&got, &payload, &processed, &r.Outcome, &r.ClientID, &r.TaskID)
	if err != nil {
		return r, fmt.Errorf("inbox %d: %w", inboxID, mapErr(err))
	}
	if processed != nil {
		r.Done = true
		return r, nil
	}
	if got != kind {
		return r, fmt.Errorf("inbox %d is of kind %q, not %q: %w", inboxID, got, kind, domain.ErrInvalid)
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return r, fmt.Errorf("inbox %d: payload: %v: %w", inboxID, err, domain.ErrInvalid)
	}
	return r, nil
}

// inboxMarkProcessed records in tx what processing an inbox row did, in the
// transaction that did it, so a retried job finds it done (inboxLock).
func inboxMarkProcessed(ctx context.Context, tx pgx.Tx, clubID, inboxID int64, now time.Time, outcome string, clientID, taskID int64) error {
	_, err := tx.Exec(ctx, `
UPDATE inbox SET processed_at = $3, outcome = $4, client_id = nullif($5, 0), task_id = nullif($6, 0)
WHERE club_id = $1 AND id = $2`, clubID, inboxID, now, outcome, clientID, taskID)
	return mapErr(err)
}

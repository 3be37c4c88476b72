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

// Conversation is the bot's state for a form a staff member is filling in:
// which flow, which step, the values so far (Data, the flow's own JSON) and
// the message the form lives in. It is kept in PostgreSQL so a restart, or
// another bot replica, continues the same dialogue.
type Conversation struct {
	StaffID   int64
	ClubID    int64
	Flow      string          // the flow's registered name, e.g. "result"
	Step      string          // the flow's own step name
	Data      json.RawMessage // the flow's values so far; nil is stored as {}
	MessageID int64           // the message the form edits; 0 if none
	Version   int             // bumped by every save; 0 on a conversation not stored yet
	ExpiresAt time.Time
}

// ConversationGet returns the staff member's live conversation. An expired
// conversation is the same as none: ErrNotFound.
func (db *DB) ConversationGet(ctx context.Context, clubID, staffID int64) (Conversation, error) {
	c := Conversation{}
	var msgID *int64
	err := db.pool.QueryRow(ctx, `
SELECT staff_id, club_id, flow, step, data, message_id, version, expires_at
FROM conversations WHERE club_id = $1 AND staff_id = $2 AND expires_at > $3`,
		clubID, staffID, db.clock.Now()).Scan(&c.StaffID, &c.ClubID, &c.Flow, &c.Step, &c.Data, &msgID, &c.Version, &c.ExpiresAt)
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation of staff %d: %w", staffID, mapErr(err))
	}
	if msgID != nil {
		c.MessageID = *msgID
	}
	return c, nil
}

// ConversationSave stores c and returns its new version.
//
// Version 0 starts a conversation, replacing whatever the staff member had
// (starting a new form abandons the old one). Version n > 0 updates the
// conversation only if it is still at version n and not expired; otherwise
// the save is ErrConflict (code "conversation_stale"): another replica, a
// second tap or an expiry got there first, and the caller must not act on
// what it read. Versions keep growing across replacements, so a button that
// carries an old form's version never matches a newer form.
func (db *DB) ConversationSave(ctx context.Context, c Conversation) (int, error) {
	data := c.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	if !json.Valid(data) {
		return 0, fmt.Errorf("conversation save: %w: data is not JSON", domain.ErrInvalid)
	}
	now := db.clock.Now()
	var version int
	var err error
	if c.Version == 0 {
		err = db.pool.QueryRow(ctx, `
INSERT INTO conversations (staff_id, club_id, flow, step, data, message_id, version, updated_at, expires_at)
SELECT s.id, s.club_id, $3, $4, $5, nullif($6, 0), 1, $7, $8 FROM staff s WHERE s.club_id = $1 AND s.id = $2
ON CONFLICT (club_id, staff_id) DO UPDATE SET
    club_id = excluded.club_id, flow = excluded.flow, step = excluded.step, data = excluded.data,
    message_id = excluded.message_id, version = conversations.version + 1,
    updated_at = excluded.updated_at, expires_at = excluded.expires_at
RETURNING version`,
			c.ClubID, c.StaffID, c.Flow, c.Step, data, c.MessageID, now, c.ExpiresAt).Scan(&version)
	} else {
		err = db.pool.QueryRow(ctx, `
UPDATE conversations SET flow = $3, step = $4, data = $5, message_id = nullif($6, 0), version = version + 1,
    updated_at = $7, expires_at = $8
WHERE club_id = $1 AND staff_id = $2 AND version = $9 AND expires_at > $7
RETURNING version`,
			c.ClubID, c.StaffID, c.Flow, c.Step, data, c.MessageID, now, c.ExpiresAt, c.Version).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, domain.Conflict("conversation_stale", fmt.Sprintf("conversation of staff %d changed or expired", c.StaffID), nil)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("conversation save: %w", mapErr(err))
	}
	return version, nil
}

// ConversationDelete ends the staff member's conversation, if any.
func (db *DB) ConversationDelete(ctx context.Context, clubID, staffID int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM conversations WHERE club_id = $1 AND staff_id = $2`, clubID, staffID); err != nil {
		return fmt.Errorf("conversation delete: %w", mapErr(err))
	}
	return nil
}

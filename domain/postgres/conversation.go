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
//
// A staff member has one row. Ending a form closes the row rather than
// deleting it, so what a late tap needs to know (the form's flow, its last
// version, which Confirm was tapped) outlives the form.
type Conversation struct {
	StaffID   int64
	ClubID    int64
	Flow      string          // the flow's registered name, e.g. "result"
	Step      string          // the flow's own step name
	Data      json.RawMessage // the flow's values so far; nil is stored as {}
	MessageID int64           // the message the form edits; 0 if none
	// Version names this state of the form on its buttons. Every save takes
	// a new one from a sequence that never restarts, so no two states of any
	// forms, ended or live, share a version. 0 on a conversation not stored.
	Version int
	// Claimed is the version whose Confirm was tapped (0: none): the form is
	// being saved, or was, from that screen.
	Claimed    int
	LongTextAt time.Time // Telegram date of the last text refused as too long; zero if none
	ExpiresAt  time.Time
}

// ConversationGet returns the staff member's live conversation. An expired
// or ended conversation is the same as none: ErrNotFound.
func (db *DB) ConversationGet(ctx context.Context, clubID, staffID int64) (Conversation, error) {
	c := Conversation{}
	var msgID *int64
	var longAt *time.Time
	err := db.pool.QueryRow(ctx, `
SELECT staff_id, club_id, flow, step, data, message_id, version, claimed, long_text_at, expires_at
FROM conversations WHERE club_id = $1 AND staff_id = $2 AND expires_at > $3`,
		clubID, staffID, db.clock.Now()).Scan(&c.StaffID, &c.ClubID, &c.Flow, &c.Step, &c.Data, &msgID, &c.Version, &c.Claimed, &longAt, &c.ExpiresAt)
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation of staff %d: %w", staffID, mapErr(err))
	}
	if msgID != nil {
		c.MessageID = *msgID
	}
	if longAt != nil {
		c.LongTextAt = *longAt
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
// what it read. Every save draws its version from the sequence
// conversation_versions, so a button that carries an old form's version
// never matches a newer form, however the old one ended.
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
INSERT INTO conversations (staff_id, club_id, flow, step, data, message_id, version, claimed, long_text_at, updated_at, expires_at)
SELECT s.id, s.club_id, $3, $4, $5, nullif($6::bigint, 0), nextval('conversation_versions'), 0, NULL, $7, $8
FROM staff s WHERE s.club_id = $1 AND s.id = $2
ON CONFLICT (club_id, staff_id) DO UPDATE SET
    club_id = excluded.club_id, flow = excluded.flow, step = excluded.step, data = excluded.data,
    message_id = excluded.message_id, version = excluded.version, claimed = 0, long_text_at = NULL,
    updated_at = excluded.updated_at, expires_at = excluded.expires_at
RETURNING version`,
			c.ClubID, c.StaffID, c.Flow, c.Step, data, c.MessageID, now, c.ExpiresAt).Scan(&version)
	} else {
		err = db.pool.QueryRow(ctx, `
UPDATE conversations SET flow = $3, step = $4, data = $5, message_id = nullif($6::bigint, 0),
    version = nextval('conversation_versions'), claimed = $10, updated_at = $7, expires_at = $8
WHERE club_id = $1 AND staff_id = $2 AND version = $9 AND expires_at > $7
RETURNING version`,
			c.ClubID, c.StaffID, c.Flow, c.Step, data, c.MessageID, now, c.ExpiresAt, c.Version, c.Claimed).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, domain.Conflict(domain.CodeConversationStale, fmt.Sprintf("conversation of staff %d changed or expired", c.StaffID), nil)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("conversation save: %w", mapErr(err))
	}
	return version, nil
}

// ConversationSetMessage records the message that shows the conversation's
// state of the given version, without a new version: the bot stores a
// screen's state first and sends the screen after, and the buttons already
// out carry that version. A conversation that moved on meanwhile (a quick
// tap on the new screen got there first) is left alone.
func (db *DB) ConversationSetMessage(ctx context.Context, clubID, staffID int64, version int, messageID int64) error {
	_, err := db.pool.Exec(ctx, `
UPDATE conversations SET message_id = nullif($4::bigint, 0)
WHERE club_id = $1 AND staff_id = $2 AND version = $3 AND expires_at > $5`,
		clubID, staffID, version, messageID, db.clock.Now())
	if err != nil {
		return fmt.Errorf("conversation set message: %w", mapErr(err))
	}
	return nil
}

// ConversationRestore puts prev back as the staff member's conversation, if
// the conversation is still at version from: the screen of version from
// never reached the person (its send failed), so what they see is prev's
// screen, and prev's buttons must work again. prev keeps its own version,
// which named exactly that state. A prev with version 0 (there was no form
// before) ends the conversation instead.
func (db *DB) ConversationRestore(ctx context.Context, prev Conversation, from int) error {
	now := db.clock.Now()
	if prev.Version == 0 {
		_, err := db.pool.Exec(ctx, `
UPDATE conversations SET expires_at = $4, data = '{}', message_id = NULL, long_text_at = NULL, updated_at = $4
WHERE club_id = $1 AND staff_id = $2 AND version = $3 AND expires_at > $4`, prev.ClubID, prev.StaffID, from, now)
		if err != nil {
			return fmt.Errorf("conversation restore: %w", mapErr(err))
		}
		return nil
	}
	data := prev.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	_, err := db.pool.Exec(ctx, `
UPDATE conversations SET flow = $4, step = $5, data = $6, message_id = nullif($7::bigint, 0), version = $8, claimed = $9,
    updated_at = $10, expires_at = $11
WHERE club_id = $1 AND staff_id = $2 AND version = $3 AND expires_at > $10`,
		prev.ClubID, prev.StaffID, from, prev.Flow, prev.Step, data, prev.MessageID, prev.Version, prev.Claimed, now, prev.ExpiresAt)
	if err != nil {
		return fmt.Errorf("conversation restore: %w", mapErr(err))
	}
	return nil
}

// ConversationClaimed reports whether the staff member's form of flow, live
// or ended, had the Confirm of its version's screen tapped: a later tap on
// that Confirm is a repeat of one already acted on.
func (db *DB) ConversationClaimed(ctx context.Context, clubID, staffID int64, flow string, version int) (bool, error) {
	if version <= 0 {
		return false, nil
	}
	var ok bool
	err := db.pool.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM conversations WHERE club_id = $1 AND staff_id = $2 AND flow = $3 AND claimed = $4)`,
		clubID, staffID, flow, version).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("conversation claimed: %w", mapErr(err))
	}
	return ok, nil
}

// ConversationNoteLongText records the Telegram date of a text the live
// conversation refused as too long, without a new version (the screen's
// buttons stay valid).
func (db *DB) ConversationNoteLongText(ctx context.Context, clubID, staffID int64, at time.Time) error {
	_, err := db.pool.Exec(ctx, `
UPDATE conversations SET long_text_at = $3 WHERE club_id = $1 AND staff_id = $2 AND expires_at > $4`,
		clubID, staffID, at, db.clock.Now())
	if err != nil {
		return fmt.Errorf("conversation note long text: %w", mapErr(err))
	}
	return nil
}

// ConversationEnd ends the staff member's conversation, if any. The row
// stays, closed (expired now, its answers dropped), keeping the flow, the
// last version and the claimed version for late taps.
func (db *DB) ConversationEnd(ctx context.Context, clubID, staffID int64) error {
	now := db.clock.Now()
	_, err := db.pool.Exec(ctx, `
UPDATE conversations SET expires_at = $3, data = '{}', message_id = NULL, long_text_at = NULL, updated_at = $3
WHERE club_id = $1 AND staff_id = $2 AND expires_at > $3`, clubID, staffID, now)
	if err != nil {
		return fmt.Errorf("conversation end: %w", mapErr(err))
	}
	return nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
)

// PhoneSettings is a club's phone system: the plan's phone: section.
type PhoneSettings struct {
	Provider           string
	AllowIPs           []string
	CallbackTemplateID int64
	CallbackRole       domain.Role
	CallbackTarget     time.Duration
}

// PhoneSettingsGet returns the club's phone settings; a club whose plan has
// no phone: section is ErrNotFound (its phone webhooks are refused).
func (db *DB) PhoneSettingsGet(ctx context.Context, clubID int64) (PhoneSettings, error) {
	return phoneSettingsGet(ctx, db.pool, clubID)
}

func phoneSettingsGet(ctx context.Context, q querier, clubID int64) (PhoneSettings, error) {
	var (
		s    PhoneSettings
		role string
		min  int
	)
	err := q.QueryRow(ctx, `
SELECT provider, allow_ips, callback_template_id, callback_role, callback_target_min FROM phone_settings WHERE club_id = $1`,
		clubID).Scan(&s.Provider, &s.AllowIPs, &s.CallbackTemplateID, &role, &min)
	if err != nil {
		return PhoneSettings{}, fmt.Errorf("phone settings of club %d: %w", clubID, mapErr(err))
	}
	s.CallbackRole, s.CallbackTarget = domain.Role(role), time.Duration(min)*time.Minute
	return s, nil
}

// PhoneLineStaff returns the staff member a line (extension, SIP login) of
// the club belongs to; an unknown line is ErrNotFound.
func (db *DB) PhoneLineStaff(ctx context.Context, clubID int64, line string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT staff_id FROM phone_lines WHERE club_id = $1 AND line = $2`, clubID, line).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("phone line %q: %w", line, mapErr(err))
	}
	return id, nil
}

// Outcomes of a processed call, stored on the inbox row.
const (
	CallRecorded        = "call_recorded"    // an answered call: a call row and a personal-call task for its result
	CallbackCreated     = "callback_created" // a missed incoming call: a "call back" task
	CallbackOpen        = "callback_open"    // missed again while a call-back task is open: no second one
	CallMissedOutgoing  = "missed_outgoing"  // nobody answered the club's own call: nothing to do
	callbackDescription = "Missed call"
)

// CallProcessed is what CallProcess did.
type CallProcessed struct {
	Outcome  string
	ClientID int64
	TaskID   int64
	CallID   int64
	StaffID  int64
	Again    bool
}

// CallProcess turns a stored phone-system call (an inbox row of kind
// "call") into work, in one transaction that also marks the row processed:
//
//   - an answered call is recorded as a call (direction, client, the staff
//     member of its line, duration, recording) with an open personal-call
//     task of that staff member, and a "call.answered" outbox row asks them
//     for the result at once;
//   - a missed incoming call is recorded as a call marked missed (not a
//     call made: the reports skip it) and creates a "call back" task due
//     within the plan's target for the staff member of the callback role
//     with the fewest open tasks (told through "task.assigned"), unless the
//     client already has an open one, which the call is then linked to;
//   - the client is matched by phone, or created as a lead named by the phone.
//
// The provider's call id is unique per club in calls, so the same call
// stored twice under different keys is still one call.
func (db *DB) CallProcess(ctx context.Context, clubID, inboxID int64) (CallProcessed, error) {
	now := db.clock.Now()
	var out CallProcessed
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var c inbound.Call
		row, err := inboxLock(ctx, tx, clubID, inboxID, inbound.KindCall, &c)
		if err != nil {
			return err
		}
		if row.Done {
			out = CallProcessed{Outcome: row.Outcome, ClientID: row.ClientID, TaskID: row.TaskID, Again: true}
			return nil
		}
		set, err := phoneSettingsGet(ctx, tx, clubID)
		if err != nil {
			return err
		}
		out, err = callProcessTx(ctx, tx, clubID, c, set, now)
		if err != nil {
			return err
		}
		return inboxMarkProcessed(ctx, tx, clubID, inboxID, now, out.Outcome, out.ClientID, out.TaskID)
	})
	if err != nil {
		return CallProcessed{}, fmt.Errorf("call process: %w", err)
	}
	return out, nil
}

func callProcessTx(ctx context.Context, tx pgx.Tx, clubID int64, c inbound.Call, set PhoneSettings, now time.Time) (CallProcessed, error) {
	var out CallProcessed
	if !c.Answered && c.Direction == "out" {
		out.Outcome = CallMissedOutgoing
		return out, nil
	}
	extID := c.Provider + ":" + c.ID
	// Reported before under another key (a provider's second event for the
	// same call): one call, answered or missed.
	var missed bool
	err := tx.QueryRow(ctx, `SELECT id, coalesce(task_id, 0), client_id, missed FROM calls WHERE club_id = $1 AND external_id = $2`,
		clubID, extID).Scan(&out.CallID, &out.TaskID, &out.ClientID, &missed)
	if err == nil {
		out.Outcome = CallRecorded
		if missed {
			out.Outcome = CallbackOpen
		}
		return out, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return CallProcessed{}, fmt.Errorf("call %s: %w", extID, mapErr(err))
	}
	if err := clientPhonesLock(ctx, tx, clubID, false); err != nil {
		return CallProcessed{}, err
	}
	err = tx.QueryRow(ctx, `SELECT client_id FROM client_phones WHERE club_id = $1 AND phone = $2`, clubID, c.Phone).Scan(&out.ClientID)
	if errors.Is(err, pgx.ErrNoRows) {
		out.ClientID, err = leadClientCreate(ctx, tx, clubID, inbound.Lead{Name: c.Phone, Phone: c.Phone}, now)
	}
	if err != nil {
		return CallProcessed{}, fmt.Errorf("call client: %w", mapErr(err))
	}
	lineStaff, err := phoneLineStaffTx(ctx, tx, clubID, c.Line)
	if err != nil {
		return CallProcessed{}, err
	}
	if !c.Answered {
		if out, err = callbackCreate(ctx, tx, clubID, c, set, out, now); err != nil {
			return CallProcessed{}, err
		}
		// The missed call itself, by the line it rang on, linked to the
		// call-back task: history, not a call made (the reports skip missed).
		err = tx.QueryRow(ctx, `
INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, called_at, duration_sec, external_id, missed)
VALUES ($1, 'in', $2, nullif($3, 0), $4, $5, 0, $6, true) RETURNING id`,
			clubID, out.ClientID, lineStaff, out.TaskID, c.StartedAt, extID).Scan(&out.CallID)
		if err != nil {
			return CallProcessed{}, fmt.Errorf("missed call: %w", mapErr(err))
		}
		return out, nil
	}
	out.StaffID = lineStaff
	tpl, err := personalCallTemplate(ctx, tx, clubID)
	if err != nil {
		return CallProcessed{}, err
	}
	dir := "Incoming call"
	if c.Direction == "out" {
		dir = "Outgoing call"
	}
	desc := dir + ", " + inbound.Duration(c.Seconds)
	if c.Recording != "" {
		desc += "\nRecording: " + c.Recording
	}
	// The person who took the call is its author: no "you have a new task"
	// notice; "call.answered" asks them for the result instead.
	t, err := taskCreateTx(ctx, tx, TaskCreateInput{
		ClubID: clubID, TemplateID: tpl.ID, ClientID: out.ClientID, AuthorID: out.StaffID, AssigneeID: out.StaffID,
		Description: desc, DueAt: &now,
	}, now)
	if err != nil {
		return CallProcessed{}, err
	}
	out.TaskID = t.ID
	err = tx.QueryRow(ctx, `
INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, called_at, duration_sec, recording_url, external_id)
VALUES ($1, $2, $3, nullif($4, 0), $5, $6, $7, nullif($8, ''), $9) RETURNING id`,
		clubID, c.Direction, out.ClientID, out.StaffID, t.ID, c.StartedAt, c.Seconds, c.Recording, extID).Scan(&out.CallID)
	if err != nil {
		return CallProcessed{}, fmt.Errorf("call: %w", mapErr(err))
	}
	if out.StaffID != 0 {
		if _, err := outboxAdd(ctx, tx, clubID, domain.OutboxCallAnswered, domain.OutboxPayload{TaskID: t.ID, StaffID: out.StaffID}, now); err != nil {
			return CallProcessed{}, err
		}
	}
	out.Outcome = CallRecorded
	return out, nil
}

// phoneLineStaffTx returns the staff member of a line, 0 for no line or an
// unknown one.
func phoneLineStaffTx(ctx context.Context, tx pgx.Tx, clubID int64, line string) (int64, error) {
	if line == "" {
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT staff_id FROM phone_lines WHERE club_id = $1 AND line = $2`, clubID, line).Scan(&id)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("call line: %w", mapErr(err))
	}
	return id, nil
}

// callbackCreate makes the "call back" task of a missed call, or finds the
// client's open one.
func callbackCreate(ctx context.Context, tx pgx.Tx, clubID int64, c inbound.Call, set PhoneSettings, out CallProcessed, now time.Time) (CallProcessed, error) {
	err := tx.QueryRow(ctx, `
SELECT id FROM tasks WHERE club_id = $1 AND client_id = $2 AND template_id = $3 AND status IN ('new', 'in_progress')
  AND deleted_at IS NULL AND description LIKE $4 ORDER BY id LIMIT 1`,
		clubID, out.ClientID, set.CallbackTemplateID, callbackDescription+"%").Scan(&out.TaskID)
	if err == nil {
		out.Outcome = CallbackOpen
		return out, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return CallProcessed{}, fmt.Errorf("open call-back task: %w", mapErr(err))
	}
	assignee, err := staffLeastLoaded(ctx, tx, clubID, set.CallbackRole)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return CallProcessed{}, err
	}
	due := now.Add(set.CallbackTarget)
	desc := callbackDescription + " at " + c.StartedAt.UTC().Format("2006-01-02 15:04 UTC")
	if c.Line != "" {
		desc += " (line " + strings.TrimSpace(c.Line) + ")"
	}
	t, err := taskCreateTx(ctx, tx, TaskCreateInput{
		ClubID: clubID, TemplateID: set.CallbackTemplateID, ClientID: out.ClientID, AssigneeID: assignee,
		Description: desc, DueAt: &due,
	}, now)
	if err != nil {
		return CallProcessed{}, err
	}
	out.TaskID, out.StaffID, out.Outcome = t.ID, assignee, CallbackCreated
	return out, nil
}

// CallFacts is what a call reported by the phone system carried.
type CallFacts struct {
	ID        int64
	Direction string
	Seconds   int
	Recording string
}

// CallOfTask returns the call a personal-call task was created for; a task
// without one is ErrNotFound.
func (db *DB) CallOfTask(ctx context.Context, clubID, taskID int64) (CallFacts, error) {
	var c CallFacts
	err := db.pool.QueryRow(ctx, `
SELECT id, direction, coalesce(duration_sec, 0), coalesce(recording_url, '') FROM calls
WHERE club_id = $1 AND task_id = $2 AND NOT missed ORDER BY id LIMIT 1`,
		clubID, taskID).Scan(&c.ID, &c.Direction, &c.Seconds, &c.Recording)
	if err != nil {
		return CallFacts{}, fmt.Errorf("call of task %d: %w", taskID, mapErr(err))
	}
	return c, nil
}

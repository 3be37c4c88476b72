package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
)

// Outcomes of a processed club-system event, stored on the inbox row.
const (
	EventTaskCreated = "task_created"
	EventOpenTask    = "open_task"      // the client has an open task of this event type: no second one
	EventNoRule      = "no_rule"        // the plan's triggers: name no rule for the type
	EventUnknown     = "unknown_client" // no client has the phone, and the rule refuses to create one
	EventBelowDays   = "condition_not_met"
)

// EventProcess turns a stored club-system event (inbox kind "event") into a
// task per the plan's triggers: rule for its type, in one transaction that
// marks the inbox row processed: the client by phone (or created as a lead,
// or refused, as the rule says), the rule's conditions (min_days), then one
// task of the rule's template, due after its offset, for the member of its
// role with the fewest open tasks, unless the client already has an open
// task from an event of this type.
func (db *DB) EventProcess(ctx context.Context, clubID, inboxID int64) (LeadProcessed, error) {
	now := db.clock.Now()
	var out LeadProcessed
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var e inbound.Event
		row, err := inboxLock(ctx, tx, clubID, inboxID, inbound.KindEvent, &e)
		if err != nil {
			return err
		}
		if row.Done {
			out = LeadProcessed{Outcome: row.Outcome, ClientID: row.ClientID, TaskID: row.TaskID, Again: true}
			return nil
		}
		out, err = eventProcessTx(ctx, tx, clubID, inboxID, e, now)
		if err != nil {
			return err
		}
		return inboxMarkProcessed(ctx, tx, clubID, inboxID, now, out.Outcome, out.ClientID, out.TaskID)
	})
	if err != nil {
		return LeadProcessed{}, fmt.Errorf("event process: %w", err)
	}
	return out, nil
}

func eventProcessTx(ctx context.Context, tx pgx.Tx, clubID, inboxID int64, e inbound.Event, now time.Time) (LeadProcessed, error) {
	var (
		out           LeadProcessed
		tplID         int64
		dueMin        int
		role, unknown string
		minDays       *int
	)
	err := tx.QueryRow(ctx, `
SELECT template_id, due_offset_min, assignee_role, unknown_client, min_days FROM trigger_rules WHERE club_id = $1 AND event_type = $2`,
		clubID, e.Type).Scan(&tplID, &dueMin, &role, &unknown, &minDays)
	if errors.Is(err, pgx.ErrNoRows) {
		out.Outcome = EventNoRule
		return out, nil
	}
	if err != nil {
		return LeadProcessed{}, fmt.Errorf("trigger rule %s: %w", e.Type, mapErr(err))
	}
	if minDays != nil && e.Days < *minDays {
		out.Outcome = EventBelowDays
		return out, nil
	}
	if err := clientPhonesLock(ctx, tx, clubID, false); err != nil {
		return LeadProcessed{}, err
	}
	err = tx.QueryRow(ctx, `SELECT client_id FROM client_phones WHERE club_id = $1 AND phone = $2`, clubID, e.Phone).Scan(&out.ClientID)
	switch {
	case errors.Is(err, pgx.ErrNoRows) && unknown == "refuse":
		out.Outcome = EventUnknown
		return out, nil
	case errors.Is(err, pgx.ErrNoRows):
		name := e.Name
		if name == "" {
			name = e.Phone
		}
		if out.ClientID, err = leadClientCreate(ctx, tx, clubID, inbound.Lead{Name: name, Phone: e.Phone}, now); err != nil {
			return LeadProcessed{}, err
		}
	case err != nil:
		return LeadProcessed{}, fmt.Errorf("match client: %w", mapErr(err))
	}
	// One open task per client and event type. Events of one client are
	// serialised by the row lock on the client, so two deliveries at once
	// cannot both find none.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM clients WHERE club_id = $1 AND id = $2 FOR UPDATE`, clubID, out.ClientID); err != nil {
		return LeadProcessed{}, fmt.Errorf("lock client: %w", mapErr(err))
	}
	err = tx.QueryRow(ctx, `
SELECT t.id FROM event_tasks et JOIN tasks t ON t.club_id = et.club_id AND t.id = et.task_id
WHERE et.club_id = $1 AND et.client_id = $2 AND et.event_type = $3 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
LIMIT 1`, clubID, out.ClientID, e.Type).Scan(&out.TaskID)
	if err == nil {
		out.Outcome = EventOpenTask
		return out, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return LeadProcessed{}, fmt.Errorf("open event task: %w", mapErr(err))
	}
	assignee, err := staffLeastLoaded(ctx, tx, clubID, domain.Role(role))
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return LeadProcessed{}, err
	}
	due := now.Add(time.Duration(dueMin) * time.Minute)
	t, err := taskCreateTx(ctx, tx, TaskCreateInput{
		ClubID: clubID, TemplateID: tplID, ClientID: out.ClientID, AssigneeID: assignee, Description: e.Describe(), DueAt: &due,
	}, now)
	if err != nil {
		return LeadProcessed{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO event_tasks (task_id, club_id, client_id, event_type, inbox_id) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, clubID, out.ClientID, e.Type, inboxID); err != nil {
		return LeadProcessed{}, fmt.Errorf("event task: %w", mapErr(err))
	}
	out.TaskID, out.Outcome = t.ID, EventTaskCreated
	return out, nil
}

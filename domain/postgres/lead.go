package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
)

// Lead defaults, for a club whose plan has no leads: section.
const (
	DefaultLeadTarget = 15 * time.Minute
	DefaultLeadRole   = domain.RoleStaff
)

// Lead processing outcomes, stored on the inbox row.
const (
	LeadTaskCreated   = "task_created"   // a new "call the new lead" task
	LeadOpenTaskFound = "open_task"      // the client already has an open lead task; no second one
	LeadRefused       = "unknown_client" // the plan refuses leads that match no client
)

// LeadProcessed is what LeadProcess did.
type LeadProcessed struct {
	Outcome  string
	ClientID int64
	TaskID   int64
	Again    bool // the inbox row was already processed; nothing was done now
}

// LeadProcess turns a stored lead (an inbox row of kind "lead") into work,
// in one transaction: the client is matched by phone as the CSV import does
// (or created as a lead), a "call the new lead" task is created from the
// plan's leads: settings (template, assignee: the active staff member of the
// role with the fewest open tasks, due within the response target), the
// lead is recorded with its source and deadline, and an outbox row due at
// the deadline checks whether anyone responded. A client who already has
// an open lead task gets no second one. The inbox row is marked processed
// in the same transaction, so a second run (a retried job) does nothing.
func (db *DB) LeadProcess(ctx context.Context, clubID, inboxID int64) (LeadProcessed, error) {
	now := db.clock.Now()
	var out LeadProcessed
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var l inbound.Lead
		row, err := inboxLock(ctx, tx, clubID, inboxID, inbound.KindLead, &l)
		if err != nil {
			return err
		}
		if row.Done {
			out = LeadProcessed{Outcome: row.Outcome, ClientID: row.ClientID, TaskID: row.TaskID, Again: true}
			return nil
		}
		set, err := leadSettingsGet(ctx, tx, clubID)
		if err != nil {
			return err
		}
		out, err = leadProcessTx(ctx, tx, clubID, inboxID, l, set, now)
		if err != nil {
			return err
		}
		return inboxMarkProcessed(ctx, tx, clubID, inboxID, now, out.Outcome, out.ClientID, out.TaskID)
	})
	if err != nil {
		return LeadProcessed{}, fmt.Errorf("lead process: %w", err)
	}
	return out, nil
}

func leadProcessTx(ctx context.Context, tx pgx.Tx, clubID, inboxID int64, l inbound.Lead, set LeadSettings, now time.Time) (LeadProcessed, error) {
	if err := clientPhonesLock(ctx, tx, clubID, false); err != nil {
		return LeadProcessed{}, err
	}
	var out LeadProcessed
	err := tx.QueryRow(ctx, `SELECT client_id FROM client_phones WHERE club_id = $1 AND phone = $2`, clubID, l.Phone).Scan(&out.ClientID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if set.UnknownPhone == "refuse" {
			out.Outcome = LeadRefused
			return out, nil
		}
		out.ClientID, err = leadClientCreate(ctx, tx, clubID, l, now)
		if err != nil {
			return LeadProcessed{}, err
		}
	case err != nil:
		return LeadProcessed{}, fmt.Errorf("match client: %w", mapErr(err))
	default:
		// A known client: fill an e-mail the club did not have, as the import does.
		if _, err := tx.Exec(ctx, `
UPDATE clients SET email = $3, updated_at = $4 WHERE club_id = $1 AND id = $2 AND email = '' AND $3 <> ''`,
			clubID, out.ClientID, l.Email, now); err != nil {
			return LeadProcessed{}, fmt.Errorf("update client: %w", mapErr(err))
		}
		err := tx.QueryRow(ctx, `
SELECT t.id FROM leads ld JOIN tasks t ON t.club_id = ld.club_id AND t.id = ld.task_id
WHERE ld.club_id = $1 AND ld.client_id = $2 AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
ORDER BY t.id LIMIT 1`, clubID, out.ClientID).Scan(&out.TaskID)
		if err == nil {
			out.Outcome = LeadOpenTaskFound
			return out, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return LeadProcessed{}, fmt.Errorf("open lead task: %w", mapErr(err))
		}
	}
	assignee, err := staffLeastLoaded(ctx, tx, clubID, set.AssigneeRole)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return LeadProcessed{}, err
	}
	target := now.Add(set.Target)
	t, err := taskCreateTx(ctx, tx, TaskCreateInput{
		ClubID: clubID, TemplateID: set.TemplateID, ClientID: out.ClientID, AssigneeID: assignee,
		Description: leadDescription(l), DueAt: &target,
	}, now)
	if err != nil {
		return LeadProcessed{}, err
	}
	utm, _ := json.Marshal(l.UTM)
	if l.UTM == nil {
		utm = []byte("{}")
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO leads (task_id, club_id, inbox_id, client_id, source, utm, created_at, target_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, t.ID, clubID, inboxID, out.ClientID, l.Source, utm, now, target); err != nil {
		return LeadProcessed{}, fmt.Errorf("lead: %w", mapErr(err))
	}
	if _, err := outboxAddAt(ctx, tx, clubID, domain.OutboxLeadEscalate, domain.OutboxPayload{TaskID: t.ID}, now, target); err != nil {
		return LeadProcessed{}, err
	}
	out.TaskID, out.Outcome = t.ID, LeadTaskCreated
	return out, nil
}

// leadDescription is what the caller sees on the task: where the lead came
// from and what they wrote.
func leadDescription(l inbound.Lead) string {
	var parts []string
	if l.Source != "" {
		parts = append(parts, "Source: "+l.Source)
	}
	if l.Email != "" {
		parts = append(parts, "E-mail: "+l.Email)
	}
	if l.Comment != "" {
		parts = append(parts, l.Comment)
	}
	s := strings.Join(parts, "\n")
	if r := []rune(s); len(r) > domain.MaxDescriptionLen {
		s = string(r[:domain.MaxDescriptionLen])
	}
	return s
}

func leadClientCreate(ctx context.Context, tx pgx.Tx, clubID int64, l inbound.Lead, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
INSERT INTO clients (club_id, name, email, status, notes, created_at, updated_at)
VALUES ($1, $2, $3, 'lead', $4, $5, $5) RETURNING id`, clubID, l.Name, l.Email, l.Comment, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create client: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client_phones (club_id, client_id, phone, position) VALUES ($1, $2, $3, 0)`,
		clubID, id, l.Phone); err != nil {
		return 0, fmt.Errorf("create client phone: %w", mapErr(err))
	}
	return id, nil
}

// staffLeastLoaded is StaffLeastLoaded inside a transaction: of the active
// staff with the role, the one with the fewest open tasks (lowest id on a
// tie), which spreads new leads around the team in turn.
func staffLeastLoaded(ctx context.Context, q querier, clubID int64, role domain.Role) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
SELECT s.id
FROM staff s
CROSS JOIN LATERAL (
    SELECT count(*) AS open FROM tasks t
    WHERE t.club_id = s.club_id AND t.assignee_id = s.id
      AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL) o
WHERE s.club_id = $1 AND s.role = $2 AND s.active
ORDER BY o.open, s.id
LIMIT 1`, clubID, string(role)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("staff least loaded %s: %w", role, mapErr(err))
	}
	return id, nil
}

// outboxAddAt is outboxAdd for an effect due later: the row is created now
// and handed over at availableAt, so a deadline lives in PostgreSQL and
// survives the loss of Redis.
func outboxAddAt(ctx context.Context, tx pgx.Tx, clubID int64, kind string, p domain.OutboxPayload, now, availableAt time.Time) (int64, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("outbox payload: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx,
		`INSERT INTO outbox (club_id, kind, payload, created_at, available_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		clubID, kind, b, now, availableAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("outbox add %s: %w", kind, mapErr(err))
	}
	noteOutboxWrite(tx)
	return id, nil
}

// LeadEscalation says whether a lead's response target passed unanswered,
// and whom to tell.
type LeadEscalation struct {
	Due      bool    // no result was recorded on the lead's task by its target
	Managers []int64 // the club's active owners and managers
}

// LeadEscalate decides a lead's escalation at its deadline: when no result
// was recorded on its task by then (and the task was not cancelled or
// deleted), the lead is marked escalated and the managers are returned, to
// be told once (the caller's delivery keys make a retry send nothing new).
func (db *DB) LeadEscalate(ctx context.Context, clubID, taskID int64) (LeadEscalation, error) {
	now := db.clock.Now()
	var out LeadEscalation
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var answered, closed bool
		err := tx.QueryRow(ctx, `
SELECT EXISTS (SELECT 1 FROM task_results r WHERE r.club_id = l.club_id AND r.task_id = l.task_id AND r.recorded_at <= l.target_at),
       t.status = 'cancelled' OR t.deleted_at IS NOT NULL
FROM leads l JOIN tasks t ON t.club_id = l.club_id AND t.id = l.task_id
WHERE l.club_id = $1 AND l.task_id = $2 FOR UPDATE OF l`, clubID, taskID).Scan(&answered, &closed)
		if err != nil {
			return fmt.Errorf("lead %d: %w", taskID, mapErr(err))
		}
		if answered || closed {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE leads SET escalated_at = coalesce(escalated_at, $3) WHERE club_id = $1 AND task_id = $2`,
			clubID, taskID, now); err != nil {
			return fmt.Errorf("lead %d: %w", taskID, mapErr(err))
		}
		rows, err := tx.Query(ctx, `SELECT id FROM staff WHERE club_id = $1 AND active AND role IN ('owner', 'manager') ORDER BY id`, clubID)
		if err != nil {
			return fmt.Errorf("managers: %w", mapErr(err))
		}
		out.Managers, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("managers: %w", mapErr(err))
		}
		out.Due = true
		return nil
	})
	if err != nil {
		return LeadEscalation{}, fmt.Errorf("lead escalate: %w", err)
	}
	return out, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// StaffDeactivation is what offboarding one person did.
type StaffDeactivation struct {
	Staff          domain.Staff // as it was, now inactive
	ReassignedTo   int64        // 0: their open tasks were left unassigned
	Tasks          int          // open tasks handed over (or left unassigned)
	InvitesRevoked int          // unused invites made out in their name
}

// StaffDeactivate offboards a staff member of the club in one transaction:
// they become inactive (the bot treats them as a stranger), their open tasks
// go to reassignTo, an active staff member of the club, or are left
// unassigned when reassignTo is 0, and the unused invites made out in their
// name die. Their row stays, so their name remains on old tasks, results and
// reports. An invite created before this moment can no longer bring their
// Telegram account back (InviteRedeem). actor, when not zero, is who does it
// from the bot (domain.CanDeactivateStaff); the CLI passes a zero actor.
// Someone already inactive is code "staff_inactive".
func (db *DB) StaffDeactivate(ctx context.Context, clubID, staffID, reassignTo int64, actor domain.Staff) (StaffDeactivation, error) {
	var out StaffDeactivation
	if reassignTo == staffID {
		return out, domain.Invalid(domain.CodeReassignToSelf, "open tasks cannot be reassigned to the person who leaves", nil)
	}
	now := db.clock.Now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		s, err := scanStaff(tx.QueryRow(ctx, staffSelect+` WHERE s.club_id = $1 AND s.id = $2 FOR UPDATE OF s`, clubID, staffID))
		if err != nil {
			return mapErr(err)
		}
		if actor.ID != 0 {
			if err := domain.CanDeactivateStaff(actor, s); err != nil {
				return err
			}
		}
		if !s.Active {
			return domain.Conflict(domain.CodeStaffInactive, fmt.Sprintf("%s is already deactivated", s.Name), map[string]any{"Name": s.Name})
		}
		if reassignTo != 0 {
			var active bool
			err := tx.QueryRow(ctx, `SELECT active FROM staff WHERE club_id = $1 AND id = $2 FOR SHARE`, clubID, reassignTo).Scan(&active)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && !active {
				return fmt.Errorf("reassign to staff %d (not active staff of the club): %w", reassignTo, domain.ErrNotFound)
			}
			if err != nil {
				return mapErr(err)
			}
		}
		if _, err := tx.Exec(ctx, `
UPDATE staff SET active = false, deactivated_at = $3, current_task_id = NULL
WHERE club_id = $1 AND id = $2`, clubID, staffID, now); err != nil {
			return mapErr(err)
		}
		// Like TaskReassign: an in-progress task handed on waits for its new
		// assignee to take it, and is nobody's current task any more.
		err = tx.QueryRow(ctx, `
WITH moved AS (
    UPDATE tasks SET assignee_id = nullif($3, 0), status = 'new', taken_at = NULL, updated_at = $4
    WHERE club_id = $1 AND assignee_id = $2 AND status IN ('new', 'in_progress') AND deleted_at IS NULL
    RETURNING id
), cleared AS (
    UPDATE staff SET current_task_id = NULL
    WHERE club_id = $1 AND current_task_id IN (SELECT id FROM moved)
)
SELECT count(*) FROM moved`, clubID, staffID, reassignTo, now).Scan(&out.Tasks)
		if err != nil {
			return mapErr(err)
		}
		tag, err := tx.Exec(ctx, `
UPDATE staff_invites SET expires_at = $3
WHERE club_id = $1 AND used_at IS NULL AND expires_at > $3 AND lower(name) = lower($2)`,
			clubID, s.Name, now)
		if err != nil {
			return mapErr(err)
		}
		out.InvitesRevoked = int(tag.RowsAffected())
		s.Active = false
		out.Staff, out.ReassignedTo = s, reassignTo
		return nil
	})
	if err != nil {
		return StaffDeactivation{}, fmt.Errorf("staff deactivate %d: %w", staffID, err)
	}
	return out, nil
}

// StaffRosterLine is one person on the club's staff list, active or not.
type StaffRosterLine struct {
	domain.Staff
	OpenTasks int
}

// StaffRoster lists everyone who has been on the club's staff, the active
// first, by name, with their open tasks: what an operator looks at before
// offboarding someone.
func (db *DB) StaffRoster(ctx context.Context, clubID int64) ([]StaffRosterLine, error) {
	rows, err := db.pool.Query(ctx, `
SELECT `+staffColumns+`,
       (SELECT count(*) FROM tasks t WHERE t.club_id = s.club_id AND t.assignee_id = s.id
          AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL)
FROM staff s`+staffIdentitiesJoin+`
WHERE s.club_id = $1
ORDER BY s.active DESC, s.name, s.id`, clubID)
	if err != nil {
		return nil, fmt.Errorf("staff roster: %w", mapErr(err))
	}
	defer rows.Close()
	out := []StaffRosterLine{}
	for rows.Next() {
		var l StaffRosterLine
		s, err := scanStaff(rows, &l.OpenTasks)
		if err != nil {
			return nil, fmt.Errorf("staff roster: %w", mapErr(err))
		}
		l.Staff = s
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("staff roster: %w", mapErr(err))
	}
	return out, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// staffIdentitiesJoin sums up a staff member's identities (the row
// aliased s) for domain.Staff: their Telegram id, whether they have any,
// and when the last reachable one refused delivery (NULL while one is
// reachable). It reads staff_identities by its (club_id, staff_id, ...)
// primary key.
const staffIdentitiesJoin = `
CROSS JOIN LATERAL (
    SELECT coalesce(min(i.external_id::bigint) FILTER (WHERE i.channel = 'telegram'), 0) AS tg_user_id,
           count(*) > 0 AS linked,
           CASE WHEN bool_or(i.unreachable_at IS NULL) THEN NULL ELSE max(i.unreachable_at) END AS unreachable_at
    FROM staff_identities i WHERE i.club_id = s.club_id AND i.staff_id = s.id) si`

// staffColumns are the columns scanStaff reads, in its order.
const staffColumns = `s.id, s.club_id, s.name, s.role, si.tg_user_id, si.linked, coalesce(s.language, ''), s.active,
       si.unreachable_at, coalesce(s.current_task_id, 0), s.created_at`

const staffSelect = `
SELECT ` + staffColumns + `
FROM staff s` + staffIdentitiesJoin

// staffUnreachable is true for the staff member s whose identities all
// refused delivery (someone with no identity is not unreachable: there is
// nothing to refuse).
const staffUnreachable = `(EXISTS (SELECT 1 FROM staff_identities i WHERE i.club_id = s.club_id AND i.staff_id = s.id)
  AND NOT EXISTS (SELECT 1 FROM staff_identities i WHERE i.club_id = s.club_id AND i.staff_id = s.id AND i.unreachable_at IS NULL))`

func scanStaff(row pgx.Row, more ...any) (domain.Staff, error) {
	var s domain.Staff
	var role, lang string
	err := row.Scan(append([]any{&s.ID, &s.ClubID, &s.Name, &role, &s.TelegramID, &s.Linked, &lang, &s.Active,
		&s.UnreachableAt, &s.CurrentTaskID, &s.CreatedAt}, more...)...)
	s.Role, s.Language = domain.Role(role), domain.Language(lang)
	return s, err
}

func (db *DB) staffList(ctx context.Context, what, sql string, args ...any) ([]domain.Staff, error) {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	defer rows.Close()
	out := []domain.Staff{}
	for rows.Next() {
		s, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, mapErr(err))
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	return out, nil
}

// StaffGet returns a staff member of the club, active or not. A staff member
// of another club is ErrNotFound.
func (db *DB) StaffGet(ctx context.Context, clubID, id int64) (domain.Staff, error) {
	s, err := scanStaff(db.pool.QueryRow(ctx, staffSelect+` WHERE s.club_id = $1 AND s.id = $2`, clubID, id))
	if err != nil {
		return domain.Staff{}, fmt.Errorf("staff get %d: %w", id, mapErr(err))
	}
	return s, nil
}

// StaffList returns the club's active staff by name.
func (db *DB) StaffList(ctx context.Context, clubID int64) ([]domain.Staff, error) {
	return db.staffList(ctx, "staff list", staffSelect+`
WHERE s.club_id = $1 AND s.active ORDER BY s.name, s.id`, clubID)
}

// StaffManagers returns the club's active owners and managers by name: who
// gets the digest and overdue escalations.
func (db *DB) StaffManagers(ctx context.Context, clubID int64) ([]domain.Staff, error) {
	return db.staffList(ctx, "staff managers", staffSelect+`
WHERE s.club_id = $1 AND s.active AND s.role IN ('owner', 'manager') ORDER BY s.name, s.id`, clubID)
}

// staffUpdate runs an UPDATE of one staff row and turns "no row" into
// ErrNotFound.
func (db *DB) staffUpdate(ctx context.Context, what string, staffID int64, sql string, args ...any) error {
	tag, err := db.pool.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, staffID, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %d: %w", what, staffID, domain.ErrNotFound)
	}
	return nil
}

// StaffSetLanguage sets the language the bot speaks to a staff member.
func (db *DB) StaffSetLanguage(ctx context.Context, clubID, staffID int64, lang domain.Language) error {
	if l, ok := domain.ParseLanguage(string(lang)); !ok || l != lang {
		return domain.Invalid(domain.CodeLanguageInvalid, fmt.Sprintf("language %q is not one of ru, uk, en", lang), nil)
	}
	return db.staffUpdate(ctx, "staff set language", staffID,
		`UPDATE staff SET language = $3 WHERE club_id = $1 AND id = $2`, clubID, staffID, string(lang))
}

// StaffSetCurrentTask records the task or call a staff member is on now;
// taskID 0 clears it. A task that is not the club's, or deleted, is
// ErrNotFound like an unknown staff member.
func (db *DB) StaffSetCurrentTask(ctx context.Context, clubID, staffID, taskID int64) error {
	return db.staffUpdate(ctx, "staff set current task", staffID, `
UPDATE staff SET current_task_id = nullif($3, 0)
WHERE club_id = $1 AND id = $2
  AND ($3 = 0 OR EXISTS (SELECT 1 FROM tasks t WHERE t.club_id = $1 AND t.id = $3 AND t.deleted_at IS NULL))`,
		clubID, staffID, taskID)
}

// StaffMarkUnreachable records that the channel refused to deliver to the
// staff member (they blocked the bot) on the identity the notifier writes
// to (RecipientGet's): the next message goes to their next reachable
// identity, if any. The first time is kept, so repeated failures do not
// move it. The notifier that knows the address it wrote to calls
// IdentityMarkUnreachable instead.
func (db *DB) StaffMarkUnreachable(ctx context.Context, clubID, staffID int64, at time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE club_id = $1 AND id = $2)`, clubID, staffID).Scan(&exists); err != nil {
			return mapErr(err)
		}
		if !exists {
			return domain.ErrNotFound
		}
		_, err := tx.Exec(ctx, `
UPDATE staff_identities SET unreachable_at = $3
WHERE (club_id, staff_id, channel, bot_id) IN (
    SELECT club_id, staff_id, channel, bot_id FROM staff_identities
    WHERE club_id = $1 AND staff_id = $2 AND unreachable_at IS NULL
    ORDER BY last_inbound_at DESC NULLS LAST, created_at DESC
    LIMIT 1)`, clubID, staffID, at)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("staff mark unreachable %d: %w", staffID, err)
	}
	return nil
}

// StaffMarkReachable clears the unreachable marks of the staff member's
// identities. When they had no reachable identity it also writes a
// "staff.reachable" outbox row in the same transaction, so the workers tell
// them what they missed exactly once. Identify does this by itself for the
// account that wrote; this is for callers that know only the staff member.
func (db *DB) StaffMarkReachable(ctx context.Context, clubID, staffID int64) (bool, error) {
	was := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE club_id = $1 AND id = $2)`, clubID, staffID).Scan(&exists); err != nil {
			return mapErr(err)
		}
		if !exists {
			return domain.ErrNotFound
		}
		err := tx.QueryRow(ctx, `
WITH cleared AS (
    UPDATE staff_identities SET unreachable_at = NULL
    WHERE club_id = $1 AND staff_id = $2 AND unreachable_at IS NOT NULL
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM cleared)
   AND NOT EXISTS (SELECT 1 FROM staff_identities WHERE club_id = $1 AND staff_id = $2 AND unreachable_at IS NULL)`,
			clubID, staffID).Scan(&was)
		if err != nil || !was {
			return mapErr(err)
		}
		_, err = outboxAdd(ctx, tx, clubID, domain.OutboxStaffReachable, domain.OutboxPayload{StaffID: staffID}, db.clock.Now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("staff mark reachable %d: %w", staffID, err)
	}
	return was, nil
}

// StaffLeastLoaded picks whom a task assigned "to a role" goes to: the active
// staff member with exactly that role who has the fewest open tasks, the
// lowest id on a tie. Reachability is not considered: an unreachable person
// still sees the task when they open the bot. No one with the role is
// ErrNotFound.
func (db *DB) StaffLeastLoaded(ctx context.Context, clubID int64, role domain.Role) (int64, error) {
	if _, err := domain.ParseRole(string(role)); err != nil {
		return 0, err
	}
	var id int64
	err := db.pool.QueryRow(ctx, `
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

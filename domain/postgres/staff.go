package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

const staffSelect = `
SELECT s.id, s.club_id, s.name, s.role, coalesce(s.tg_user_id, 0), coalesce(s.language, ''), s.active,
       s.unreachable_at, coalesce(s.current_task_id, 0), s.created_at
FROM staff s`

func scanStaff(row pgx.Row) (domain.Staff, error) {
	var s domain.Staff
	var role, lang string
	err := row.Scan(&s.ID, &s.ClubID, &s.Name, &role, &s.TelegramID, &lang, &s.Active,
		&s.UnreachableAt, &s.CurrentTaskID, &s.CreatedAt)
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

// StaffMarkUnreachable records that Telegram refused to deliver to the staff
// member (they blocked the bot). The first time is kept, so repeated
// failures do not move it.
func (db *DB) StaffMarkUnreachable(ctx context.Context, clubID, staffID int64, at time.Time) error {
	return db.staffUpdate(ctx, "staff mark unreachable", staffID, `
UPDATE staff SET unreachable_at = coalesce(unreachable_at, $3) WHERE club_id = $1 AND id = $2`,
		clubID, staffID, at)
}

// StaffMarkReachable clears the unreachable mark when the staff member writes
// to the bot again. When the mark was set it also writes a "staff.reachable"
// outbox row in the same transaction, so the workers tell them what they
// missed exactly once. Called on every update, it costs one UPDATE that
// matches nothing in the usual case.
func (db *DB) StaffMarkReachable(ctx context.Context, clubID, staffID int64) (bool, error) {
	was := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
UPDATE staff SET unreachable_at = NULL
WHERE club_id = $1 AND id = $2 AND unreachable_at IS NOT NULL
RETURNING id`, clubID, staffID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE club_id = $1 AND id = $2)`, clubID, staffID).Scan(&exists); err != nil {
				return mapErr(err)
			}
			if !exists {
				return domain.ErrNotFound
			}
			return nil
		}
		if err != nil {
			return mapErr(err)
		}
		was = true
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

package postgres

import (
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
)

// StaffIdentify is the bot's per-update identity lookup in one round trip:
// the active staff member linked to a Telegram account and their live club.
// Someone unknown, deactivated or in a deleted club is ErrNotFound, so the
// bot treats them all as a stranger, and every right comes from these rows,
// never from the update.
func (db *DB) StaffIdentify(ctx context.Context, tgUserID int64) (domain.Staff, domain.Club, error) {
	var s domain.Staff
	var c domain.Club
	var role, lang, clubLang string
	err := db.pool.QueryRow(ctx, `
SELECT s.id, s.club_id, s.name, s.role, coalesce(s.tg_user_id, 0), coalesce(s.language, ''), s.active,
       s.unreachable_at, coalesce(s.current_task_id, 0), s.created_at,
       c.id, c.slug, c.name, c.time_zone, c.language, c.digest_hour, c.phone_code, c.created_at
FROM staff s
JOIN clubs c ON c.id = s.club_id
WHERE s.tg_user_id = $1 AND s.active AND c.deleted_at IS NULL`, tgUserID).Scan(
		&s.ID, &s.ClubID, &s.Name, &role, &s.TelegramID, &lang, &s.Active,
		&s.UnreachableAt, &s.CurrentTaskID, &s.CreatedAt,
		&c.ID, &c.Slug, &c.Name, &c.TimeZone, &clubLang, &c.DigestHour, &c.PhoneCode, &c.CreatedAt)
	if err != nil {
		return domain.Staff{}, domain.Club{}, fmt.Errorf("identify telegram user: %w", mapErr(err))
	}
	s.Role, s.Language, c.Language = domain.Role(role), domain.Language(lang), domain.Language(clubLang)
	return s, c, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clubcrm/clubcrm/domain"
)

// Invite lifetimes InviteCreate accepts.
const (
	inviteMinTTL = time.Minute
	inviteMaxTTL = 30 * 24 * time.Hour
)

// InviteCreate makes a single-use invite for a new staff member of the club
// and returns the code for the deep link and when it expires. Only the
// code's hash is stored. name, when given, becomes the staff member's name;
// otherwise their Telegram name is used. An unknown club is ErrNotFound.
func (db *DB) InviteCreate(ctx context.Context, clubID int64, role domain.Role, name string, ttl time.Duration) (string, time.Time, error) {
	if _, err := domain.ParseRole(string(role)); err != nil {
		return "", time.Time{}, err
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > domain.MaxNameLen {
		return "", time.Time{}, domain.Invalid(domain.CodeTooLong, fmt.Sprintf("the name is longer than %d characters", domain.MaxNameLen),
			map[string]any{"limit": domain.MaxNameLen})
	}
	if ttl < inviteMinTTL || ttl > inviteMaxTTL {
		return "", time.Time{}, domain.Invalid(domain.CodeInviteTTLInvalid,
			fmt.Sprintf("an invite must live between %s and %s, not %s", inviteMinTTL, inviteMaxTTL, ttl), nil)
	}
	code, hash := domain.NewInviteCode()
	now := db.clock.Now()
	var expiresAt time.Time
	err := db.pool.QueryRow(ctx, `
INSERT INTO staff_invites (club_id, role, name, code_hash, expires_at, created_at)
SELECT id, $2, nullif($3, ''), $4, $5, $6 FROM clubs WHERE id = $1 AND deleted_at IS NULL
RETURNING expires_at`, clubID, string(role), name, hash, now.Add(ttl), now).Scan(&expiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, fmt.Errorf("invite create: club %d: %w", clubID, domain.ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("invite create: %w", mapErr(err))
	}
	return code, expiresAt, nil
}

// TelegramUser is who opened an invite link, as Telegram describes them.
type TelegramUser struct {
	ID           int64
	Username     string
	FirstName    string
	LastName     string
	LanguageCode string
}

// errInviteInvalid is the one answer for an unknown, used or expired code, so
// that a guesser learns nothing about which codes exist.
func errInviteInvalid() error {
	return domain.Invalid(domain.CodeInviteInvalid, "the invite link is not valid: it is unknown, already used or expired", nil)
}

func errAlreadyLinked() error {
	return domain.Conflict(domain.CodeAlreadyLinked, "this Telegram account already belongs to a staff member", nil)
}

// InviteRedeem turns an invite into a staff member linked to the Telegram
// account, in one transaction: the invite is consumed by a single UPDATE that
// only matches an unused, unexpired code, so of two simultaneous redeems one
// wins. An unknown, used or expired code is code "invite_invalid"; an account
// already linked to an active staff member is code "already_linked" and
// leaves the invite unused. An account linked to a deactivated staff member
// is unlinked from that row and joins afresh, but only with an invite
// created after they were deactivated: the ones from before died with their
// job (StaffDeactivate).
func (db *DB) InviteRedeem(ctx context.Context, code string, tg TelegramUser) (domain.Staff, error) {
	if !domain.ValidInviteCodeSyntax(code) {
		return domain.Staff{}, errInviteInvalid()
	}
	if tg.ID <= 0 {
		return domain.Staff{}, domain.Invalid(domain.CodeTelegramUserInvalid, fmt.Sprintf("telegram user id %d is not valid", tg.ID), nil)
	}
	now := db.clock.Now()
	var s domain.Staff
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var active bool
		var leftAt *time.Time
		err := tx.QueryRow(ctx, `SELECT active, deactivated_at FROM staff WHERE tg_user_id = $1 FOR UPDATE`, tg.ID).Scan(&active, &leftAt)
		switch {
		case err == nil && active:
			return errAlreadyLinked()
		case err == nil:
			if _, err := tx.Exec(ctx, `UPDATE staff SET tg_user_id = NULL WHERE tg_user_id = $1`, tg.ID); err != nil {
				return fmt.Errorf("unlink deactivated staff: %w", mapErr(err))
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("look up account: %w", mapErr(err))
		}

		var (
			inviteID   int64
			role, name string
		)
		err = tx.QueryRow(ctx, `
UPDATE staff_invites i SET used_at = $2
WHERE i.code_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2
  AND ($3::timestamptz IS NULL OR i.created_at > $3)
  AND EXISTS (SELECT 1 FROM clubs c WHERE c.id = i.club_id AND c.deleted_at IS NULL)
RETURNING i.id, i.club_id, i.role, coalesce(i.name, '')`,
			domain.HashInviteCode(code), now, leftAt).Scan(&inviteID, &s.ClubID, &role, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return errInviteInvalid()
		}
		if err != nil {
			return fmt.Errorf("use invite: %w", mapErr(err))
		}

		s.Name = inviteStaffName(name, tg)
		s.Role = domain.Role(role)
		s.TelegramID = tg.ID
		s.Active = true
		if lang, ok := domain.ParseLanguage(tg.LanguageCode); ok {
			s.Language = lang
		}
		err = tx.QueryRow(ctx, `
INSERT INTO staff (club_id, name, role, tg_user_id, tg_username, language, created_at)
VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7)
RETURNING id, created_at`,
			s.ClubID, s.Name, role, tg.ID, tg.Username, string(s.Language), now).Scan(&s.ID, &s.CreatedAt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			// The same account redeemed another invite at the same moment.
			return errAlreadyLinked()
		}
		if err != nil {
			return fmt.Errorf("create staff: %w", mapErr(err))
		}
		if _, err := tx.Exec(ctx, `UPDATE staff_invites SET used_by = $2 WHERE id = $1`, inviteID, s.ID); err != nil {
			return fmt.Errorf("mark invite: %w", mapErr(err))
		}
		return nil
	})
	if err != nil {
		return domain.Staff{}, fmt.Errorf("invite redeem: %w", err)
	}
	return s, nil
}

// inviteStaffName is the new staff member's name: the one the manager wrote
// on the invite, else the Telegram name, else the username.
func inviteStaffName(invited string, tg TelegramUser) string {
	name := invited
	if name == "" {
		name = strings.TrimSpace(strings.TrimSpace(tg.FirstName) + " " + strings.TrimSpace(tg.LastName))
	}
	if name == "" && tg.Username != "" {
		name = "@" + tg.Username
	}
	if name == "" {
		name = fmt.Sprintf("Telegram %d", tg.ID)
	}
	if utf8.RuneCountInString(name) > domain.MaxNameLen {
		name = string([]rune(name)[:domain.MaxNameLen])
	}
	return name
}

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
	"github.com/clubcrm/clubcrm/domain/chat"
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

// errInviteInvalid is the one answer for an unknown, used or expired code, so
// that a guesser learns nothing about which codes exist.
func errInviteInvalid() error {
	return domain.Invalid(domain.CodeInviteInvalid, "the invite link is not valid: it is unknown, already used or expired", nil)
}

func errAlreadyLinked() error {
	return domain.Conflict(domain.CodeAlreadyLinked, "this account already belongs to a staff member of the club", nil)
}

func errInviteOtherBot() error {
	return domain.Invalid(domain.CodeInviteOtherBot, "the invite's club is not served by this bot", nil)
}

// InviteRedeem turns an invite into a staff member of the invite's club
// reached through the account acct (the private chat the invite was opened
// in), named after profile when the invite names nobody, in one
// transaction; the club becomes the one the account works in. The invite
// is consumed by a single UPDATE that only matches an unused, unexpired
// code, so of two simultaneous redeems one wins.
//
// An unknown, used or expired code is code "invite_invalid". An account
// already active staff of the invite's club is code "already_linked" and
// leaves the invite unused; one that is staff of other clubs gets a second
// staff record here, next to those. An account whose staff record in the
// club was deactivated is unlinked from that record and joins afresh, but
// only with an invite created after it was deactivated: the ones from
// before died with their job (StaffDeactivate). An invite opened through a
// bot that does not serve its club (domain.BotServesClub: another club's
// bot, a removed bot, the default bot of a club with a bot of its own) is
// code "invite_other_bot" and stays unused.
func (db *DB) InviteRedeem(ctx context.Context, code string, acct chat.Address, profile chat.User) (domain.Staff, error) {
	if !domain.ValidInviteCodeSyntax(code) {
		return domain.Staff{}, errInviteInvalid()
	}
	if err := validAccount(acct); err != nil {
		return domain.Staff{}, fmt.Errorf("invite redeem: %w", err)
	}
	hash := domain.HashInviteCode(code)
	now := db.clock.Now()
	// The invite's club never changes, so which bot serves it is settled
	// before the transaction; the transaction re-checks the invite itself.
	var clubID int64
	err := db.pool.QueryRow(ctx, `
SELECT i.club_id FROM staff_invites i JOIN clubs c ON c.id = i.club_id AND c.deleted_at IS NULL
WHERE i.code_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2`, hash, now).Scan(&clubID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Staff{}, fmt.Errorf("invite redeem: %w", errInviteInvalid())
	}
	if err != nil {
		return domain.Staff{}, fmt.Errorf("invite redeem: %w", mapErr(err))
	}
	clubBot, err := db.clubBot(ctx, clubID, acct.Channel)
	if err != nil {
		return domain.Staff{}, fmt.Errorf("invite redeem: %w", err)
	}
	if !domain.BotServesClub(acct.Bot, clubBot) {
		return domain.Staff{}, fmt.Errorf("invite redeem: bot %d, club %d served by bot %d: %w", acct.Bot, clubID, clubBot, errInviteOtherBot())
	}

	var s domain.Staff
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			active bool
			leftAt *time.Time
		)
		err := tx.QueryRow(ctx, `
SELECT s.active, s.deactivated_at
FROM staff_identities a JOIN staff s ON s.club_id = a.club_id AND s.id = a.staff_id
WHERE a.club_id = $1 AND a.channel = $2 AND a.bot_id = $3 AND a.external_id = $4
FOR UPDATE OF a`, clubID, string(acct.Channel), acct.Bot, acct.Chat).Scan(&active, &leftAt)
		switch {
		case err == nil && active:
			return errAlreadyLinked()
		case err == nil:
			if _, err := tx.Exec(ctx, `
DELETE FROM staff_identities WHERE club_id = $1 AND channel = $2 AND bot_id = $3 AND external_id = $4`,
				clubID, string(acct.Channel), acct.Bot, acct.Chat); err != nil {
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
WHERE i.code_hash = $1 AND i.club_id = $4 AND i.used_at IS NULL AND i.expires_at > $2
  AND ($3::timestamptz IS NULL OR i.created_at > $3)
  AND EXISTS (SELECT 1 FROM clubs c WHERE c.id = i.club_id AND c.deleted_at IS NULL)
RETURNING i.id, i.role, coalesce(i.name, '')`,
			hash, now, leftAt, clubID).Scan(&inviteID, &role, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return errInviteInvalid()
		}
		if err != nil {
			return fmt.Errorf("use invite: %w", mapErr(err))
		}

		s.ClubID = clubID
		s.Name = inviteStaffName(name, acct, profile)
		s.Role = domain.Role(role)
		s.Linked = true
		if acct.Channel == chat.Telegram {
			s.TelegramID, _ = acct.ChatInt() // validAccount checked it
		}
		s.Active = true
		if lang, ok := domain.ParseLanguage(profile.Language); ok {
			s.Language = lang
		}
		err = tx.QueryRow(ctx, `
INSERT INTO staff (club_id, name, role, language, created_at)
VALUES ($1, $2, $3, nullif($4, ''), $5)
RETURNING id, created_at`,
			s.ClubID, s.Name, role, string(s.Language), now).Scan(&s.ID, &s.CreatedAt)
		if err != nil {
			return fmt.Errorf("create staff: %w", mapErr(err))
		}
		_, err = tx.Exec(ctx, `
INSERT INTO staff_identities (club_id, staff_id, channel, bot_id, external_id, username, last_inbound_at, created_at)
VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $7)`,
			s.ClubID, s.ID, string(acct.Channel), acct.Bot, acct.Chat, strings.TrimPrefix(profile.Username, "@"), now)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			// The same account redeemed another invite of this club at the
			// same moment.
			return errAlreadyLinked()
		}
		if err != nil {
			return fmt.Errorf("create identity: %w", mapErr(err))
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO identity_current (channel, bot_id, external_id, club_id, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (channel, bot_id, external_id) DO UPDATE SET club_id = excluded.club_id, updated_at = excluded.updated_at`,
			string(acct.Channel), acct.Bot, acct.Chat, s.ClubID, now); err != nil {
			return fmt.Errorf("work in the club: %w", mapErr(err))
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

// clubBot is the club's live bot on the channel, 0 when it has none and is
// served by the deployment's default bot.
func (db *DB) clubBot(ctx context.Context, clubID int64, ch chat.Channel) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `
SELECT coalesce((SELECT id FROM bots WHERE club_id = $1 AND channel = $2 AND removed_at IS NULL), 0)`,
		clubID, string(ch)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("club %d bot: %w", clubID, mapErr(err))
	}
	return id, nil
}

// inviteStaffName is the new staff member's name: the one the manager wrote
// on the invite, else the name on the messenger, else the username.
func inviteStaffName(invited string, acct chat.Address, p chat.User) string {
	name := invited
	if name == "" {
		name = strings.TrimSpace(strings.TrimSpace(p.FirstName) + " " + strings.TrimSpace(p.LastName))
	}
	if name == "" {
		name = strings.TrimSpace(p.Name)
	}
	if u := strings.TrimPrefix(p.Username, "@"); name == "" && u != "" {
		name = "@" + u
	}
	if name == "" {
		name = map[chat.Channel]string{chat.Telegram: "Telegram", chat.Viber: "Viber"}[acct.Channel] + " " + acct.Chat
	}
	if utf8.RuneCountInString(name) > domain.MaxNameLen {
		name = string([]rune(name)[:domain.MaxNameLen])
	}
	return name
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// An account is how the store names a person on a messenger: a
// chat.Address whose Chat is the person's own id there (in a private chat
// the chat id equals the user id, on Telegram and on Viber), so the bot
// passes the address of the private chat an update came from, and the
// notifier gets back the address to write to. The same person through two
// bots is two accounts. An account is staff of a club through a
// staff_identities row; of several clubs through several.

// Identity is one account a staff member is reached through.
type Identity struct {
	StaffID       int64
	Address       chat.Address
	Username      string // without "@"; empty if the channel has none
	LastInboundAt *time.Time
	UnreachableAt *time.Time
}

// identityTouchEvery is how often Identify records that an account wrote.
const identityTouchEvery = time.Minute

// maxExternalIDLen bounds an account's id (the column's CHECK).
const maxExternalIDLen = 128

// validAccount refuses what cannot be an account: an unknown channel, an
// empty or over-long id, a Telegram id that is not a positive number, a
// negative bot id.
func validAccount(a chat.Address) error {
	ok := a.Channel.Valid() && a.Bot >= 0 && a.Chat != "" && utf8.RuneCountInString(a.Chat) <= maxExternalIDLen
	if ok && a.Channel == chat.Telegram {
		id, err := a.ChatInt()
		ok = err == nil && id > 0
	}
	if !ok {
		return domain.Invalid(domain.CodeTelegramUserInvalid, fmt.Sprintf("account %s is not valid", a), nil)
	}
	return nil
}

// Identify is the bot's per-update lookup, in one statement: the account's
// active memberships in live clubs, the club it works in
// (domain.WorkingClub) and its staff record there. The same statement
// records that the account wrote (last_inbound_at, which RecipientGet
// orders by). An account that is no active staff anywhere is ErrNotFound:
// the bot treats it as a stranger, and every right comes from these rows,
// never from the update.
//
// last_inbound_at is written at most once per identityTouchEvery, so that
// the usual update is a read: a write would wait for its commit to reach
// the disk on every message (measured by BenchmarkIdentify). The notifier
// thus knows which account was used last to the minute.
//
// An account some identity of which was marked unreachable takes a second
// transaction, rarely: the marks are cleared, and every staff record that
// had no reachable identity left gets a "staff.reachable" outbox row, so
// the workers tell them what they missed, once.
func (db *DB) Identify(ctx context.Context, acct chat.Address) (domain.Staff, domain.Club, []domain.Membership, error) {
	if err := validAccount(acct); err != nil {
		return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify: %w", err)
	}
	now := db.clock.Now()
	rows, err := db.pool.Query(ctx, `
WITH touched AS (
    UPDATE staff_identities SET last_inbound_at = $4
    WHERE channel = $1 AND bot_id = $2 AND external_id = $3 AND unreachable_at IS NULL
      AND (last_inbound_at IS NULL OR last_inbound_at <= $5)
)
SELECT `+staffColumns+`,
       `+clubColumns("c", "")+`,
       coalesce(cur.club_id, 0),
       EXISTS (SELECT 1 FROM staff_identities u
               WHERE u.channel = $1 AND u.bot_id = $2 AND u.external_id = $3 AND u.unreachable_at IS NOT NULL)
FROM staff_identities a
JOIN staff s ON s.club_id = a.club_id AND s.id = a.staff_id AND s.active`+staffIdentitiesJoin+`
JOIN clubs c ON c.id = a.club_id AND c.deleted_at IS NULL
LEFT JOIN identity_current cur ON cur.channel = $1 AND cur.bot_id = $2 AND cur.external_id = $3
WHERE a.channel = $1 AND a.bot_id = $2 AND a.external_id = $3`,
		string(acct.Channel), acct.Bot, acct.Chat, now, now.Add(-identityTouchEvery))
	if err != nil {
		return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify %s: %w", acct, mapErr(err))
	}
	type member struct {
		staff domain.Staff
		club  domain.Club
	}
	var (
		members     []member
		ms          []domain.Membership
		current     int64
		unreachable bool
	)
	for rows.Next() {
		var m member
		fields, finish := clubFields(&m.club)
		s, err := scanStaff(rows, append(fields, &current, &unreachable)...)
		if err != nil {
			rows.Close()
			return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify %s: %w", acct, mapErr(err))
		}
		finish()
		m.staff = s
		members = append(members, m)
		ms = append(ms, domain.Membership{ClubID: m.club.ID, ClubName: m.club.Name, StaffID: s.ID, Role: s.Role, JoinedAt: s.CreatedAt})
	}
	if err := rows.Err(); err != nil {
		return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify %s: %w", acct, mapErr(err))
	}
	if unreachable {
		if err := db.identityReachable(ctx, acct, now); err != nil {
			return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify %s: %w", acct, err)
		}
	}
	working, ok := domain.WorkingClub(current, ms)
	if !ok {
		return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify %s: %w", acct, domain.ErrNotFound)
	}
	for _, m := range members {
		if m.club.ID == working.ClubID {
			// They just wrote, so they are reachable again (above).
			m.staff.UnreachableAt = nil
			return m.staff, m.club, ms, nil
		}
	}
	return domain.Staff{}, domain.Club{}, nil, fmt.Errorf("identify %s: working club %d not among its memberships", acct, working.ClubID)
}

// identityReachable clears the account's unreachable marks and queues a
// "staff.reachable" for each active staff record that had no reachable
// identity before. The UPDATE re-checks unreachable_at on rows another
// transaction changed meanwhile, so of two updates at once only one clears
// a mark and queues its row.
func (db *DB) identityReachable(ctx context.Context, acct chat.Address, now time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
WITH cleared AS (
    UPDATE staff_identities SET unreachable_at = NULL, last_inbound_at = $4
    WHERE channel = $1 AND bot_id = $2 AND external_id = $3 AND unreachable_at IS NOT NULL
    RETURNING club_id, staff_id
)
SELECT c.club_id, c.staff_id FROM cleared c
JOIN staff s ON s.club_id = c.club_id AND s.id = c.staff_id AND s.active
WHERE NOT EXISTS (SELECT 1 FROM staff_identities o
                  WHERE o.club_id = c.club_id AND o.staff_id = c.staff_id AND o.unreachable_at IS NULL)`,
			string(acct.Channel), acct.Bot, acct.Chat, now)
		if err != nil {
			return mapErr(err)
		}
		type key struct{ club, staff int64 }
		back, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (key, error) {
			var k key
			return k, r.Scan(&k.club, &k.staff)
		})
		if err != nil {
			return mapErr(err)
		}
		for _, k := range back {
			if _, err := outboxAdd(ctx, tx, k.club, domain.OutboxStaffReachable, domain.OutboxPayload{StaffID: k.staff}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark reachable: %w", err)
	}
	return nil
}

// StaffIdentify is Identify for a Telegram user through the default bot,
// for the callers that still speak Telegram ids.
func (db *DB) StaffIdentify(ctx context.Context, tgUserID int64) (domain.Staff, domain.Club, error) {
	s, c, _, err := db.Identify(ctx, chat.TelegramAddress(chat.DefaultBot, tgUserID))
	return s, c, err
}

func errNotMember() error {
	return domain.Forbidden(domain.CodeClubNotMember, "the account is not active staff of this club")
}

// IdentitySwitch makes clubID the club the account works in (/club) and
// returns its staff record and the club. A club the account is not active
// staff of (never was, left, deleted, another club's id) is code
// "club_not_member" and changes nothing.
func (db *DB) IdentitySwitch(ctx context.Context, acct chat.Address, clubID int64) (domain.Staff, domain.Club, error) {
	if err := validAccount(acct); err != nil {
		return domain.Staff{}, domain.Club{}, fmt.Errorf("identity switch: %w", err)
	}
	var c domain.Club
	fields, finish := clubFields(&c)
	s, err := scanStaff(db.pool.QueryRow(ctx, `
WITH m AS (
    SELECT `+staffColumns+`, `+clubColumns("c", "c_")+`
    FROM staff_identities a
    JOIN staff s ON s.club_id = a.club_id AND s.id = a.staff_id AND s.active`+staffIdentitiesJoin+`
    JOIN clubs c ON c.id = a.club_id AND c.deleted_at IS NULL
    WHERE a.club_id = $4 AND a.channel = $1 AND a.bot_id = $2 AND a.external_id = $3
), saved AS (
    INSERT INTO identity_current (channel, bot_id, external_id, club_id, updated_at)
    SELECT $1, $2, $3, c_id, $5 FROM m
    ON CONFLICT (channel, bot_id, external_id) DO UPDATE SET club_id = excluded.club_id, updated_at = excluded.updated_at
)
SELECT * FROM m`, string(acct.Channel), acct.Bot, acct.Chat, clubID, db.clock.Now()),
		fields...)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Staff{}, domain.Club{}, fmt.Errorf("identity switch %s to club %d: %w", acct, clubID, errNotMember())
	}
	if err != nil {
		return domain.Staff{}, domain.Club{}, fmt.Errorf("identity switch %s to club %d: %w", acct, clubID, mapErr(err))
	}
	finish()
	return s, c, nil
}

// IdentityMarkUnreachable records that the channel refused to deliver to
// the staff member at addr (they blocked that bot). The first time is
// kept. An identity that is not the staff member's (another club's, another
// person's) is ErrNotFound.
func (db *DB) IdentityMarkUnreachable(ctx context.Context, clubID, staffID int64, addr chat.Address, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `
UPDATE staff_identities SET unreachable_at = coalesce(unreachable_at, $6)
WHERE club_id = $1 AND staff_id = $2 AND channel = $3 AND bot_id = $4 AND external_id = $5`,
		clubID, staffID, string(addr.Channel), addr.Bot, addr.Chat, at)
	if err != nil {
		return fmt.Errorf("identity mark unreachable %s: %w", addr, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("identity mark unreachable %s of staff %d: %w", addr, staffID, domain.ErrNotFound)
	}
	return nil
}

// IdentityList returns the identities of the club's staff, by staff member,
// the last used first.
func (db *DB) IdentityList(ctx context.Context, clubID int64) ([]Identity, error) {
	rows, err := db.pool.Query(ctx, `
SELECT staff_id, channel, bot_id, external_id, coalesce(username, ''), last_inbound_at, unreachable_at
FROM staff_identities WHERE club_id = $1
ORDER BY staff_id, last_inbound_at DESC NULLS LAST, created_at DESC`, clubID)
	if err != nil {
		return nil, fmt.Errorf("identity list: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Identity, error) {
		var i Identity
		var ch string
		err := r.Scan(&i.StaffID, &ch, &i.Address.Bot, &i.Address.Chat, &i.Username, &i.LastInboundAt, &i.UnreachableAt)
		i.Address.Channel = chat.Channel(ch)
		return i, err
	})
	if err != nil {
		return nil, fmt.Errorf("identity list: %w", mapErr(err))
	}
	if out == nil {
		out = []Identity{}
	}
	return out, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clubcrm/clubcrm/domain"
)

// Channels a club's bot can be on.
const (
	BotChannelTelegram = "telegram"
	BotChannelViber    = "viber"
)

// Bot is a club's own bot as stored. The store never sees a token in plain
// text: TokenEnc and WebhookSecretEnc are sealed by the caller
// (domain/secret, bound to the row's id and column), TokenHash is the
// caller's keyed hash of the token.
type Bot struct {
	ID               int64
	ClubID           int64
	Channel          string
	Username         string // without the @
	TokenEnc         []byte
	TokenHash        []byte
	WebhookSecretEnc []byte
	CreatedAt        time.Time
	RemovedAt        *time.Time
}

// BotNew is a bot to add. The sealed values are bound to the row's id, which
// is only known inside BotAdd, so they come from Seal.
type BotNew struct {
	ClubID    int64
	Channel   string
	Username  string
	TokenHash []byte
	// Seal returns the sealed token and webhook secret for the row that
	// will have this id. It is called once, before the row is written.
	Seal func(id int64) (tokenEnc, webhookSecretEnc []byte, err error)
}

// BotAdd stores a club's new bot and returns it. An unknown or deleted club
// is ErrNotFound; a token that another club's live bot has is a conflict
// with CodeBotTokenTaken; a second live bot of the club on the channel (the
// same token included) is a conflict with CodeBotExists.
func (db *DB) BotAdd(ctx context.Context, n BotNew) (Bot, error) {
	if n.Channel != BotChannelTelegram && n.Channel != BotChannelViber {
		return Bot{}, domain.Invalid(domain.CodeBotChannelInvalid, fmt.Sprintf("bot add: unknown channel %q (telegram or viber)", n.Channel), nil)
	}
	if len(n.TokenHash) != 32 || n.Seal == nil {
		return Bot{}, fmt.Errorf("bot add: a 32-byte token hash and a Seal function are required: %w", domain.ErrInvalid)
	}
	var id int64
	if err := db.pool.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('bots', 'id'))`).Scan(&id); err != nil {
		return Bot{}, fmt.Errorf("bot add: %w", mapErr(err))
	}
	tokenEnc, secretEnc, err := n.Seal(id)
	if err != nil {
		return Bot{}, fmt.Errorf("bot add: seal: %w", err)
	}
	b := Bot{ID: id, ClubID: n.ClubID, Channel: n.Channel, Username: n.Username,
		TokenEnc: tokenEnc, TokenHash: n.TokenHash, WebhookSecretEnc: secretEnc}
	err = db.pool.QueryRow(ctx, `
INSERT INTO bots (id, club_id, channel, username, token_enc, token_hash, webhook_secret_enc, created_at)
SELECT $1, id, $3, $4, $5, $6, $7, $8 FROM clubs WHERE id = $2 AND deleted_at IS NULL
RETURNING created_at`, id, n.ClubID, n.Channel, n.Username, tokenEnc, n.TokenHash, secretEnc, db.clock.Now()).Scan(&b.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Bot{}, fmt.Errorf("bot add: club %d: %w", n.ClubID, domain.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return Bot{}, db.botConflict(ctx, n, pgErr.ConstraintName)
	}
	if err != nil {
		return Bot{}, fmt.Errorf("bot add: %w", mapErr(err))
	}
	return b, nil
}

// botConflict says which rule a refused BotAdd broke. The token's index and
// the club's may both hold; the token belonging to another club is the one
// to report, since removing the club's own bot would not help.
func (db *DB) botConflict(ctx context.Context, n BotNew, constraint string) error {
	var owner int64
	err := db.pool.QueryRow(ctx, `SELECT club_id FROM bots WHERE token_hash = $1 AND removed_at IS NULL`, n.TokenHash).Scan(&owner)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("bot add: %w", mapErr(err))
	}
	tokenLive := err == nil
	switch {
	case tokenLive && owner != n.ClubID:
		return domain.Conflict(domain.CodeBotTokenTaken, "bot add: this token is already the bot of another club", nil)
	case tokenLive || constraint == "bots_club_channel_live_key":
		return domain.Conflict(domain.CodeBotExists,
			fmt.Sprintf("bot add: club %d already has its own %s bot; remove it first (clubcrm bot remove)", n.ClubID, n.Channel), nil)
	default:
		// The other row was removed meanwhile: the caller may try again.
		return fmt.Errorf("bot add: %s: %w", constraint, domain.ErrConflict)
	}
}

const (
	botColumns  = `id, club_id, channel, username, token_enc, token_hash, webhook_secret_enc, created_at, removed_at`
	botColumnsB = `b.id, b.club_id, b.channel, b.username, b.token_enc, b.token_hash, b.webhook_secret_enc, b.created_at, b.removed_at`
)

func scanBot(r pgx.CollectableRow) (Bot, error) {
	var b Bot
	err := r.Scan(&b.ID, &b.ClubID, &b.Channel, &b.Username, &b.TokenEnc, &b.TokenHash, &b.WebhookSecretEnc, &b.CreatedAt, &b.RemovedAt)
	return b, err
}

// BotList lists the club's bots, removed ones included, oldest first.
func (db *DB) BotList(ctx context.Context, clubID int64) ([]Bot, error) {
	return db.botQuery(ctx, "bot list", `SELECT `+botColumns+` FROM bots WHERE club_id = $1 ORDER BY id`, clubID)
}

// BotListLive lists every club's live bot, for the runtime to load at
// start. Bots of deleted clubs are left out.
func (db *DB) BotListLive(ctx context.Context) ([]Bot, error) {
	return db.botQuery(ctx, "bot list live", `
SELECT `+botColumnsB+` FROM bots b JOIN clubs c ON c.id = b.club_id
WHERE b.removed_at IS NULL AND c.deleted_at IS NULL ORDER BY b.id`)
}

func (db *DB) botQuery(ctx context.Context, what, sql string, args ...any) ([]Bot, error) {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	out, err := pgx.CollectRows(rows, scanBot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	return out, nil
}

// BotGet finds a live bot by id alone: the webhook path /telegram/<id> knows
// nothing else. A removed bot, or a bot of a deleted club, is ErrNotFound.
func (db *DB) BotGet(ctx context.Context, id int64) (Bot, error) {
	return db.botOne(ctx, "bot get", `
SELECT `+botColumnsB+` FROM bots b JOIN clubs c ON c.id = b.club_id
WHERE b.id = $1 AND b.removed_at IS NULL AND c.deleted_at IS NULL`, id)
}

// BotByClub is the club's live bot on the channel; ErrNotFound means the
// club has none and the deployment's default bot serves it.
func (db *DB) BotByClub(ctx context.Context, clubID int64, channel string) (Bot, error) {
	return db.botOne(ctx, "bot by club", `SELECT `+botColumns+` FROM bots WHERE club_id = $1 AND channel = $2 AND removed_at IS NULL`, clubID, channel)
}

func (db *DB) botOne(ctx context.Context, what, sql string, args ...any) (Bot, error) {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return Bot{}, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	b, err := pgx.CollectExactlyOneRow(rows, scanBot)
	if err != nil {
		return Bot{}, fmt.Errorf("%s: %w", what, mapErr(err))
	}
	return b, nil
}

// BotRemove removes one of the club's bots: from then on the club is
// served by the default bot, and its channel and token are free again. The
// row stays, with its sealed token, for the list. Removing a removed bot
// changes nothing; a bot of another club, or none, is ErrNotFound.
func (db *DB) BotRemove(ctx context.Context, clubID, botID int64) (Bot, error) {
	rows, err := db.pool.Query(ctx, `
UPDATE bots SET removed_at = coalesce(removed_at, $3) WHERE club_id = $1 AND id = $2
RETURNING `+botColumns, clubID, botID, db.clock.Now())
	if err != nil {
		return Bot{}, fmt.Errorf("bot remove: %w", mapErr(err))
	}
	b, err := pgx.CollectExactlyOneRow(rows, scanBot)
	if errors.Is(err, pgx.ErrNoRows) {
		return Bot{}, fmt.Errorf("bot remove: bot %d of club %d: %w", botID, clubID, domain.ErrNotFound)
	}
	if err != nil {
		return Bot{}, fmt.Errorf("bot remove: %w", mapErr(err))
	}
	return b, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
)

// APIKey is a club's key for the inbound HTTP API, as listed (never the key
// itself: only its hash is stored).
type APIKey struct {
	ID        int64
	ClubID    int64
	Name      string
	Prefix    string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// APIKeyCreate makes a new key for the club and returns the key, which is
// shown once: only its hash is kept. An unknown club is ErrNotFound.
func (db *DB) APIKeyCreate(ctx context.Context, clubID int64, name string) (string, APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", APIKey{}, domain.Invalid(domain.CodeAPIKeyNameInvalid, "an API key needs a name of 1-100 characters (what it is for, e.g. \"site form\")", nil)
	}
	key, hash, prefix := inbound.NewAPIKey()
	k := APIKey{ClubID: clubID, Name: name, Prefix: prefix}
	err := db.pool.QueryRow(ctx, `
INSERT INTO api_keys (club_id, name, prefix, key_hash, created_at)
SELECT id, $2, $3, $4, $5 FROM clubs WHERE id = $1 AND deleted_at IS NULL
RETURNING id, created_at`, clubID, name, prefix, hash, db.clock.Now()).Scan(&k.ID, &k.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", APIKey{}, fmt.Errorf("api key create: club %d: %w", clubID, domain.ErrNotFound)
	}
	if err != nil {
		return "", APIKey{}, fmt.Errorf("api key create: %w", mapErr(err))
	}
	return key, k, nil
}

// APIKeyList lists the club's keys, revoked ones included, oldest first.
func (db *DB) APIKeyList(ctx context.Context, clubID int64) ([]APIKey, error) {
	rows, err := db.pool.Query(ctx, `
SELECT id, club_id, name, prefix, created_at, revoked_at FROM api_keys WHERE club_id = $1 ORDER BY id`, clubID)
	if err != nil {
		return nil, fmt.Errorf("api key list: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) {
		var k APIKey
		err := r.Scan(&k.ID, &k.ClubID, &k.Name, &k.Prefix, &k.CreatedAt, &k.RevokedAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("api key list: %w", mapErr(err))
	}
	return out, nil
}

// APIKeyRevoke revokes one of the club's keys; from then on it is refused.
// Revoking a revoked key changes nothing; a key of another club, or none,
// is ErrNotFound.
func (db *DB) APIKeyRevoke(ctx context.Context, clubID, keyID int64) error {
	tag, err := db.pool.Exec(ctx, `
UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3) WHERE club_id = $1 AND id = $2`, clubID, keyID, db.clock.Now())
	if err != nil {
		return fmt.Errorf("api key revoke: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("api key revoke: key %d of club %d: %w", keyID, clubID, domain.ErrNotFound)
	}
	return nil
}

// APICaller is who an accepted key speaks for.
type APICaller struct {
	KeyID     int64
	ClubID    int64
	PhoneCode string // the club's country code, for normalising phones
	TimeZone  string // the club's IANA zone, for local times in payloads
}

// APIKeyAuth finds the live key and its club. An unknown or revoked key, or
// the key of a deleted club, is ErrNotFound: the caller cannot tell which.
func (db *DB) APIKeyAuth(ctx context.Context, key string) (APICaller, error) {
	if key == "" {
		return APICaller{}, fmt.Errorf("api key auth: %w", domain.ErrNotFound)
	}
	var c APICaller
	err := db.pool.QueryRow(ctx, `
SELECT k.id, k.club_id, c.phone_code, c.time_zone FROM api_keys k JOIN clubs c ON c.id = k.club_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND c.deleted_at IS NULL`, inbound.HashAPIKey(key)).Scan(&c.KeyID, &c.ClubID, &c.PhoneCode, &c.TimeZone)
	if err != nil {
		return APICaller{}, fmt.Errorf("api key auth: %w", mapErr(err))
	}
	return c, nil
}

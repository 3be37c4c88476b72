package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/secret"
)

// PhoneSecret is a club's sealed phone-system signing secret: the provider
// it was set for and the value sealed with SECRETS_KEY (secret.Box), bound
// to the club and provider by PhoneSecretAAD. This package never sees the
// plain value.
type PhoneSecret struct {
	Provider string
	Sealed   []byte
}

// PhoneSecretAAD is the additional data that binds a club's sealed phone
// secret to its row and provider: a value moved to another club, or
// relabelled for another provider, does not open.
func PhoneSecretAAD(clubID int64, provider string) []byte {
	return secret.RowAAD("phone_secrets", clubID, "secret_enc:"+provider)
}

// PhoneSecretSet stores (or replaces) the club's sealed phone secret.
func (db *DB) PhoneSecretSet(ctx context.Context, clubID int64, s PhoneSecret) error {
	if _, err := db.pool.Exec(ctx, `
INSERT INTO phone_secrets (club_id, provider, secret_enc) VALUES ($1, $2, $3)
ON CONFLICT (club_id) DO UPDATE SET provider = $2, secret_enc = $3, updated_at = now()`,
		clubID, s.Provider, s.Sealed); err != nil {
		return fmt.Errorf("phone secret of club %d: %w", clubID, mapErr(err))
	}
	return nil
}

// PhoneSecretGet returns the club's sealed phone secret; none is
// ErrNotFound.
func (db *DB) PhoneSecretGet(ctx context.Context, clubID int64) (PhoneSecret, error) {
	var s PhoneSecret
	err := db.pool.QueryRow(ctx, `SELECT provider, secret_enc FROM phone_secrets WHERE club_id = $1`, clubID).Scan(&s.Provider, &s.Sealed)
	if err != nil {
		return PhoneSecret{}, fmt.Errorf("phone secret of club %d: %w", clubID, mapErr(err))
	}
	return s, nil
}

// PhoneSecretInfo is what may be shown of a club's phone secret: the
// provider it was set for and when, never the value.
type PhoneSecretInfo struct {
	Provider  string
	UpdatedAt time.Time
}

// PhoneSecretInfo returns the provider and time of the club's phone
// secret, without the sealed value; none is ErrNotFound.
func (db *DB) PhoneSecretInfo(ctx context.Context, clubID int64) (PhoneSecretInfo, error) {
	var s PhoneSecretInfo
	err := db.pool.QueryRow(ctx, `SELECT provider, updated_at FROM phone_secrets WHERE club_id = $1`, clubID).Scan(&s.Provider, &s.UpdatedAt)
	if err != nil {
		return PhoneSecretInfo{}, fmt.Errorf("phone secret of club %d: %w", clubID, mapErr(err))
	}
	return s, nil
}

// PhoneSecretRemove deletes the club's phone secret set for provider; none
// for that provider (none at all, or one set for another) is ErrNotFound.
// The club's signed notifications from provider are refused from then on
// as when none was set.
func (db *DB) PhoneSecretRemove(ctx context.Context, clubID int64, provider string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM phone_secrets WHERE club_id = $1 AND provider = $2`, clubID, provider)
	if err != nil {
		return fmt.Errorf("remove the %s phone secret of club %d: %w", provider, clubID, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("remove the %s phone secret of club %d: %w", provider, clubID, domain.ErrNotFound)
	}
	return nil
}

// ClubPhoneSecret is a club's sealed phone secret with its club.
type ClubPhoneSecret struct {
	ClubID int64
	PhoneSecret
}

// PhoneSecretList returns every club's sealed phone secret, by club: the
// process checks at start that its SECRETS_KEY opens them (deliberately
// across clubs, like the bots).
func (db *DB) PhoneSecretList(ctx context.Context) ([]ClubPhoneSecret, error) {
	rows, err := db.pool.Query(ctx, `SELECT club_id, provider, secret_enc FROM phone_secrets ORDER BY club_id`)
	if err != nil {
		return nil, fmt.Errorf("phone secrets: %w", mapErr(err))
	}
	defer rows.Close()
	var out []ClubPhoneSecret
	for rows.Next() {
		var s ClubPhoneSecret
		if err := rows.Scan(&s.ClubID, &s.Provider, &s.Sealed); err != nil {
			return nil, fmt.Errorf("phone secrets: %w", mapErr(err))
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("phone secrets: %w", mapErr(err))
	}
	return out, nil
}

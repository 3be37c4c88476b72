// Package secret seals the deployment's stored secrets (a club's bot token,
// its webhook secret) with the key in SECRETS_KEY, so that a database dump
// or a backup holds no usable token.
//
// A Box is AES-256-GCM with a random nonce. Every ciphertext starts with a
// format byte and a key id byte, so a later change of key can tell which
// key sealed a row (and refuse, with a clear error, a row sealed under a key
// the process does not have). The additional data binds a ciphertext to its
// row and column (RowAAD): a token copied into another row, or into the
// webhook secret's column, does not open.
//
// The package is pure: it reads randomness from crypto/rand and nothing else.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeySize is the length of SECRETS_KEY once decoded: 32 bytes, AES-256.
const KeySize = 32

// format is the first byte of every ciphertext: the layout
// format | key id | nonce (12) | AES-GCM sealed text and tag (16).
const format byte = 1

const nonceSize = 12

// Overhead is how many bytes a sealed text has beyond its plaintext.
const Overhead = 2 + nonceSize + 16

// Errors of Open. None of them says anything about the plaintext.
var (
	// ErrMalformed is a ciphertext too short or of an unknown format.
	ErrMalformed = errors.New("sealed secret is malformed")
	// ErrOtherKey is a ciphertext sealed under another SECRETS_KEY.
	ErrOtherKey = errors.New("sealed under another SECRETS_KEY")
	// ErrTampered is a ciphertext that does not open: altered, or moved to
	// another row or column than it was sealed for.
	ErrTampered = errors.New("sealed secret does not open: altered, or not sealed for this row")
)

// Box seals and opens secrets with one key. Make it with New; it is safe
// for concurrent use.
type Box struct {
	aead    cipher.AEAD
	keyID   byte
	hashKey []byte
}

// New builds a Box from SECRETS_KEY's value: 32 random bytes written as
// base64 (standard or URL alphabet, padded or not) or as 64 hex digits;
// surrounding white space is ignored. An empty value or any other shape is
// an error that names SECRETS_KEY and never repeats the value.
func New(value string) (*Box, error) {
	key, err := parseKey(value)
	if err != nil {
		return nil, err
	}
	// Separate keys for sealing, for hashing and for the key id, derived
	// from the one secret, so that none of their outputs says anything
	// about the others.
	encKey, err := hkdf.Key(sha256.New, key, nil, "clubcrm secret box v1: aes-256-gcm", KeySize)
	if err != nil {
		return nil, fmt.Errorf("SECRETS_KEY: derive the sealing key: %w", err)
	}
	hashKey, err := hkdf.Key(sha256.New, key, nil, "clubcrm secret box v1: hmac-sha256", KeySize)
	if err != nil {
		return nil, fmt.Errorf("SECRETS_KEY: derive the hashing key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, key, nil, "clubcrm secret box v1: key id", 1)
	if err != nil {
		return nil, fmt.Errorf("SECRETS_KEY: derive the key id: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("SECRETS_KEY: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("SECRETS_KEY: %w", err)
	}
	return &Box{aead: aead, keyID: id[0], hashKey: hashKey}, nil
}

// ErrNoKey is New's error for an empty SECRETS_KEY.
var ErrNoKey = errors.New("SECRETS_KEY is not set; generate one with `openssl rand -base64 32` and keep it with the database's backups")

// parseKey decodes SECRETS_KEY. Its errors give the length found, never
// the characters.
func parseKey(value string) ([]byte, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return nil, ErrNoKey
	}
	if len(v) == 2*KeySize {
		if b, err := hex.DecodeString(v); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(v)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("SECRETS_KEY must be %d random bytes, but it decodes to %d bytes; generate one with `openssl rand -base64 32`", KeySize, len(b))
		}
		return b, nil
	}
	return nil, fmt.Errorf("SECRETS_KEY must be %d random bytes written as base64 (44 characters) or hex (64), but its %d characters are neither; generate one with `openssl rand -base64 32`", KeySize, len(v))
}

// KeyID is the id byte this Box writes into what it seals, derived from the
// key: ciphertexts with another id were sealed under another key.
func (b *Box) KeyID() byte { return b.keyID }

// Seal encrypts plaintext for the row and column aad names (RowAAD).
func (b *Box) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, 2+nonceSize, Overhead+len(plaintext))
	out[0], out[1] = format, b.keyID
	if _, err := rand.Read(out[2:]); err != nil {
		return nil, fmt.Errorf("seal: read a nonce: %w", err)
	}
	return b.aead.Seal(out, out[2:2+nonceSize], plaintext, aad), nil
}

// Open decrypts what Seal sealed for the same aad. It returns ErrMalformed,
// ErrOtherKey or ErrTampered, and no plaintext, when it cannot.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < Overhead || sealed[0] != format {
		return nil, ErrMalformed
	}
	if sealed[1] != b.keyID {
		return nil, ErrOtherKey
	}
	plain, err := b.aead.Open(nil, sealed[2:2+nonceSize], sealed[2+nonceSize:], aad)
	if err != nil {
		// GCM cannot tell a wrong key (whose id byte collided, 1 in 256)
		// from an altered text or another row's aad.
		return nil, ErrTampered
	}
	return plain, nil
}

// Hash is HMAC-SHA256 of data under a key derived from SECRETS_KEY: a
// stored fingerprint that finds a token already in use without opening
// every row, and that a database leak cannot test guesses against without
// the key. It changes with the key.
func (b *Box) Hash(data []byte) []byte {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write(data)
	return m.Sum(nil)
}

// RowAAD is the additional data that binds a sealed value to its table, row
// and column, e.g. RowAAD("bots", 7, "token_enc").
func RowAAD(table string, id int64, column string) []byte {
	return []byte(table + ":" + strconv.FormatInt(id, 10) + ":" + column)
}

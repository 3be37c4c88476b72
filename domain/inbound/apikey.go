package inbound

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// keyPrefix marks clubcrm API keys, so a key pasted in the wrong place is
// recognisable (and secret scanners can find leaked ones).
const keyPrefix = "cck_"

// NewAPIKey returns a random API key (256 bits), the hash to store and a
// short prefix to show in lists. Only the hash is kept: a database leak does
// not hand out working keys.
func NewAPIKey() (key string, hash []byte, prefix string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	key = keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, HashAPIKey(key), key[:len(keyPrefix)+6]
}

// HashAPIKey hashes a key as it is stored.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// BearerKey extracts the key from an Authorization header value
// ("Bearer KEY"); empty when there is none.
func BearerKey(header string) string {
	scheme, key, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}

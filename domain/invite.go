package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// InviteTTL is how long an invite link stays valid.
const InviteTTL = 7 * 24 * time.Hour

// NewInviteCode returns a random invite code fit for a Telegram deep link
// (43 characters of [A-Za-z0-9_-], 256 bits) and the hash to store. Only the
// hash is kept, so a database leak does not hand out working invites.
func NewInviteCode() (code string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	code = base64.RawURLEncoding.EncodeToString(b)
	return code, HashInviteCode(code)
}

// HashInviteCode hashes a code as it is stored.
func HashInviteCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// ValidInviteCodeSyntax reports whether s could be an invite code: 1..64
// characters of [A-Za-z0-9_-], as Telegram allows in a start parameter.
func ValidInviteCodeSyntax(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

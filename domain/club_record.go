package domain

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// slugPattern mirrors the CHECK on clubs.slug.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Limits the clubs table sets on a club's text.
const (
	MaxClubNameLen  = 200
	MaxPhoneCodeLen = 4
)

// ValidateRecord checks a club before it is stored: a valid slug, then
// Validate, then what the schema would otherwise refuse with a bare
// constraint name (a name too long or not valid text, a phone code too long),
// so a bad club is a clear validation error.
func (c Club) ValidateRecord() error {
	if !slugPattern.MatchString(c.Slug) {
		return Invalid(CodeClubSlugInvalid, fmt.Sprintf("club slug %q must be 1-63 lowercase latin letters, digits, \"_\" or \"-\"", c.Slug), nil)
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(c.Name); n > MaxClubNameLen || !utf8.ValidString(c.Name) || strings.ContainsRune(c.Name, 0) {
		return Invalid(CodeClubNameInvalid, "club name must be valid text of at most 200 characters", nil)
	}
	if len(c.PhoneCode) > MaxPhoneCodeLen {
		return Invalid(CodePhoneCodeInvalid, fmt.Sprintf("phone code %q has more than 4 digits", c.PhoneCode), nil)
	}
	return nil
}

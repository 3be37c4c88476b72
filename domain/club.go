package domain

import (
	"fmt"
	"strings"
	"time"
)

// Language is a UI language the product ships a catalog for.
type Language string

// Supported languages.
const (
	LangRU Language = "ru"
	LangUK Language = "uk"
	LangEN Language = "en"
)

// Languages lists the supported languages in menu order.
var Languages = []Language{LangRU, LangUK, LangEN}

// ParseLanguage maps a Telegram language_code ("ru", "uk-UA", "en-GB") to a
// supported language; ok is false when none matches.
func ParseLanguage(code string) (Language, bool) {
	code = strings.ToLower(code)
	if i := strings.IndexAny(code, "-_"); i > 0 {
		code = code[:i]
	}
	for _, l := range Languages {
		if string(l) == code {
			return l, true
		}
	}
	return "", false
}

// Club is one tenant: an organisation whose data no other club ever sees.
type Club struct {
	ID         int64
	Slug       string // stable key used by plan files
	Name       string
	TimeZone   string // IANA name, e.g. "Europe/Kyiv"
	Language   Language
	DigestHour int    // local hour (0-23) of the managers' daily digest
	PhoneCode  string // default country calling code for local numbers, digits only, e.g. "380"
	// WorkingHours: when the club is open; the zero value means
	// DefaultWorkingHours (see Hours).
	WorkingHours WorkingHours
	// ViberFreeWindowOnly: the morning list goes to a Viber person only
	// inside the 24 hours after their own last message, when Viber does not
	// bill the bot for it (plan key viber_free_window_only; default off).
	ViberFreeWindowOnly bool
	CreatedAt           time.Time
}

// Hours is the club's working hours, DefaultWorkingHours when unset.
func (c Club) Hours() WorkingHours {
	if c.WorkingHours == (WorkingHours{}) {
		return DefaultWorkingHours
	}
	return c.WorkingHours
}

// Location loads the club's time zone.
func (c Club) Location() (*time.Location, error) {
	return LoadLocation(c.TimeZone)
}

// LoadLocation loads an IANA time zone, refusing the empty string and "Local"
// (which would silently mean the server's zone).
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, Invalid(CodeTimeZoneInvalid, fmt.Sprintf("time zone %q is not an IANA zone name", name), map[string]any{"zone": name})
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Invalid(CodeTimeZoneInvalid, fmt.Sprintf("unknown time zone %q", name), map[string]any{"zone": name})
	}
	return loc, nil
}

// Validate checks the club's settings.
func (c Club) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return Invalid(CodeClubNameRequired, "club name is required", nil)
	}
	if _, err := c.Location(); err != nil {
		return err
	}
	if _, ok := ParseLanguage(string(c.Language)); !ok || string(c.Language) != strings.ToLower(string(c.Language)) {
		return Invalid(CodeLanguageInvalid, fmt.Sprintf("language %q is not one of ru, uk, en", c.Language), nil)
	}
	if c.DigestHour < 0 || c.DigestHour > 23 {
		return Invalid(CodeDigestHourInvalid, fmt.Sprintf("digest hour %d is outside 0..23", c.DigestHour), nil)
	}
	if err := c.Hours().Validate(); err != nil {
		return err
	}
	if c.PhoneCode != "" && !isDigits(c.PhoneCode) {
		return Invalid(CodePhoneCodeInvalid, fmt.Sprintf("phone code %q must be digits", c.PhoneCode), nil)
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

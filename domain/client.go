package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ClientStatus is where a client stands with the club.
type ClientStatus string

// Client statuses.
const (
	ClientLead   ClientStatus = "lead"   // has shown interest, never visited
	ClientTrial  ClientStatus = "trial"  // booked or attended a trial lesson
	ClientActive ClientStatus = "active" // holds a subscription
	ClientLapsed ClientStatus = "lapsed" // used to come, stopped
)

// ClientStatuses lists every status in display order.
var ClientStatuses = []ClientStatus{ClientLead, ClientTrial, ClientActive, ClientLapsed}

// ParseClientStatus validates a status name; the empty string means lead.
func ParseClientStatus(s string) (ClientStatus, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ClientLead, nil
	}
	for _, st := range ClientStatuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", Invalid(CodeClientStatusInvalid, fmt.Sprintf("client status %q is not one of lead, trial, active, lapsed", s), nil)
}

// Client is a customer or lead of the club (often a child's parent). Clients
// never use the bot; they are the subject of tasks.
type Client struct {
	ID        int64
	ClubID    int64
	Name      string
	Phones    []string // E.164, first is primary
	Email     string
	Status    ClientStatus
	Groups    []string // directions and groups, e.g. "Yoga", "Kids dance 5-7"
	Notes     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits on client data, enforced by Validate and by the database.
const (
	MaxNameLen  = 200
	MaxEmailLen = 254
	MaxNotesLen = 4000
	MaxGroupLen = 100
)

// Validate checks a client before it is stored.
func (c Client) Validate() error {
	name := strings.TrimSpace(c.Name)
	if name == "" {
		return Invalid(CodeClientNameRequired, "client name is required", nil)
	}
	if utf8.RuneCountInString(name) > MaxNameLen {
		return Invalid(CodeTooLong, fmt.Sprintf("client name is longer than %d characters", MaxNameLen), map[string]any{"limit": MaxNameLen})
	}
	// PostgreSQL text cannot hold a NUL byte; refused here, a row of an
	// import is reported as bad instead of failing the whole COPY.
	if hasNUL(c.Name, c.Email, c.Notes) || hasNUL(c.Groups...) {
		return Invalid(CodeTextInvalid, "client data must not contain NUL characters", nil)
	}
	if c.Email != "" && !validEmail(c.Email) {
		return Invalid(CodeEmailInvalid, fmt.Sprintf("e-mail %q is not valid", c.Email), nil)
	}
	if _, err := ParseClientStatus(string(c.Status)); err != nil {
		return err
	}
	for _, p := range c.Phones {
		if !IsE164(p) {
			return Invalid(CodePhoneInvalid, fmt.Sprintf("phone %q is not in E.164 form", p), nil)
		}
	}
	for _, g := range c.Groups {
		if utf8.RuneCountInString(g) > MaxGroupLen {
			return Invalid(CodeTooLong, fmt.Sprintf("group %q is longer than %d characters", g, MaxGroupLen), map[string]any{"limit": MaxGroupLen})
		}
	}
	if utf8.RuneCountInString(c.Notes) > MaxNotesLen {
		return Invalid(CodeTooLong, fmt.Sprintf("notes are longer than %d characters", MaxNotesLen), map[string]any{"limit": MaxNotesLen})
	}
	return nil
}

func hasNUL(list ...string) bool {
	for _, s := range list {
		if strings.IndexByte(s, 0) >= 0 {
			return true
		}
	}
	return false
}

func validEmail(s string) bool {
	if len(s) > MaxEmailLen || strings.ContainsAny(s, " \t\r\n,;<>") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 {
		return false
	}
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// IsE164 reports whether p is "+" followed by 8 to 15 digits, the first not 0.
func IsE164(p string) bool {
	if len(p) < 9 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	return isDigits(p[1:])
}

// NormalizePhone turns a phone as people type it ("+38 (066) 098-02-05",
// "066 098 0205", "8 916 123 45 67", "00380660980205") into E.164.
// defaultCode is the club's country calling code (digits, e.g. "380"); it is
// used for numbers written without one. Trunk prefixes are handled for the
// codes whose numbering plans the clubs use: a leading 0 for most European
// plans (Ukraine's 0XX XXX XX XX becomes +380 XX XXX XX XX), and Russia's and
// Kazakhstan's 8 for code 7.
func NormalizePhone(raw, defaultCode string) (string, error) {
	invalid := func(why string) error {
		return Invalid(CodePhoneInvalid, fmt.Sprintf("phone %q %s", raw, why), map[string]any{"phone": raw})
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid("is empty")
	}
	var b strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '\u00a0':
		default:
			return "", invalid("has characters other than digits")
		}
	}
	d := b.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case defaultCode == "":
		return "", invalid("has no country code")
	case defaultCode == "7" && len(d) == 11 && (d[0] == '8' || d[0] == '7'):
		d = "7" + d[1:]
	case strings.HasPrefix(d, defaultCode) && len(d) > 10:
		// already carries the country code, written without "+"
	case defaultCode == "380" && len(d) == 11 && strings.HasPrefix(d, "80"):
		d = "3" + d // "80 66 ..." is how many write +380 66 ...
	case d != "" && d[0] == '0':
		d = defaultCode + d[1:]
	default:
		d = defaultCode + d
	}
	p := "+" + d
	if !IsE164(p) {
		return "", invalid("is not a valid international number")
	}
	return p, nil
}

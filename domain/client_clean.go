package domain

import (
	"fmt"
	"strings"
)

// MaxClientPhones is how many phones one client may have.
const MaxClientPhones = 10

// CleanClient is what a client must be before it is stored, whichever edge
// wrote it: its text trimmed, repeated phones and groups dropped, Validate
// passed, and one to MaxClientPhones phones.
func CleanClient(c Client) (Client, error) {
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.TrimSpace(c.Email)
	c.Notes = strings.TrimSpace(c.Notes)
	c.Phones = UniqueStrings(c.Phones)
	c.Groups = UniqueStrings(c.Groups)
	if err := c.Validate(); err != nil {
		return Client{}, err
	}
	if len(c.Phones) == 0 {
		return Client{}, Invalid(CodeClientPhoneRequired, fmt.Sprintf("client %q has no phone; a phone is required", c.Name), nil)
	}
	if len(c.Phones) > MaxClientPhones {
		return Client{}, Invalid(CodeClientPhonesTooMany,
			fmt.Sprintf("client %q has %d phones; at most %d are allowed", c.Name, len(c.Phones), MaxClientPhones),
			map[string]any{"limit": MaxClientPhones})
	}
	return c, nil
}

// UniqueStrings trims and drops empty and repeated strings, keeping order.
// It never returns nil: the store writes a nil slice as NULL, not as an
// empty array.
func UniqueStrings(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s != "" && !containsString(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Package callback encodes and decodes inline-button callback data: compact,
// versioned, at most 64 bytes (Telegram's limit). Data is
//
//	v1|<action>|<arg>|<arg>...
//
// where action is a short name ("tk" take, "tc" card, ...) and args are
// decimal ids or short words. A button shown to a person who is staff of
// several clubs also names the club it was drawn in: "v1:<club>|…"
// (WithClub), so a tap on it while they work in another club acts in the
// right one, or not at all. Callback data is never trusted: it names what
// the person tapped, and the server re-checks club and rights on every tap.
// A button from an older layout carries another version and decodes to
// ErrStale, which the bot answers with "this button is out of date".
package callback

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is the current layout version.
const Version = "v1"

// MaxLen is Telegram's limit on callback data.
const MaxLen = 64

// Errors from Decode.
var (
	ErrStale     = errors.New("callback data from an older version")
	ErrMalformed = errors.New("malformed callback data")
)

// Data is decoded callback data.
type Data struct {
	Action string
	Args   []string
	// Club is the club the button was drawn in, when it says (WithClub);
	// 0 when it does not.
	Club int64
}

// New builds callback data. It panics if the result exceeds 64 bytes or an
// argument contains the separator: both are programming errors, caught by
// tests, never user input.
func New(action string, args ...any) string {
	parts := make([]string, 0, len(args)+2)
	parts = append(parts, Version, action)
	for _, a := range args {
		s := fmt.Sprint(a)
		if strings.Contains(s, "|") {
			panic("callback: argument contains '|': " + s)
		}
		parts = append(parts, s)
	}
	out := strings.Join(parts, "|")
	if len(out) > MaxLen {
		panic(fmt.Sprintf("callback: %q is %d bytes, over %d", out, len(out), MaxLen))
	}
	return out
}

// Decode parses callback data.
func Decode(s string) (Data, error) {
	if len(s) == 0 || len(s) > MaxLen {
		return Data{}, ErrMalformed
	}
	parts := strings.Split(s, "|")
	var club int64
	if v, c, ok := strings.Cut(parts[0], ":"); ok && v == Version {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			return Data{}, ErrMalformed
		}
		parts[0], club = v, id
	}
	if parts[0] != Version {
		if len(parts) >= 2 && len(parts[0]) >= 2 && parts[0][0] == 'v' {
			return Data{}, ErrStale // a layout this build no longer speaks
		}
		return Data{}, ErrMalformed
	}
	if len(parts) < 2 || parts[1] == "" {
		return Data{}, ErrMalformed
	}
	return Data{Action: parts[1], Args: parts[2:], Club: club}, nil
}

// WithClub is data (built by New) naming the club its button was drawn in.
// Data that already names a club, is not this version's, or would grow over
// MaxLen comes back unchanged: the tap then acts in the club the person
// works in, as before.
func WithClub(data string, club int64) string {
	rest, ok := strings.CutPrefix(data, Version+"|")
	if !ok || club <= 0 {
		return data
	}
	out := Version + ":" + strconv.FormatInt(club, 10) + "|" + rest
	if len(out) > MaxLen {
		return data
	}
	return out
}

// Int returns argument i as a positive int64 id.
func (d Data) Int(i int) (int64, error) {
	if i >= len(d.Args) {
		return 0, ErrMalformed
	}
	n, err := strconv.ParseInt(d.Args[i], 10, 64)
	if err != nil || n < 0 {
		return 0, ErrMalformed
	}
	return n, nil
}

// Str returns argument i.
func (d Data) Str(i int) (string, error) {
	if i >= len(d.Args) {
		return "", ErrMalformed
	}
	return d.Args[i], nil
}

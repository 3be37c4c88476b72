package plan

import (
	"fmt"
	"strconv"
	"time"
)

// maxOffset bounds offsets: a year is already more than any follow-up needs,
// and the schema stores minutes in an int.
const maxOffset = 366 * 24 * time.Hour

// ParseOffset reads an offset written as whole days, hours and minutes:
// "1d", "2h", "30m", "1d12h", "0"; with signed, a leading "-" means before
// ("-15m", used by reminders relative to the due time). Seconds and
// fractions are refused: the schema counts minutes.
func ParseOffset(s string, signed bool) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("empty offset")
	}
	neg := false
	rest := s
	if rest[0] == '-' || rest[0] == '+' {
		if !signed {
			return 0, fmt.Errorf("offset %q cannot be negative or signed; write e.g. \"1d\", \"2h\", \"30m\"", s)
		}
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	var total time.Duration
	last := 0 // rank of the last unit, so units go d, h, m and each once
	if rest == "" {
		return 0, fmt.Errorf("offset %q has no amount", s)
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("offset %q: write whole numbers with a unit d, h or m, e.g. \"1d\", \"2h\", \"30m\"", s)
		}
		if i > 6 {
			return 0, fmt.Errorf("offset %q is too large; at most 366d", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, fmt.Errorf("offset %q: %w", s, err)
		}
		var unit time.Duration
		var rank int
		switch rest[i] {
		case 'd':
			unit, rank = 24*time.Hour, 1
		case 'h':
			unit, rank = time.Hour, 2
		case 'm':
			unit, rank = time.Minute, 3
		default:
			return 0, fmt.Errorf("offset %q: unknown unit %q; use d, h or m", s, rest[i])
		}
		if rank <= last {
			return 0, fmt.Errorf("offset %q: write units once each, in the order d, h, m", s)
		}
		last = rank
		total += time.Duration(n) * unit
		if total > maxOffset {
			return 0, fmt.Errorf("offset %q is too large; at most 366d", s)
		}
		rest = rest[i+1:]
	}
	if neg {
		total = -total
	}
	return total, nil
}

// FormatOffset writes an offset the way ParseOffset reads it, for messages.
func FormatOffset(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	out := sign
	if days := d / (24 * time.Hour); days > 0 {
		out += strconv.FormatInt(int64(days), 10) + "d"
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		out += strconv.FormatInt(int64(h), 10) + "h"
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		out += strconv.FormatInt(int64(m), 10) + "m"
	}
	return out
}

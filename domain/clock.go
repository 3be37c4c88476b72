package domain

import "time"

// Clock tells the current time. Production code uses SystemClock; tests pass a
// fake so that reminders, digests and overdue checks are deterministic.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

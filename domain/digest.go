package domain

import "time"

// DigestDue decides whether the daily digest of a club whose zone is loc and
// whose digest hour is hour is due at now: it is due from the first instant
// of now's local date at which the clock shows hour:00 (see LocalTime: a
// skipped hour fires when the clocks jump, a repeated one on its first
// pass) until the local day ends. at is that instant. Firing at most once a
// date is the caller's job (daily_runs); this rule only makes sure every
// local date has exactly one moment, so a DST day neither skips nor doubles
// a digest, and a digest missed at its hour is still due later that day.
func DigestDue(now time.Time, loc *time.Location, hour int) (due bool, at time.Time) {
	y, m, d := now.In(loc).Date()
	at = LocalTime(y, m, d, hour, 0, loc)
	return !now.Before(at), at
}

// Package clocktest is the fake clock tests inject wherever the code takes a
// domain.Clock: set it, move it, read it from any goroutine.
package clocktest

import (
	"sync"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// Clock is a domain.Clock that only moves when told to. Safe for
// concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ domain.Clock = (*Clock)(nil)

// New returns a clock stopped at now.
func New(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now() // the zero Clock follows the wall clock until Set
	}
	return c.now
}

// Set moves the clock to t (forwards or back).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

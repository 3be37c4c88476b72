package clocktest

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	c := New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v", c.Now())
	}
	if got := c.Advance(90 * time.Minute); !got.Equal(start.Add(90 * time.Minute)) {
		t.Fatalf("Advance = %v", got)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Set: %v", c.Now())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Second); _ = c.Now() }()
	}
	wg.Wait()
	if got := c.Now().Sub(start); got != 8*time.Second {
		t.Fatalf("concurrent advances lost: %v", got)
	}
}

// The zero Clock follows the wall clock until it is set (for tests whose
// jobs run on asynq, which keeps real time), then stands still.
func TestZeroClockFollowsTheWallClockUntilSet(t *testing.T) {
	var c Clock
	before := time.Now()
	if got := c.Now(); got.Before(before) || got.After(time.Now()) {
		t.Fatalf("zero clock says %v, not the wall clock", got)
	}
	at := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	c.Set(at)
	time.Sleep(2 * time.Millisecond)
	if !c.Now().Equal(at) {
		t.Fatalf("a set clock moved: %v", c.Now())
	}
}

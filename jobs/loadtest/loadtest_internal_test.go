package loadtest

import (
	"testing"
	"time"
)

// TestPercentile: nearest rank, so p50 of 1..10 s is 5 s and p99 is the
// largest; none is 0.
func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 10; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Second)
	}
	for q, want := range map[float64]time.Duration{0.5: 5 * time.Second, 0.99: 10 * time.Second, 1: 10 * time.Second, 0.1: time.Second} {
		if got := percentile(ds, q); got != want {
			t.Errorf("percentile(%v) = %s, want %s", q, got, want)
		}
	}
	if ds[0] != 10*time.Second {
		t.Error("percentile sorted its argument in place")
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile of none = %s", got)
	}
}

// TestNoonZone: the default zone's local hour is 12 at every UTC hour, and
// the zone exists.
func TestNoonZone(t *testing.T) {
	for h := range 24 {
		now := time.Date(2030, 1, 1, h, 30, 0, 0, time.UTC)
		name := noonZone(now)
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("%02d:30 UTC: %s: %v", h, name, err)
		}
		if got := now.In(loc).Hour(); got != 12 {
			t.Errorf("%02d:30 UTC: %s says %d o'clock, want 12", h, name, got)
		}
	}
}

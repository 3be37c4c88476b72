package loadtest

import (
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/domain/chat"
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

// TestClubTransports: a staff chat goes through its own club's bot; a chat
// outside the load test's ranges has no transport.
func TestClubTransports(t *testing.T) {
	a, b := telegram.New(nil), telegram.New(nil)
	ct := clubTransports{byClub: []*telegram.Channel{a, b}}
	for _, c := range []struct {
		chat int64
		want *telegram.Channel
	}{{chatOf(0, 0), a}, {chatOf(0, 4), a}, {chatOf(1, 0), b}, {chatOf(1, 999), b}} {
		m, err := ct.For(chat.TelegramAddress(chat.DefaultBot, c.chat))
		if err != nil || m != c.want {
			t.Errorf("chat %d: %v, %v", c.chat, m, err)
		}
	}
	for _, id := range []int64{chatOf(2, 0), 42} {
		if _, err := ct.For(chat.TelegramAddress(chat.DefaultBot, id)); !errors.Is(err, chat.ErrNoTransport) {
			t.Errorf("chat %d: %v, want ErrNoTransport", id, err)
		}
	}
	if _, err := ct.For(chat.Address{Channel: chat.Viber, Chat: "abc"}); err == nil {
		t.Error("a Viber chat found a Telegram bot")
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

package telegramtest

import (
	"context"
	"errors"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/clubcrm/clubcrm/domain/clocktest"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	s := New(t)
	clk := clocktest.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	s.now = clk.Now
	b := s.NewBot(t)
	s.SetLimits(Limits{Global: 3, PerChat: 1})
	send := func(chat int64) error {
		_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: chat, Text: "hi"})
		return err
	}
	var tooMany *tgbot.TooManyRequestsError

	if err := send(1); err != nil {
		t.Fatalf("first to chat 1: %v", err)
	}
	clk.Advance(400 * time.Millisecond)
	if err := send(1); !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
		t.Errorf("second to chat 1 within a second: err = %v, want 429 retry 1", err)
	}
	if err := send(2); err != nil {
		t.Errorf("chat 2: %v", err)
	}
	if err := send(3); err != nil {
		t.Errorf("chat 3: %v", err)
	}
	if err := send(4); !errors.As(err, &tooMany) {
		t.Errorf("fourth message within a second: err = %v, want 429 (global 3/s)", err)
	}
	if v := s.Violations(); v != 2 {
		t.Errorf("violations = %d, want 2", v)
	}

	clk.Advance(601 * time.Millisecond) // chat 1's message is now over a second old
	if err := send(1); err != nil {
		t.Errorf("chat 1 after a second: %v", err)
	}
	if _, err := b.GetMe(context.Background()); err != nil {
		t.Errorf("getMe is not a message: %v", err)
	}
	if v := s.Violations(); v != 2 {
		t.Errorf("violations = %d, want still 2", v)
	}

	s.SetLimits(Limits{})
	for range 5 {
		if err := send(1); err != nil {
			t.Fatalf("limits off: %v", err)
		}
	}
}

func TestThrottleCountsDown(t *testing.T) {
	t.Parallel()
	s := New(t)
	clk := clocktest.New(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	s.now = clk.Now
	b := s.NewBot(t)
	send := func() error {
		_, err := b.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: 9, Text: "hi"})
		return err
	}
	s.Throttle(9, 5)
	var tooMany *tgbot.TooManyRequestsError
	if err := send(); !errors.As(err, &tooMany) || tooMany.RetryAfter != 5 {
		t.Fatalf("err = %v, want 429 retry 5", err)
	}
	clk.Advance(3500 * time.Millisecond)
	if err := send(); !errors.As(err, &tooMany) || tooMany.RetryAfter != 2 {
		t.Fatalf("err = %v, want 429 retry 2", err)
	}
	clk.Advance(1500 * time.Millisecond)
	if err := send(); err != nil {
		t.Fatalf("after the pause: %v", err)
	}
}

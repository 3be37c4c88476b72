package bot

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// A message waits for the chat's earlier messages, not for later ones nor
// for other chats'.
func TestTextOrder(t *testing.T) {
	t.Parallel()
	o := newTextOrder()
	ctx := context.Background()
	first := o.begin(chat.TelegramAddress(0, 1), 10)
	later := o.begin(chat.TelegramAddress(0, 1), 12)
	other := o.begin(chat.TelegramAddress(0, 2), 5)
	defer later()
	defer other()

	waited := make(chan struct{})
	go func() {
		o.waitEarlier(ctx, chat.TelegramAddress(0, 1), 11)
		close(waited)
	}()
	select {
	case <-waited:
		t.Fatal("message 11 did not wait for message 10")
	case <-time.After(50 * time.Millisecond):
	}
	first()
	first() // a second call does nothing
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("message 11 still waits after message 10 was handled")
	}
	// Nothing earlier in flight: no wait at all (a later message and another
	// chat's do not count).
	done := make(chan struct{})
	go func() {
		o.waitEarlier(ctx, chat.TelegramAddress(0, 1), 11)
		o.waitEarlier(ctx, chat.TelegramAddress(0, 3), 1)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("waited for a later message or another chat")
	}
}

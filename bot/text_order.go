package bot

import (
	"context"
	"sync"
	"time"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// textOrder lets a person's typed message wait for their earlier messages
// that are still being handled, so a form reads what they sent in the order
// they sent it. Updates are handled by several workers at once; without it,
// the short tail of a long paste (two messages sent together) could be read
// as the answer before its first part was refused.
//
// It orders the updates one process handles: all of them in polling mode;
// behind a load balancer in webhook mode, those that reach the same replica.
type textOrder struct {
	mu      sync.Mutex
	pending map[chat.Address][]pendingMessage // chat → its messages being handled
}

type pendingMessage struct {
	id   int64
	done chan struct{}
}

// textOrderWait bounds how long a message waits for earlier ones: it keeps
// the order of a burst without letting one stuck update hold up the chat.
const textOrderWait = 5 * time.Second

func newTextOrder() *textOrder {
	return &textOrder{pending: map[chat.Address][]pendingMessage{}}
}

// begin records message id of chat as being handled, before anything else
// is done with it; the returned func marks it handled (calling it again
// does nothing).
func (o *textOrder) begin(to chat.Address, id int64) func() {
	done := make(chan struct{})
	o.mu.Lock()
	o.pending[to] = append(o.pending[to], pendingMessage{id: id, done: done})
	o.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			o.mu.Lock()
			list := o.pending[to]
			for i, p := range list {
				if p.done == done {
					list = append(list[:i:i], list[i+1:]...)
					break
				}
			}
			if len(list) == 0 {
				delete(o.pending, to)
			} else {
				o.pending[to] = list
			}
			o.mu.Unlock()
			close(done)
		})
	}
}

// waitEarlier waits until the chat's messages sent before id are handled,
// at most textOrderWait.
func (o *textOrder) waitEarlier(ctx context.Context, to chat.Address, id int64) {
	o.mu.Lock()
	var earlier []chan struct{}
	for _, p := range o.pending[to] {
		if p.id < id {
			earlier = append(earlier, p.done)
		}
	}
	o.mu.Unlock()
	if len(earlier) == 0 {
		return
	}
	timer := time.NewTimer(textOrderWait)
	defer timer.Stop()
	for _, done := range earlier {
		select {
		case <-done:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

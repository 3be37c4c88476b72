package telegramtest

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"
)

// SetDelay makes the server answer method (matched case-insensitively)
// d late; method "" sets the delay of every method but getUpdates, whose
// long poll has its own timing. A method's own delay wins over the "" one;
// d = 0 removes it.
//
// The call takes effect at once (a message sent is in the chat and can be
// tapped) and only the answer is late, as on a slow mobile network or a
// loaded Bot API: the bot learns a message's id some time after the person
// already sees it.
func (s *Server) SetDelay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.delays == nil {
		s.delays = map[string]time.Duration{}
	}
	method = strings.ToLower(method)
	if d <= 0 {
		delete(s.delays, method)
		return
	}
	s.delays[method] = d
}

// delay is how late the answer to method goes out.
func (s *Server) delay(method string) time.Duration {
	method = strings.ToLower(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.delays[method]; ok {
		return d
	}
	if method == "getupdates" {
		return 0
	}
	return s.delays[""]
}

// SetClock replaces the server's clock (message dates, flood limits,
// throttling) with now, e.g. the test's fake clock, so a test can place a
// person's messages seconds apart without waiting.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// clock reads the server's clock under its lock.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	now := s.now
	s.mu.Unlock()
	return now()
}

// LateBody is a request body that sends its first Free bytes at once and
// the rest Hold later, as a photo upload on a slow network does: a client's
// transport wraps a request's Body in it, to see the server count the call
// when the whole body is in. Ctx, when set (the request's context), cuts
// the hold short. Freed tells when it let the rest go: not when its reader
// saw the end, which is one Read after the last bytes left.
type LateBody struct {
	Body io.ReadCloser
	Free int
	Hold time.Duration
	Ctx  context.Context

	sent  int
	held  bool
	mu    sync.Mutex
	freed time.Time
}

func (b *LateBody) Read(p []byte) (int, error) {
	if !b.held && b.sent >= b.Free {
		b.held = true
		ctx := b.Ctx
		if ctx == nil {
			ctx = context.Background()
		}
		t := time.NewTimer(b.Hold)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		b.mu.Lock()
		b.freed = time.Now()
		b.mu.Unlock()
	}
	if !b.held && len(p) > b.Free-b.sent {
		p = p[:b.Free-b.sent]
	}
	n, err := b.Body.Read(p)
	b.sent += n
	return n, err
}

// Close closes the wrapped body.
func (b *LateBody) Close() error { return b.Body.Close() }

// Freed is when the body let its held bytes go (zero until then).
func (b *LateBody) Freed() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.freed
}

package telegramtest

import (
	"strings"
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

package telegramtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// output methods put something in front of a person; flood limits and 429
// rules apply to them.
var output = map[string]bool{
	"sendmessage":            true,
	"sendphoto":              true,
	"senddocument":           true,
	"editmessagetext":        true,
	"editmessagereplymarkup": true,
}

// Limits are flood limits the server enforces when set with SetLimits:
// beyond them it answers 429 with retry_after and counts a violation. They
// apply to sent and edited messages, count accepted ones only, and are
// measured at arrival over a sliding second, strictly: a client pacing at
// exactly the limit will see network jitter push it over, so leave a margin.
type Limits struct {
	Global  int // messages per second over all chats; 0: unlimited
	PerChat int // messages per second to one chat; 0: unlimited
}

// fault is a one-shot failure queued by FailNext.
type fault struct {
	method     string // lower case; "" matches any
	chatID     int64  // 0 matches any
	code       int
	retryAfter int
}

// FailNext makes the next call of method (any method when "") to chatID (any
// chat when 0) fail with code: 429 answers with retry_after, 403 as a bot
// blocked by the user, 400 as a bad request, anything else as an internal
// error. Faults queue up and each fires once.
func (s *Server) FailNext(method string, chatID int64, code int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{method: strings.ToLower(method), chatID: chatID, code: code, retryAfter: retryAfter})
}

// Throttle answers 429 to every message sent or edited in chatID (every chat
// when 0) for the next retryAfter seconds, with retry_after counting down, as
// Telegram's flood control does. Throttle(chatID, 0) lifts it.
func (s *Server) Throttle(chatID int64, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if retryAfter <= 0 {
		delete(s.throttled, chatID)
		return
	}
	s.throttled[chatID] = s.now().Add(time.Duration(retryAfter) * time.Second)
}

// Block answers every call to chatID with 403 "bot was blocked by the user"
// until Unblock.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock lifts Block, as when the person restarts the bot.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// SetLimits turns on flood-limit enforcement; the zero Limits turns it off.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	s.recentAll, s.recent = nil, map[int64][]time.Time{}
}

// Violations is how many calls the limits set with SetLimits refused.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violation
}

// fault decides whether a call fails before its method runs: a queued
// FailNext, a blocked chat, a throttled chat, or the flood limits.
func (s *Server) fault(c *Call, now time.Time) *apiError {
	method := strings.ToLower(c.Method)
	chatID := c.ChatID()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.method == "" || f.method == method) && (f.chatID == 0 || f.chatID == chatID) {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return failure(f.code, f.retryAfter)
		}
	}
	if chatID != 0 && s.blocked[chatID] {
		return failure(http.StatusForbidden, 0)
	}
	if !output[method] {
		return nil
	}
	for _, id := range []int64{chatID, 0} {
		if until, ok := s.throttled[id]; ok {
			if left := until.Sub(now); left > 0 {
				return failure(http.StatusTooManyRequests, seconds(left))
			}
			delete(s.throttled, id)
		}
	}
	return s.admitLocked(chatID, now)
}

// admitLocked applies Limits: it refuses a message that would exceed them and
// otherwise counts it.
func (s *Server) admitLocked(chatID int64, now time.Time) *apiError {
	l := s.limits
	if l.Global <= 0 && l.PerChat <= 0 {
		return nil
	}
	since := now.Add(-time.Second)
	s.recentAll = prune(s.recentAll, since)
	chat := prune(s.recent[chatID], since)
	if e := s.overLocked(s.recentAll, l.Global, now); e != nil {
		return e
	}
	if e := s.overLocked(chat, l.PerChat, now); e != nil {
		return e
	}
	s.recentAll = append(s.recentAll, now)
	s.recent[chatID] = append(chat, now)
	if len(s.recent) > 10_000 { // keep memory flat in long benchmarks
		for id, ts := range s.recent {
			if len(ts) == 0 || !ts[len(ts)-1].After(since) {
				delete(s.recent, id)
			}
		}
	}
	return nil
}

// overLocked answers 429 when ts already holds limit messages, with
// retry_after until the oldest of them leaves the window.
func (s *Server) overLocked(ts []time.Time, limit int, now time.Time) *apiError {
	if limit <= 0 || len(ts) < limit {
		return nil
	}
	s.violation++
	return failure(http.StatusTooManyRequests, seconds(ts[len(ts)-limit].Add(time.Second).Sub(now)))
}

// prune drops the times at or before since from the front of ts.
func prune(ts []time.Time, since time.Time) []time.Time {
	for len(ts) > 0 && !ts[0].After(since) {
		ts = ts[1:]
	}
	return ts
}

// seconds rounds a wait up to whole seconds, at least one, as retry_after is.
func seconds(d time.Duration) int {
	n := int((d + time.Second - 1) / time.Second)
	return max(n, 1)
}

// failure builds the answer Telegram gives for a status code.
func failure(code, retryAfter int) *apiError {
	switch code {
	case http.StatusTooManyRequests:
		retryAfter = max(retryAfter, 1)
		return &apiError{Code: code, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
	case http.StatusForbidden:
		return &apiError{Code: code, Description: "Forbidden: bot was blocked by the user"}
	case http.StatusBadRequest:
		return badRequest("injected failure")
	case http.StatusUnauthorized:
		return &apiError{Code: code, Description: "Unauthorized"}
	default:
		return &apiError{Code: code, Description: "Internal Server Error"}
	}
}

// Hold keeps every call of method unhandled for d, as a Telegram that does
// not answer at all; Hold(method, 0) lifts it, and calls already held are
// then handled at once. A client that gives up first (its context ends) gets
// no answer and the call is not recorded, as a request Telegram never saw.
// (SetDelay is the other kind of slowness: the call takes effect at once and
// only its answer is late.)
func (s *Server) Hold(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.holds, strings.ToLower(method))
	} else {
		s.holds[strings.ToLower(method)] = d
	}
	close(s.holdsSet)
	s.holdsSet = make(chan struct{})
}

// hold keeps a call for its method's Hold; false when the client or the
// server gave up first.
func (s *Server) hold(ctx context.Context, method string) bool {
	start := time.Now()
	for {
		s.mu.Lock()
		d, changed := s.holds[strings.ToLower(method)], s.holdsSet
		s.mu.Unlock()
		left := d - time.Since(start)
		if left <= 0 {
			return true
		}
		t := time.NewTimer(left)
		select {
		case <-t.C:
		case <-changed:
		case <-ctx.Done():
			t.Stop()
			return false
		case <-s.closed:
			t.Stop()
			return false
		}
		t.Stop()
	}
}

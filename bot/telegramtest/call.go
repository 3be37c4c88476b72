package telegramtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// File is an uploaded file as the server received it.
type File struct {
	Name  string // file name from the multipart part
	Size  int
	Bytes []byte
}

// Call is one Bot API request as the server received it, with its outcome.
type Call struct {
	Method string // as the client spelled it, e.g. "sendMessage"
	// Params holds every parameter as text; JSON values (reply_markup,
	// entities, commands) are kept as their JSON text, see JSON.
	Params map[string]string
	Files  map[string]File // uploads by parameter name ("photo", "document")
	Time   time.Time       // arrival: when the whole request (its body too) was in

	Code        int    // 200, or the error_code answered
	Description string // the error description when Code is not 200
	RetryAfter  int    // parameters.retry_after answered with a 429
}

// OK reports whether the server answered the call successfully.
func (c Call) OK() bool { return c.Code == 200 }

// Int parses an integer parameter; 0 when absent or not a number.
func (c Call) Int(name string) int64 {
	n, _ := strconv.ParseInt(c.Params[name], 10, 64)
	return n
}

// ChatID is the chat_id parameter; 0 when absent.
func (c Call) ChatID() int64 { return c.Int("chat_id") }

// Text is the text parameter, or the caption of a photo or document, as sent
// (HTML not rendered).
func (c Call) Text() string {
	if t, ok := c.Params["text"]; ok {
		return t
	}
	return c.Params["caption"]
}

// JSON decodes a JSON-encoded parameter (reply_markup, entities, ...) into v.
func (c Call) JSON(name string, v any) error {
	raw, ok := c.Params[name]
	if !ok {
		return fmt.Errorf("parameter %s not sent", name)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("parameter %s: %w", name, err)
	}
	return nil
}

// Keyboard is the inline keyboard in reply_markup; nil when there is none.
func (c Call) Keyboard() [][]models.InlineKeyboardButton {
	var m models.InlineKeyboardMarkup
	if c.JSON("reply_markup", &m) != nil {
		return nil
	}
	return m.InlineKeyboard
}

// String is a one-line summary for failure reports.
func (c Call) String() string {
	out := c.Method
	if id := c.ChatID(); id != 0 {
		out += fmt.Sprintf(" chat=%d", id)
	}
	if id := c.Int("message_id"); id != 0 {
		out += fmt.Sprintf(" message=%d", id)
	}
	if t := c.Text(); t != "" {
		out += fmt.Sprintf(" text=%q", clip(t, 80))
	}
	if d := c.Params["data"]; d != "" {
		out += fmt.Sprintf(" data=%q", d)
	}
	if c.Code != 200 {
		out += fmt.Sprintf(" → %d %s", c.Code, c.Description)
	}
	return out
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// record appends a finished call and wakes WaitFor.
func (s *Server) record(c Call, e *apiError) {
	c.Code = 200
	if e != nil {
		c.Code, c.Description, c.RetryAfter = e.Code, e.Description, e.RetryAfter
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
	s.mu.Unlock()
}

// notifyLocked wakes everyone waiting for a new call or update.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Calls returns every call so far, in the order they were answered.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls of one method (matched case-insensitively).
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor waits until a call made since the last injected update (SendText,
// Tap, Press, Inject, PostWebhook; or since the start when none was) matches,
// and returns the first such call. On timeout it fails the test with the
// recent calls. Scoping to the last update means "the bot's reaction to what
// the person just did", not an older reply that happens to match.
func (s *Server) WaitFor(t testing.TB, match func(Call) bool, timeout time.Duration) Call {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := -1
	for {
		s.mu.Lock()
		if seen < s.cursor {
			seen = s.cursor
		}
		for ; seen < len(s.calls); seen++ {
			if match(s.calls[seen]) {
				c := s.calls[seen]
				s.mu.Unlock()
				return c
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("telegramtest: no matching call within %s; recent calls:\n%s", timeout, s.dump(20))
			return Call{}
		}
	}
}

// dump lists the last n calls, one per line.
func (s *Server) dump(n int) string {
	calls := s.Calls()
	if len(calls) > n {
		calls = calls[len(calls)-n:]
	}
	if len(calls) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "  %s %s\n", c.Time.Format("15:04:05.000"), c)
	}
	return b.String()
}

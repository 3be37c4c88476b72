package bot

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A panic in a handler is logged with its stack, the person gets a short
// apology (and a tap its answer), and the bot keeps serving.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	h := setupWith(t, func(rt *router) {
		rt.command("boom", func(r *request) error { panic("kaboom") })
		rt.action("bm", func(r *request) error { panic("kaboom on tap") })
	})

	h.say(h.staff, "/boom")
	if got := h.lastText(h.staff); got != h.text("bot.err.internal", nil) {
		t.Fatalf("after a panic the person got %q", got)
	}
	logs := h.logs.String()
	expect(t, "log", logs, "panic in handler", "kaboom", "stack=", "middleware_test.go", "staff_id=")

	h.tapData(h.staff, 0, data("bm"))
	h.expectAnswer("a panicking tap", h.text("bot.err.internal", nil))
	h.noUnanswered()

	h.say(h.staff, "/tasks")
	expect(t, "still serving", h.lastText(h.staff), "My tasks")
}

// An unexpected error is logged with details; the person gets an apology
// that reveals none of them.
func TestUnexpectedErrorLogged(t *testing.T) {
	t.Parallel()
	h := setupWith(t, func(rt *router) {
		rt.command("fail", func(r *request) error { return errors.New("connection to 10.0.0.7 reset") })
	})
	h.say(h.staff, "/fail")
	if got := h.lastText(h.staff); got != h.text("bot.err.internal", nil) {
		t.Fatalf("person got %q", got)
	}
	expect(t, "log", h.logs.String(), "handler failed", "10.0.0.7", "action=cmd:fail")
}

// Long texts go out split at Telegram's limit, buttons under the last piece.
func TestLongReplySplit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Line of a long report with <b>bold</b> words.\n", 300) // ~14,000 characters
	h := setupWith(t, func(rt *router) {
		rt.command("long", func(r *request) error {
			_, err := r.reply(long, [][]chat.Button{row(btn("OK", "tl", "a", 0))})
			return err
		})
	})
	h.say(h.staff, "/long")
	sent := h.tg.Sent(h.staff.ID)
	if len(sent) < 4 {
		t.Fatalf("a %d-character text went out as %d messages", len(long), len(sent))
	}
	var joined strings.Builder
	for i, m := range sent {
		if n := len(utf16.Encode([]rune(m.Text))); n > telegram.MaxMessageLen {
			t.Fatalf("piece %d is %d long", i, n)
		}
		if (len(m.Keyboard) > 0) != (i == len(sent)-1) {
			t.Fatalf("piece %d keyboard: %v", i, m.Buttons())
		}
		joined.WriteString(m.Source)
	}
	if joined.String() != long {
		t.Fatal("the pieces do not add up to the text")
	}
}

// Writing to the bot clears "unreachable" (set when Telegram refused a
// message) and asks the workers, through the outbox, to catch them up.
func TestMessageClearsUnreachable(t *testing.T) {
	t.Parallel()
	h := setup(t)
	pgtest.Exec(t, h.db, `UPDATE staff_identities SET unreachable_at = now() WHERE staff_id = $1`, h.f.Staff.ID)
	h.say(h.staff, "/help")
	h.expectRows("still unreachable", 1, `SELECT count(*) FROM staff_identities WHERE staff_id = $1 AND unreachable_at IS NULL`, h.f.Staff.ID)
	h.expectRows("staff.reachable rows", 1, `SELECT count(*) FROM outbox WHERE kind = 'staff.reachable'`)
	h.say(h.staff, "/help")
	h.expectRows("staff.reachable rows after a second message", 1, `SELECT count(*) FROM outbox WHERE kind = 'staff.reachable'`)
}

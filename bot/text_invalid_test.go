package bot

import (
	"strings"
	"testing"
)

// Text with a NUL byte (valid UTF-8, but PostgreSQL cannot store it) is
// refused with a message that says so, wherever it is typed, and the form
// waits for the text again; the bot does not fall back to the generic
// "can't be accepted" or log a rule without a message.
func TestTypedTextWithNULIsRefusedClearly(t *testing.T) {
	t.Parallel()
	h := setup(t)
	want := h.text("bot.err.text_invalid", nil)

	h.say(h.staff, "/new")
	h.tap(h.staff, "Template check")
	h.say(h.staff, "Pe\x00tro")
	expect(t, "search with NUL", h.lastText(h.staff), want)

	h.say(h.staff, "Petro")
	h.tap(h.staff, "➕ New client")
	h.say(h.staff, "Petro\x00 Sahaidachny")
	expect(t, "client name with NUL", h.lastText(h.staff), want)
	h.expectRows("clients", 2, `SELECT count(*) FROM clients WHERE club_id = $1`, h.f.Club.ID)

	// The form still asks for the name.
	h.say(h.staff, "Petro Sahaidachny")
	expect(t, "phone step", h.lastText(h.staff), "Petro Sahaidachny")
	if logs := h.logs.String(); strings.Contains(logs, "rule without a message") || strings.Contains(logs, "handler failed") {
		t.Fatalf("logs:\n%s", logs)
	}
}

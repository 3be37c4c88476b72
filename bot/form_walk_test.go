package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
)

// The defects an end-to-end walk found in the forms' shared machinery (issue
// 9), each as a person meets it.

// formStep is the step stored for u's form ("" when none is live).
func (h *harness) formStep(u models.User) string {
	h.t.Helper()
	var staffID int64
	for _, s := range []domain.Staff{h.f.Manager, h.f.Staff, h.f.Colleague} {
		if s.TelegramID == u.ID {
			staffID = s.ID
		}
	}
	var step string
	err := h.db.Pool().QueryRow(context.Background(), `
SELECT coalesce((SELECT step FROM conversations WHERE staff_id = $1 AND expires_at > $2), '')`, staffID, h.clock.Now()).Scan(&step)
	if err != nil {
		h.t.Fatalf("form step: %v", err)
	}
	return step
}

// answers are the bot's answers to taps so far.
func (h *harness) answers() []string {
	var out []string
	for _, c := range h.tg.CallsTo("answerCallbackQuery") {
		out = append(out, c.Params["text"])
	}
	return out
}

// A button of an abandoned form acts on nothing: not on the form started
// after it, whose versions must never match the old form's.
func TestAbandonedFormButtonsMoveNothing(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	old, pick := h.buttonData(h.staff, "Template call")
	h.tap(h.staff, "Template call")
	h.say(h.staff, "/cancel")
	if kb := h.tg.Sent(h.staff.ID); len(messageByID(kb, old).Keyboard) != 0 {
		t.Fatalf("/cancel left the old form's buttons: %v", messageByID(kb, old).Buttons())
	}
	h.say(h.staff, "/new")
	fresh := h.last(h.staff)
	// A tap on the old message (a client that still shows its keyboard).
	h.tapData(h.staff, old, pick)
	if a := h.lastAnswer(); a != h.text("forms.stale", nil) && a != h.text("forms.expired", nil) {
		t.Fatalf("old button answered %q", a)
	}
	if step := h.formStep(h.staff); step != newStepTemplate {
		t.Fatalf("the new form moved to %q on the old form's button", step)
	}
	if now := h.last(h.staff); now.ID != fresh.ID || now.Text != fresh.Text {
		t.Fatalf("the new form's screen changed: %q", now.Text)
	}

	// Starting a form while another is open strips the other's buttons too.
	h.say(h.staff, "/call")
	if m := messageByID(h.tg.Sent(h.staff.ID), fresh.ID); len(m.Keyboard) != 0 {
		t.Fatalf("the replaced form kept its buttons: %v", m.Buttons())
	}
	h.noUnanswered()
}

func messageByID(msgs []telegramtest.Message, id int64) telegramtest.Message {
	for _, m := range msgs {
		if m.ID == id {
			return m
		}
	}
	return telegramtest.Message{}
}

// sayNoWait sends text as u without waiting for the bot.
func (h *harness) sayNoWait(u models.User, text string) int64 { return h.tg.SendText(u, text) }

// tapWhenShown waits until a message with a button labelled label is in u's
// chat (the person sees it, whether or not the bot has its answer yet),
// waits after more, as a person's reaction, and taps it.
func (h *harness) tapWhenShown(u models.User, label string, after time.Duration) int64 {
	h.t.Helper()
	h.tg.WaitFor(h.t, func(c telegramtest.Call) bool {
		return strings.Contains(fmt.Sprint(c.Keyboard()), label)
	}, waitTimeout)
	time.Sleep(after)
	msg, d := h.buttonData(u, label)
	return h.tg.Tap(u, msg, d)
}

// A screen's state is stored before the screen is sent: a person who taps
// a button as soon as it appears is never told it is out of date, however
// slowly Telegram answers the bot.
func TestFormTapAsSoonAsShown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		slow, reflex time.Duration
	}{
		{"slow telegram, tap after half a second", 800 * time.Millisecond, 500 * time.Millisecond},
		{"tap at once", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			h.tg.SetDelay("", c.slow)
			first := h.sayNoWait(h.staff, "/new")
			tap := h.tapWhenShown(h.staff, "Template call", c.reflex)
			h.handled.wait(t, first)
			h.handled.wait(t, tap)
			expect(t, "client step", h.lastText(h.staff), h.text("forms.client.search", nil))

			search := h.sayNoWait(h.staff, "олена")
			tap = h.tapWhenShown(h.staff, h.clientLabel(h.f.Clients[0]), c.reflex)
			h.handled.wait(t, search)
			h.handled.wait(t, tap)
			expect(t, "assignee step", h.lastText(h.staff), "Who will do it?")
			for _, a := range h.answers() {
				if a != "" {
					t.Fatalf("a tap was refused: %q", a)
				}
			}
			h.noUnanswered()
		})
	}
}

// A screen whose send fails after its state was stored leaves the person
// where they were: the screen they see still works.
func TestFormSendFailsAfterStore(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	h.tap(h.staff, "Template check")
	h.tg.FailNext("sendMessage", h.staff.ID, 500, 0)
	h.say(h.staff, "олена") // the search's screen never arrives
	expect(t, "the person is told", h.lastText(h.staff), h.text("bot.err.internal", nil))
	h.tap(h.staff, "« Back")
	expect(t, "back from the screen the person sees", h.form(h.staff).Text, "What kind of task?")
	h.tap(h.staff, "Template check")
	h.say(h.staff, "олена")
	h.tap(h.staff, h.clientLabel(h.f.Clients[0]))
	expect(t, "assignee step", h.lastText(h.staff), "Who will do it?")
}

// send injects a non-text message as u and waits for the bot.
func (h *harness) send(u models.User, m models.Message) {
	h.t.Helper()
	h.handled.wait(h.t, h.tg.SendMessage(u, m))
}

// A sticker, a photo without caption or a voice message at a step waiting
// for text is refused with one clear line, and the form stays where it is.
func TestNonTextAtTextSteps(t *testing.T) {
	t.Parallel()
	h := setup(t)
	want := h.text("bot.err.not_text", nil)
	refused := func(what string, m models.Message, step string) {
		t.Helper()
		before := h.sentCount(h.staff)
		h.send(h.staff, m)
		if got := h.lastText(h.staff); got != want || h.sentCount(h.staff) != before+1 {
			t.Fatalf("%s: answered %q (%d messages), want one line %q", what, got, h.sentCount(h.staff)-before, want)
		}
		if got := h.formStep(h.staff); got != step {
			t.Fatalf("%s: form moved to %q, want %q", what, got, step)
		}
	}
	h.say(h.staff, "/new")
	h.tap(h.staff, "Template check")
	refused("sticker at the client search", telegramtest.Sticker(), newStepClient)
	h.say(h.staff, "Petro")
	h.tap(h.staff, "➕ New client")
	refused("photo at the client's name", telegramtest.Photo(""), newStepClient)
	h.say(h.staff, "Petro Sahaidachny")
	refused("voice at the client's phone", telegramtest.Voice(), newStepClient)
	h.say(h.staff, "066 123 45 67")
	h.taps(h.staff, "Me", "No due date")
	for _, m := range []models.Message{telegramtest.Sticker(), telegramtest.Photo(""), telegramtest.Voice()} {
		refused("non-text description", m, newStepDesc)
	}
	h.say(h.staff, "Send the timetable")
	expect(t, "summary", h.lastText(h.staff), "Send the timetable", "Create this task?")

	h.say(h.staff, "/search")
	refused("sticker at the search prompt", telegramtest.Sticker(), "query")
	h.say(h.staff, "олена")
	expect(t, "search", h.lastText(h.staff), "Олена Петренко")
}

// A paste over 4096 characters arrives as two messages: the tail right
// after the refused first part is not taken as the answer.
func TestLongPasteTailIsNotTheAnswer(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.tg.SetClock(h.clock.Now) // message dates on the test's clock
	h.say(h.staff, "/new")
	h.taps(h.staff, "Внутренняя задача", "Me", "No due date")
	h.say(h.staff, strings.Repeat("x", 4096))
	expect(t, "first part", h.lastText(h.staff), "the limit is 2000 characters")
	h.clock.Advance(time.Second)
	h.say(h.staff, strings.Repeat("y", 904))
	expect(t, "tail", h.lastText(h.staff), h.text("forms.err.paste_tail", nil))
	if step := h.formStep(h.staff); step != newStepDesc {
		t.Fatalf("the tail moved the form to %q", step)
	}
	h.clock.Advance(30 * time.Second) // the person reads, and types a shorter one
	h.say(h.staff, "Order water")
	expect(t, "summary", h.lastText(h.staff), "Order water", "Create this task?")
	h.tap(h.staff, "✅ Create")
	h.expectRows("tasks", 1, `SELECT count(*) FROM tasks WHERE club_id = $1 AND description = 'Order water'`, h.f.Club.ID)
}

// The parts of a paste arrive together and are handled by several workers
// at once: the tail still waits for the first part's refusal.
func TestLongPasteSentTogether(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.tg.SetClock(h.clock.Now)
	h.say(h.staff, "/new")
	h.taps(h.staff, "Внутренняя задача", "Me", "No due date")
	first, tail := h.sayNoWait(h.staff, strings.Repeat("x", 4096)), h.sayNoWait(h.staff, strings.Repeat("y", 904))
	h.handled.wait(t, first)
	h.handled.wait(t, tail)
	if step := h.formStep(h.staff); step != newStepDesc {
		t.Fatalf("the tail moved the form to %q", step)
	}
	expect(t, "tail", h.lastText(h.staff), h.text("forms.err.paste_tail", nil))
}

// The same paste into a task's description (the edit prompt).
func TestLongPasteTailIsNotTheNewDescription(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.tg.SetClock(h.clock.Now)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.taps(h.staff, "✏️ Edit", "Description")
	h.say(h.staff, strings.Repeat("x", 4096))
	expect(t, "first part", h.lastText(h.staff), "at most 2000")
	h.say(h.staff, strings.Repeat("y", 904))
	expect(t, "tail", h.lastText(h.staff), h.text("forms.err.paste_tail", nil))
	h.expectRows("description from the tail", 0, `SELECT count(*) FROM tasks WHERE id = $1 AND description LIKE 'yyy%'`, task.ID)
	h.clock.Advance(30 * time.Second)
	h.say(h.staff, "Bring the contract")
	h.expectRows("description typed after", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND description = 'Bring the contract'`, task.ID)
}

// A second tap on Confirm, at once or later, is told the form is already
// recorded, never that it changed.
func TestDoubleTapConfirmSaysAlreadyRecorded(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	h.taps(h.staff, "Внутренняя задача", "Me", "No due date", "Skip")
	msg, create := h.buttonData(h.staff, "✅ Create")
	h.doubleTap(h.staff, "✅ Create")
	h.tapData(h.staff, msg, create)
	h.expectRows("tasks after a double tap", 1, `SELECT count(*) FROM tasks WHERE club_id = $1`, h.f.Club.ID)
	want := h.text("forms.already_recorded", nil)
	got := h.answers()
	if len(got) < 2 || got[len(got)-1] != want {
		t.Fatalf("answers %q, want the last to be %q", got, want)
	}
	for _, a := range got[len(got)-3:] {
		if a != "" && a != want {
			t.Fatalf("a repeated Create answered %q, want %q", a, want)
		}
	}
	h.noUnanswered()
}

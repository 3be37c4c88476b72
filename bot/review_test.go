package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
)

// Typing a new title after the task was closed by someone else changes
// nothing: the form ends with a clear line.
func TestEditTitleOfTaskClosedMeanwhile(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.taps(h.staff, "✏️ Edit", "Title")
	if _, err := h.db.TaskStatusSet(context.Background(), h.f.Club.ID, task.ID, h.f.Manager, domain.StatusCancelled); err != nil {
		t.Fatal(err)
	}
	h.say(h.staff, "Renamed after closing")
	h.expectRows("a closed task's title changed", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Template call'`, task.ID)
	expect(t, "closed", h.lastText(h.staff), h.text("forms.task_closed", nil))
	if n := h.conversationCount(); n != 0 {
		t.Fatalf("the form stayed open: %d", n)
	}
}

// The task deleted while its title is being typed: the form ends with a
// clear line instead of answering "not found" to every message.
func TestEditTitleOfTaskDeletedMeanwhile(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.taps(h.staff, "✏️ Edit", "Title")
	if err := h.db.TaskDelete(context.Background(), h.f.Club.ID, task.ID, h.f.Manager); err != nil {
		t.Fatal(err)
	}
	h.say(h.staff, "Renamed after deleting")
	expect(t, "gone", h.lastText(h.staff), h.text("forms.task_gone", nil))
	if n := h.conversationCount(); n != 0 {
		t.Fatalf("the form stayed open: %d", n)
	}
}

// Names and titles with HTML's special characters reach every screen of a
// task intact: the fake Bot API rejects broken HTML as Telegram does.
func TestHTMLInNamesOnEveryScreen(t *testing.T) {
	t.Parallel()
	h := setup(t)
	const name = `A <b> & <i>Co</a>`
	c, err := h.db.ClientCreate(context.Background(), domain.Client{ClubID: h.f.Club.ID, Name: name, Phones: []string{"+380671112233"}})
	if err != nil {
		t.Fatal(err)
	}
	in := postgresInputFor(h, h.f.Staff.ID)
	in.ClientID, in.Title = c.ID, `Call <script>&amp;`
	task := h.task(in)
	u := h.manager
	h.say(u, "/tasks")
	steps := []string{
		data("tc", task.ID, "ma.0"), data("st", task.ID, "ma.0"), data("dl", task.ID, "ma.0"),
		data("ed", task.ID, "ma.0"), data("ra", task.ID, "ma.0"), data("rd", task.ID, "ma.0"),
		data("rm", task.ID, "ma.0"), data("tc", task.ID, "ma.0"), data("rs", task.ID, "ma.0"),
	}
	for _, d := range steps {
		before := len(h.tg.CallsTo("answerCallbackQuery"))
		h.tapData(u, 0, d)
		if len(h.tg.CallsTo("answerCallbackQuery")) == before {
			t.Fatalf("%s: not answered", d)
		}
		if a := h.lastAnswer(); a != "" && a != h.text("bot.cancel.done", nil) {
			t.Fatalf("%s: answered %q; last text %q", d, a, h.lastText(u))
		}
	}
	h.say(u, "/cancel")
	for _, cmd := range []string{"/search Co", "/search script", "/control", "/current", "/call A <b>"} {
		h.say(u, cmd)
		if strings.Contains(h.lastText(u), h.text("bot.err.internal", nil)) {
			t.Fatalf("%s: %q", cmd, h.lastText(u))
		}
	}
	if strings.Contains(h.logs.String(), "can't parse entities") {
		t.Fatalf("broken HTML sent: %s", h.logs.String())
	}
	h.noUnanswered()
}

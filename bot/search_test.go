package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Order water", AssigneeID: h.f.Colleague.ID})
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, ClientID: h.f.Clients[1]})
	if _, err := h.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: other.Club.ID,
		TemplateID: other.Templates["internal"], Title: "Order water for beta"}); err != nil {
		t.Fatal(err)
	}
	phone := h.clientPhone(h.f.Clients[1])

	// By title: only this club's task.
	h.say(h.staff, "/search water")
	text := h.lastText(h.staff)
	expect(t, "title", text, "Search: “water”", "Order water")
	expectNot(t, "title", text, "for beta")
	h.tap(h.staff, "📋 1. Order water")
	expect(t, "card from search", h.lastText(h.staff), "Order water", "Colleague alpha")

	// By client name, case-insensitively: the task and the client.
	h.say(h.staff, "/search ivan")
	text = h.lastText(h.staff)
	expect(t, "name", text, "1 task", "Ivan Sirko", "1 client")
	h.tap(h.staff, "👤 Ivan Sirko")
	expect(t, "client card", h.lastText(h.staff), "Ivan Sirko", phone, "Status: lead", "1 task")
	h.tap(h.staff, "📋 1. Template call")
	expect(t, "task from client", h.lastText(h.staff), "Client: Ivan Sirko")

	// By a phone fragment, typed after a bare /search.
	h.say(h.staff, "/search")
	expect(t, "prompt", h.lastText(h.staff), "What are you looking for?")
	h.say(h.staff, phone[len(phone)-7:])
	expect(t, "phone", h.lastText(h.staff), "Ivan Sirko")

	// Nothing, too long, and another club's client by forged data.
	h.say(h.staff, "/search zzzz")
	expect(t, "nothing", h.lastText(h.staff), "Nothing found for “zzzz”")
	h.say(h.staff, "/search "+strings.Repeat("a", 101))
	expect(t, "too long", h.lastText(h.staff), "at most 100 characters")
	h.say(h.staff, "/search <script>")
	expect(t, "escaped", h.lastText(h.staff), "Nothing found for “<script>”")
	h.tapData(h.staff, 0, data("cc", other.Clients[0]))
	h.expectAnswer("other club's client", h.text("bot.err.not_found", nil))
	h.noUnanswered()
}

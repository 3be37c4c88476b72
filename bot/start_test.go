package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestJoinWithInvite(t *testing.T) {
	t.Parallel()
	h := setup(t)
	code, _, err := h.db.InviteCreate(context.Background(), h.f.Club.ID, domain.RoleStaff, "Oksana", domain.InviteTTL)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	newcomer := models.User{ID: 555001, FirstName: "Oksana", Username: "oksana", LanguageCode: "uk"}

	// Before joining: one polite line, nothing about the club.
	h.say(newcomer, "/tasks")
	expect(t, "stranger", h.lastText(newcomer), "Цей бот — для працівників клубу")

	h.say(newcomer, "/start "+code)
	expect(t, "welcome", h.lastText(newcomer), "Oksana", h.f.Club.Name, "/tasks")
	h.expectRows("staff rows for the newcomer", 1, `SELECT count(*) FROM staff s JOIN staff_identities i ON i.club_id = s.club_id AND i.staff_id = s.id WHERE i.external_id = $1::bigint::text AND s.club_id = $2 AND s.role = 'staff'`, newcomer.ID, h.f.Club.ID)
	// Now a member: /tasks works (in Ukrainian, from the Telegram language).
	h.say(newcomer, "/tasks")
	expect(t, "tasks", h.lastText(newcomer), "Мої завдання")

	// The code is single use.
	other := models.User{ID: 555002, FirstName: "Eve", LanguageCode: "en"}
	h.say(other, "/start "+code)
	expect(t, "reused code", h.lastText(other), "not valid or has expired")
	h.say(other, "/start not*a*code")
	expect(t, "bad syntax", h.lastText(other), "not valid or has expired")
	h.expectRows("a reused code created staff", 0, `SELECT count(*) FROM staff_identities WHERE external_id = $1::bigint::text`, other.ID)
}

func TestJoinWithExpiredInvite(t *testing.T) {
	t.Parallel()
	h := setup(t)
	code, _, err := h.db.InviteCreate(context.Background(), h.f.Club.ID, domain.RoleStaff, "Late", time.Hour)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	h.clock.Advance(2 * time.Hour)
	u := models.User{ID: 555003, FirstName: "Late", LanguageCode: "en"}
	h.say(u, "/start "+code)
	expect(t, "expired", h.lastText(u), "not valid or has expired")
}

// Someone who is not staff sees one polite line for anything, and a tap on
// a forged button reveals nothing either.
func TestStrangerSeesNothing(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	stranger := models.User{ID: 999999, FirstName: "Mallory", LanguageCode: "en"}
	for _, text := range []string{"/start", "/tasks", "/control", "/search Олена", "hello", "/current"} {
		h.say(stranger, text)
		if got := h.lastText(stranger); got != h.text("bot.stranger", nil) {
			t.Fatalf("%q: stranger got %q", text, got)
		}
	}
	h.tapData(stranger, 0, data("tc", task.ID))
	h.expectAnswer("stranger's tap on a card", h.text("bot.stranger", nil))
	h.tapData(stranger, 0, data("tk", task.ID))
	h.expectAnswer("stranger's tap on take", h.text("bot.stranger", nil))
	for _, m := range h.tg.Sent(stranger.ID) {
		if strings.Contains(m.Text, "Олена") || len(m.Keyboard) > 0 {
			t.Fatalf("stranger was shown %q", m.Text)
		}
	}
	if status, _, _ := h.taskRow(task.ID); status != "new" {
		t.Fatalf("stranger's tap changed the task to %s", status)
	}
	// A deactivated staff member is a stranger too.
	pgtest.Exec(t, h.db, `UPDATE staff SET active = false WHERE id = $1`, h.f.Colleague.ID)
	h.say(h.colleague, "/tasks")
	if got := h.lastText(h.colleague); got != h.text("bot.stranger", nil) {
		t.Fatalf("deactivated staff got %q", got)
	}
}

func TestHelpAndMenus(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/help")
	expect(t, "staff help", h.lastText(h.staff), "/tasks", "/current", "/search", "/lang")
	expectNot(t, "staff help", h.lastText(h.staff), "/control")
	h.say(h.manager, "/help")
	expect(t, "manager help", h.lastText(h.manager), "/control", "/report", "/funnel")

	// Run registered the menu in every language.
	for lang, want := range map[string]string{"en": "My tasks", "ru": "Мои задачи", "uk": "Мої завдання"} {
		cmds := h.tg.Commands(lang)
		if len(cmds) == 0 || cmds[0].Command != "tasks" || cmds[0].Description != want {
			t.Errorf("%s menu: %+v", lang, cmds)
		}
	}
	h.say(h.staff, "/nonsense")
	expect(t, "unknown command", h.lastText(h.staff), "/help")
	h.say(h.staff, "just some text")
	expect(t, "plain text", h.lastText(h.staff), "Choose a command")
	// Staff cannot use manager commands.
	h.say(h.staff, "/control")
	expect(t, "control by staff", h.lastText(h.staff), "Only managers")
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/lang")
	if !h.hasButton(h.staff, "✓ English") || !h.hasButton(h.staff, "Русский") {
		t.Fatalf("language buttons: %v", h.last(h.staff).Buttons())
	}
	h.tap(h.staff, "Русский")
	expect(t, "saved", h.lastText(h.staff), "Язык сохранён")
	h.expectRows("language not stored", 1, `SELECT count(*) FROM staff WHERE id = $1 AND language = 'ru'`, h.f.Staff.ID)
	h.say(h.staff, "/tasks")
	expect(t, "tasks in Russian", h.lastText(h.staff), "Мои задачи")
	// A forged language changes nothing.
	h.tapData(h.staff, 0, data("lg", "de"))
	h.expectAnswer("forged language", "Эта кнопка устарела.")
	h.noUnanswered()
}

func TestCancelAndStartAgain(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/cancel")
	expect(t, "nothing", h.lastText(h.staff), "nothing to cancel")
	h.say(h.staff, "/search")
	h.say(h.staff, "/cancel")
	expect(t, "cancelled", h.lastText(h.staff), "Cancelled.")
	h.say(h.staff, "Олена")
	expect(t, "after cancel", h.lastText(h.staff), "Choose a command")
	// An invite link opened again by someone already on the staff.
	h.say(h.staff, "/start somecode")
	expect(t, "already", h.lastText(h.staff), "already on the staff of "+h.f.Club.Name, "/tasks")
}

// In a group chat the bot says nothing, even to staff: it talks about
// clients only in private.
func TestGroupChatIgnored(t *testing.T) {
	t.Parallel()
	h := setup(t)
	calls := len(h.tg.CallsTo("sendMessage"))
	id := h.tg.Inject(models.Update{Message: &models.Message{ID: 1, Text: "/tasks", From: &h.staff,
		Chat: models.Chat{ID: -100123, Type: models.ChatTypeSupergroup}}})
	h.handled.wait(t, id)
	if got := len(h.tg.CallsTo("sendMessage")); got != calls {
		t.Fatalf("the bot answered in a group (%d messages)", got-calls)
	}
}

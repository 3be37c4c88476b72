package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/plan"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// namesPlan is the harness club's catalog (pgtest.NewClub) written as a plan
// that names some items per language; the club's language is ru.
const namesPlan = `club:
  slug: alpha
  name: Club alpha
  time_zone: Europe/Kyiv
  language: ru
  phone_code: "380"
dictionaries:
  - key: reasons
    name: Refusal reasons
    values:
      - {key: far, name: {ru: Далеко, uk: Далеко їхати, en: Too far}}
      - {key: schedule, name: {ru: Расписание}}
      - {key: other, name: Reason other}
results:
  - {key: thinking, name: {ru: Думает, uk: Думає, en: Thinking it over}}
  - {key: going_to_buy, name: Result going_to_buy}
  - key: refusal
    name: {ru: Отказ, uk: Відмова, en: Refusal}
    fields:
      - {key: reason, name: {ru: Причина, uk: Причина відмови}, type: choice, dictionary: reasons, required: true}
  - {key: bought, name: Result bought}
templates:
  - {key: call, name: {ru: Звонок, uk: Дзвінок, en: Intro call}, type: personal_call, results: [thinking, going_to_buy, refusal, bought]}
  - {key: check, name: Template check, type: client_task, results: [thinking, going_to_buy, refusal, bought]}
  - {key: personal_call, name: Личный звонок клиенту, type: personal_call, results: [thinking, going_to_buy, refusal, bought]}
  - {key: client_task, name: Другая задача по клиенту, type: client_task, results: [thinking, going_to_buy, refusal, bought]}
workflows:
  - {template: call, result: going_to_buy, next: check, due_offset: 1d}
`

// namesSetup applies namesPlan to the harness club, makes the staff member
// read lang, and gives them an open call about Olena and a task of their own.
func namesSetup(t *testing.T, lang domain.Language) *harness {
	t.Helper()
	h := setup(t)
	p, err := plan.Parse("names.yaml", []byte(namesPlan))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.PlanApply(context.Background(), p, postgres.PlanApplyOptions{}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	pgtest.Exec(t, h.db, `UPDATE staff SET language = $2 WHERE id = $1`, h.f.Staff.ID, string(lang))
	// Without a title of their own the tasks are titled with the template's
	// name, in the club's language.
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(-1)})
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, ClientID: h.f.Clients[1]})
	return h
}

// tapLike taps the button of u's newest message whose label contains part.
func (h *harness) tapLike(u models.User, part string) {
	h.t.Helper()
	buttons := h.last(u).Buttons()
	i := slices.IndexFunc(buttons, func(b string) bool { return strings.Contains(b, part) })
	if i < 0 {
		h.t.Fatalf("no button with %q among %q", part, buttons)
	}
	h.tap(u, buttons[i])
}

// TestNamesInTheReadersLanguage: a Ukrainian staff member reads the plan's
// Ukrainian names in /tasks, on the card and through the result form; where
// the plan gives no Ukrainian name, the club's (Russian) one.
func TestNamesInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	h := namesSetup(t, domain.LangUK)
	h.say(h.staff, "/tasks")
	expect(t, "uk list", h.lastText(h.staff), "Дзвінок · Олена Петренко", "Дзвінок · Ivan Sirko")
	expectNot(t, "uk list", h.lastText(h.staff), "Звонок", "Intro call")

	h.tap(h.staff, "1. Олена Петренко")
	card := h.lastText(h.staff)
	if !strings.HasPrefix(card, "Дзвінок\n") || strings.Contains(card, "Звонок") {
		t.Errorf("uk card: its title and template in uk:\n%s", card)
	}
	h.tapLike(h.staff, h.cat.T(domain.LangUK, "bot.card.result_enter", nil))
	expect(t, "uk form", h.lastText(h.staff), "Дзвінок · Олена Петренко")
	buttons := h.last(h.staff).Buttons()
	for _, want := range []string{"Думає", "Відмова", "Result bought"} {
		if !slices.Contains(buttons, want) {
			t.Errorf("uk results: %q lacks %q", buttons, want)
		}
	}
	h.tap(h.staff, "Відмова")
	expect(t, "uk field", h.lastText(h.staff), "Відмова", "Причина відмови")
	buttons = h.last(h.staff).Buttons()
	for _, want := range []string{"Далеко їхати", "Расписание", "Reason other"} { // uk, then ru, then the one name
		if !slices.Contains(buttons, want) {
			t.Errorf("uk values: %q lacks %q", buttons, want)
		}
	}
	h.tap(h.staff, "Далеко їхати")
	expect(t, "uk summary", h.lastText(h.staff), "Відмова", "Причина відмови: Далеко їхати")
	h.tapLike(h.staff, h.cat.T(domain.LangUK, "forms.result.confirm", nil))
	expect(t, "uk recorded", h.lastText(h.staff), "Відмова")

	// A Ukrainian manager's report names the template in Ukrainian.
	pgtest.Exec(t, h.db, `UPDATE staff SET language = 'uk' WHERE id = $1`, h.f.Manager.ID)
	h.say(h.manager, "/report")
	expect(t, "uk report", h.lastText(h.manager), "Дзвінок — 2", "Відмова — 1", "Причина відмови (Відмова)", "Далеко їхати — 1", "Расписание — 0")
	expectNot(t, "uk report", h.lastText(h.manager), "Звонок", "Отказ")
	h.noUnanswered()
}

// TestNamesInEnglish: an English reader gets the English names, and the
// club's language where the plan has none in English.
func TestNamesInEnglish(t *testing.T) {
	t.Parallel()
	h := namesSetup(t, domain.LangEN)
	h.say(h.staff, "/tasks")
	expect(t, "en list", h.lastText(h.staff), "Intro call · Олена Петренко", "Intro call · Ivan Sirko")
	h.tap(h.staff, "1. Олена Петренко")
	expect(t, "en card", h.lastText(h.staff), "Intro call\n")
	h.tap(h.staff, "✅ Enter result")
	buttons := h.last(h.staff).Buttons()
	for _, want := range []string{"Thinking it over", "Refusal", "Result going_to_buy"} {
		if !slices.Contains(buttons, want) {
			t.Errorf("en results: %q lacks %q", buttons, want)
		}
	}
	h.tap(h.staff, "Refusal")
	expect(t, "en field falls back to ru", h.lastText(h.staff), "Причина")
	if b := h.last(h.staff).Buttons(); !slices.Contains(b, "Too far") || !slices.Contains(b, "Расписание") {
		t.Errorf("en values: %q", b)
	}

	// A Russian reader gets the club's names.
	pgtest.Exec(t, h.db, `UPDATE staff SET language = 'ru' WHERE id = $1`, h.f.Staff.ID)
	h.say(h.staff, "/tasks")
	expect(t, "ru list", h.lastText(h.staff), "Звонок · Олена Петренко")
	h.noUnanswered()
}

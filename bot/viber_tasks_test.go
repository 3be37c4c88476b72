package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// /tasks on Viber is ONE message: a rich_media carousel whose first card is
// the list's heading and each task a card, sent with the filters as the
// chat keyboard. A card opens the task, on the last carousel or an older
// one. A list too big for one carousel goes as text and keyboard; Telegram
// shows the same list as before, text with a button per task.
func TestViberTasksCarousel(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	v.start(Config{}) // the Telegram bot beside the Viber one
	olena := viberUser("olena+EEEEEEEEEEEEEEE==", "Olena")
	admin := v.join(olena, v.f.Club.ID, domain.RoleStaff, "Olena Admin")
	titles := []string{"Water", "Towels", "Keys", "Mats", "Lights", "Locker"}
	for i, title := range titles[:3] {
		v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: title, AssigneeID: admin.ID, DueAt: at(time.Duration(i+1) * time.Hour)})
		v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: title, AssigneeID: v.f.Staff.ID, DueAt: at(time.Duration(i+1) * time.Hour)})
	}

	n := v.count(olena)
	v.say(olena, "/tasks")
	ms := v.bot.Messages(olena.ID)[n:]
	if len(ms) != 1 || ms[0].Type != "rich_media" || ms[0].RichMedia == nil {
		t.Fatalf("/tasks sent %d messages %+v, want one rich_media", len(ms), ms)
	}
	list, cards := n, ms[0].RichMedia.Buttons
	if len(cards) != 4 || cards[0].ActionType != "none" || !strings.Contains(cards[0].Text, "My tasks") || !strings.Contains(cards[0].Text, "3 tasks") {
		t.Fatalf("cards %q, want the heading then 3 tasks", ms[0].RichMedia.Labels())
	}
	for i, c := range cards[1:] {
		if want := fmt.Sprintf("%d. %s", i+1, titles[i]); c.Text != want || c.ActionType != "reply" || !c.Silent || !strings.HasPrefix(c.ActionBody, "v1|tc|") {
			t.Errorf("card %d: %+v, want %q opening the task", i+1, c, want)
		}
	}
	keys := strings.Join(v.labels(olena), "|")
	if !strings.Contains(keys, "Today") || !strings.Contains(keys, "• All •") || strings.Contains(keys, "Water") {
		t.Fatalf("keyboard %q, want the filters and no tasks", keys)
	}

	// A filter redraws the list as a new carousel (Viber cannot edit).
	n = v.count(olena)
	v.tap(olena, "Today")
	ms = v.bot.Messages(olena.ID)[n:]
	if len(ms) != 1 || ms[0].Type != "rich_media" || !strings.Contains(ms[0].RichMedia.Buttons[0].Text, "Today · 3 tasks") {
		t.Fatalf("Today sent %+v, want one carousel of 3", ms)
	}

	v.tap(olena, "2. Towels")
	expect(t, "card from the carousel", v.lastText(olena), "Towels")
	expectNot(t, "card from the carousel", v.lastText(olena), "My tasks")
	v.deliver(v.bot.TapIn(olena, list, "3. Keys")) // scrolled back to it
	expect(t, "card from an older carousel", v.lastText(olena), "Keys")

	// Six tasks: a Viber page holds five (six cards with the heading), so
	// the first page is a carousel of five with "More" in the keyboard, and
	// the second page's one task goes as text and keyboard.
	for i, title := range titles[3:] {
		v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: title, AssigneeID: admin.ID, DueAt: at(time.Duration(i+4) * time.Hour)})
	}
	n = v.count(olena)
	v.say(olena, "/tasks")
	ms = v.bot.Messages(olena.ID)[n:]
	if len(ms) != 1 || ms[0].RichMedia == nil || len(ms[0].RichMedia.Buttons) != 6 {
		t.Fatalf("/tasks of 6 sent %+v, want one carousel of five and its heading", ms)
	}
	if !v.hasKey(olena, "More »") || !v.hasKey(olena, "Today") {
		t.Fatalf("keyboard %q, want the filters and More", v.labels(olena))
	}
	n = v.count(olena)
	v.tap(olena, "More »")
	ms = v.bot.Messages(olena.ID)[n:]
	if len(ms) != 1 || ms[0].Type != "text" || ms[0].RichMedia != nil {
		t.Fatalf("page 2 of 6 sent %+v, want one text (one item is no carousel)", ms)
	}
	expect(t, "page 2 as text", ms[0].Text, "6 tasks", "6. Internal task", "Locker")
	v.tap(olena, "6. Locker")
	expect(t, "card from the keyboard", v.lastText(olena), "Locker")

	// Telegram: text with every line, a button per task, then the filters.
	sent := v.harness.sentCount(v.staff)
	v.harness.say(v.staff, "/tasks")
	if got := v.harness.sentCount(v.staff); got != sent+1 {
		t.Fatalf("Telegram /tasks sent %d messages, want 1", got-sent)
	}
	expect(t, "Telegram", v.harness.lastText(v.staff), "My tasks", "3 tasks", "1. Internal task", "Water", "Towels", "Keys")
	if b := v.harness.last(v.staff).Buttons(); len(b) < 4 || b[0] != "1. Water" || b[1] != "2. Towels" || b[2] != "3. Keys" {
		t.Fatalf("Telegram buttons %q", b)
	}
}

// A manager's list of one person's tasks on Viber is one carousel too, its
// keyboard the rows below the tasks (offboarding, Back).
func TestViberControlListCarousel(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	olena := viberUser("olena+FFFFFFFFFFFFFFF==", "Olena")
	admin := v.join(olena, v.f.Club.ID, domain.RoleStaff, "Olena Admin")
	for i, title := range []string{"Water", "Towels"} {
		v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: title, AssigneeID: admin.ID, DueAt: at(time.Duration(i+1) * time.Hour)})
	}
	marta := viberUser("marta+FFFFFFFFFFFFFFF==", "Marta")
	v.join(marta, v.f.Club.ID, domain.RoleManager, "Marta Manager")
	v.say(marta, "/control")
	n := v.count(marta)
	v.tap(marta, v.keyWith(marta, "Olena Admin"))
	ms := v.bot.Messages(marta.ID)[n:]
	if len(ms) != 1 || ms[0].Type != "rich_media" {
		t.Fatalf("the person's list sent %+v, want one carousel", ms)
	}
	if got := strings.Join(ms[0].RichMedia.Labels(), "|"); !strings.Contains(got, "Olena Admin") || !strings.HasSuffix(got, "|1. Water|2. Towels") {
		t.Fatalf("cards %q, want the heading then the 2 tasks", got)
	}
	if keys := strings.Join(v.labels(marta), "|"); !strings.Contains(keys, "Back") || strings.Contains(keys, "Water") {
		t.Fatalf("keyboard %q, want Back and no tasks", keys)
	}
	v.tap(marta, "2. Towels")
	expect(t, "card from the control carousel", v.lastText(marta), "Towels")
}

// Search results of one kind are a list: on Viber, one carousel whose
// heading names the search.
func TestViberSearchCarousel(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	olena := viberUser("olena+GGGGGGGGGGGGGGG==", "Olena")
	admin := v.join(olena, v.f.Club.ID, domain.RoleStaff, "Olena Admin")
	for _, title := range []string{"Order water", "Water the plants"} {
		v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: title, AssigneeID: admin.ID})
	}
	n := v.count(olena)
	v.say(olena, "/search water")
	ms := v.bot.Messages(olena.ID)[n:]
	if len(ms) != 1 || ms[0].Type != "rich_media" {
		t.Fatalf("/search sent %+v, want one carousel", ms)
	}
	labels := ms[0].RichMedia.Labels()
	if len(labels) != 3 || !strings.Contains(labels[0], "water") || !strings.Contains(labels[0], "2 tasks") {
		t.Fatalf("cards %q, want the heading then 2 tasks", labels)
	}
	v.tap(olena, labels[2])
	expect(t, "card from search", v.lastText(olena), strings.TrimPrefix(labels[2], "📋 2. "))
}

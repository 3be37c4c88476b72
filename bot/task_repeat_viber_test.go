package bot

import (
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// TestTaskRepeatOnViber: the same picker on Viber's one keyboard: open the
// task, Repeat, Every day, Never ends; the card says it repeats.
func TestTaskRepeatOnViber(t *testing.T) {
	t.Parallel()
	v := setupViber(t)
	olena := viberUser("olena+RRRRRRRRRRRRRRR==", "Olena")
	admin := v.join(olena, v.f.Club.ID, domain.RoleStaff, "Olena Admin")
	task := v.task(postgres.TaskCreateInput{TemplateID: v.f.Templates["internal"], Title: "Water", AssigneeID: admin.ID, DueAt: at(time.Hour)})

	v.tapBody(olena, data("tc", task.ID))
	v.taps(olena, "🔁 Repeat", "Every day", "Never ends")
	expect(t, "card", v.lastText(olena), "Water", "🔁 every day")
	v.expectRows("rule", 1, `SELECT count(*) FROM task_repeats WHERE series_id = $1 AND every_days = 1`, task.ID)

	// Until a date on Viber: one keyboard and no month grid, so the ends of
	// the coming months are offered (26 Nov 2026: 31.12.2026 is next month's).
	v.tapBody(olena, data("tc", task.ID))
	v.taps(olena, "🔁 Repeat", "Every week", "Until a date…")
	for _, want := range []string{"31.12.2026", "31.01.2027", "28.02.2027", "31.05.2027", "30.11.2027"} {
		if !v.hasKey(olena, want) {
			t.Fatalf("until choices on Viber lack %s", want)
		}
	}
	v.taps(olena, "31.12.2026")
	expect(t, "card", v.lastText(olena), "🔁 every week, until 31.12")
	v.expectRows("until", 1, `SELECT count(*) FROM task_repeats WHERE series_id = $1 AND every_days = 7 AND until_date = '2026-12-31'`, task.ID)
}

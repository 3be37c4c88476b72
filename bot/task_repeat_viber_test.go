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
}

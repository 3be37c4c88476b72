package bot

import (
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A manager offboards someone who left from /control: their open tasks go
// to a colleague after a confirmation, the person gets the stranger line,
// their name stays on their done task, and the invite made out to them dies.
func TestStaffOffboardingFromControl(t *testing.T) {
	t.Parallel()
	h := setup(t)
	open := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(2 * time.Hour)})
	done := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Old job", AssigneeID: h.f.Staff.ID})
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'done', done_at = $2 WHERE id = $1`, done.ID, testNow.Add(-time.Hour))
	if _, _, err := h.db.InviteCreate(h.t.Context(), h.f.Club.ID, domain.RoleStaff, h.f.Staff.Name, time.Hour); err != nil {
		t.Fatal(err)
	}

	h.say(h.manager, "/control")
	msg := h.last(h.manager).ID
	h.taps(h.manager, "Staff alpha (1)", "🚪 Deactivate")
	expect(t, "choose", h.lastText(h.manager), "Deactivate Staff alpha", "Who takes their 1 open task(s)?")
	if h.hasButton(h.manager, "→ Staff alpha") {
		t.Fatal("the person who leaves is offered their own tasks")
	}
	// Back out once: nothing changes.
	h.tap(h.manager, "→ Colleague alpha")
	expect(t, "confirm", h.lastText(h.manager), "Deactivate Staff alpha?", "Their 1 open task(s) go to Colleague alpha.")
	h.tap(h.manager, "Cancel")
	expect(t, "cancelled", h.lastText(h.manager), "Staff alpha · 1 task")
	h.expectRows("still active", 1, `SELECT 1 FROM staff WHERE id = $1 AND active`, h.f.Staff.ID)

	h.taps(h.manager, "🚪 Deactivate", "→ Colleague alpha", "🚪 Yes, deactivate")
	expect(t, "done", h.lastText(h.manager), "Staff alpha is deactivated.", "Open tasks handed over: 1.")
	if h.last(h.manager).ID != msg {
		t.Fatal("offboarding did not stay in the control message")
	}
	h.expectRows("deactivated", 1, `SELECT 1 FROM staff WHERE id = $1 AND NOT active AND deactivated_at IS NOT NULL`, h.f.Staff.ID)
	h.expectRows("task moved", 1, `SELECT 1 FROM tasks WHERE id = $1 AND assignee_id = $2 AND status = 'new'`, open.ID, h.f.Colleague.ID)
	h.expectRows("done task keeps the name", 1, `SELECT 1 FROM tasks t JOIN staff s ON s.id = t.assignee_id WHERE t.id = $1 AND s.name = 'Staff alpha'`, done.ID)
	h.expectRows("invite dead", 0, `SELECT count(*) FROM staff_invites WHERE used_at IS NULL AND expires_at > $1`, h.clock.Now())
	h.tap(h.manager, "« Back")
	expectNot(t, "summary after", h.lastText(h.manager), "Staff alpha —")
	expect(t, "summary after", h.lastText(h.manager), "Colleague alpha — open 1")

	// The person who left is a stranger now, whatever they send or tap.
	h.say(h.staff, "/tasks")
	if got := h.lastText(h.staff); got != h.text("bot.stranger", nil) {
		t.Fatalf("deactivated person got %q", got)
	}
	h.tapData(h.staff, 0, data("tc", open.ID))
	h.expectAnswer("deactivated person's tap", h.text("bot.stranger", nil))

	// A replayed confirmation does nothing more.
	h.tapData(h.manager, msg, data("sy", h.f.Staff.ID, 0))
	h.expectAnswer("twice", h.text("bot.err.staff_inactive", map[string]any{"Name": "Staff alpha"}))
	h.expectRows("task stays with the colleague", 1, `SELECT 1 FROM tasks WHERE id = $1 AND assignee_id = $2`, open.ID, h.f.Colleague.ID)
}

// Leaving the tasks unassigned, and the refusals: staff cannot offboard, a
// manager cannot offboard themselves, nor an owner.
func TestStaffOffboardingRules(t *testing.T) {
	t.Parallel()
	h := setup(t)
	open := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Colleague.ID, DueAt: at(2 * time.Hour)})
	ownerID := pgtest.Staff(t, h.db, h.f.Club, pgtest.StaffOpts{Name: "The owner", Role: domain.RoleOwner, NoAccount: true}).ID

	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("sy", h.f.Colleague.ID, 0))
	h.expectAnswer("staff", h.text("bot.err.managers_only", nil))
	h.say(h.manager, "/control")
	for d, code := range map[string]string{
		data("sd", h.f.Manager.ID):    "deactivate_self",
		data("sy", h.f.Manager.ID, 0): "deactivate_self",
		data("sy", ownerID, 0):        "owners_only",
	} {
		h.tapData(h.manager, 0, d)
		h.expectAnswer(d, h.text("bot.err."+code, nil))
	}
	h.tap(h.manager, "Manager alpha (0)")
	if h.hasButton(h.manager, "🚪 Deactivate") {
		t.Fatal("a manager is offered to deactivate themselves")
	}
	h.expectRows("nobody deactivated", 0, `SELECT count(*) FROM staff WHERE NOT active`)

	h.tap(h.manager, "« Back")
	h.taps(h.manager, "Colleague alpha (1)", "🚪 Deactivate", "Leave unassigned")
	expect(t, "confirm", h.lastText(h.manager), "Their 1 open task(s) stay unassigned")
	h.tap(h.manager, "🚪 Yes, deactivate")
	h.expectRows("unassigned", 1, `SELECT 1 FROM tasks WHERE id = $1 AND assignee_id IS NULL`, open.ID)
	h.noUnanswered()
}

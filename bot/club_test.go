package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A coach on the staff of two clubs joins the second by its invite, works
// in it, switches back with /club, and never sees one club's tasks while
// working in the other; a button drawn in club A acts in A even after they
// switched to B (the screen says so), and a button claiming a club they are
// not on the staff of does nothing.
func TestPersonInTwoClubs(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	b := pgtest.NewClub(t, h.db, "beta")
	pgtest.Exec(t, h.db, `UPDATE clients SET name = 'Борис Бета' WHERE club_id = $1`, b.Club.ID)
	taskA := h.task(postgres.TaskCreateInput{Title: "Call Anna (alpha)", AssigneeID: h.f.Staff.ID})
	taskB, err := h.db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: b.Club.ID, TemplateID: b.Templates["call"], ClientID: b.Clients[0],
		Title: "Call Borys (beta)", AssigneeID: 0})
	if err != nil {
		t.Fatal(err)
	}

	// One club: /club just names it, no header on screens.
	h.say(h.staff, "/club")
	expect(t, "one club", h.lastText(h.staff), "staff of "+h.f.Club.Name+" only")
	if strings.Contains(h.lastText(h.staff), "🏢") {
		t.Fatalf("a person in one club got a club header: %q", h.lastText(h.staff))
	}

	// The second club's invite, opened by someone already on alpha's staff.
	code, _, err := h.db.InviteCreate(ctx, b.Club.ID, domain.RoleStaff, "", domain.InviteTTL)
	if err != nil {
		t.Fatal(err)
	}
	h.say(h.staff, "/start "+code)
	expect(t, "joined beta", h.lastText(h.staff), "staff of "+b.Club.Name, "/club")
	h.expectRows("two staff records", 2, `SELECT count(*) FROM staff_identities WHERE external_id = $1`, fmt.Sprint(h.staff.ID))

	// Working in beta: beta's tasks only, and every screen names beta.
	h.say(h.staff, "/tasks")
	list := h.lastText(h.staff)
	expect(t, "beta list", list, "🏢 "+b.Club.Name, "0 tasks")
	if strings.Contains(list, "Олена") || strings.Contains(list, h.f.Club.Name) {
		t.Fatalf("beta's list shows alpha's work: %q", list)
	}
	h.say(h.staff, "/search Олена")
	if txt := h.lastText(h.staff); strings.Contains(txt, "Олена Петренко") {
		t.Fatalf("a search in beta found alpha's task: %q", txt)
	}

	// Back to alpha with /club.
	h.say(h.staff, "/club")
	expect(t, "choose", h.lastText(h.staff), "several clubs")
	if !h.hasButton(h.staff, "✓ "+b.Club.Name) {
		t.Fatalf("the current club is not marked: %v", h.last(h.staff).Buttons())
	}
	h.tap(h.staff, h.f.Club.Name)
	expect(t, "switched", h.lastText(h.staff), "working in "+h.f.Club.Name)
	h.expectRows("remembered", 1, `SELECT count(*) FROM identity_current WHERE external_id = $1 AND club_id = $2`, fmt.Sprint(h.staff.ID), h.f.Club.ID)
	h.say(h.staff, "/tasks")
	expect(t, "alpha list", h.lastText(h.staff), "🏢 "+h.f.Club.Name, "Олена Петренко")

	// Alpha's card, opened now, carries alpha in its buttons...
	h.tapData(h.staff, 0, callback.WithClub(callback.New(callback.ActionTaskCard, taskA.ID), h.f.Club.ID))
	_, takeData := h.buttonData(h.staff, "▶️ Take")
	if d, err := callback.Decode(takeData); err != nil || d.Club != h.f.Club.ID {
		t.Fatalf("alpha's Take button %q names club %d (%v)", takeData, d.Club, err)
	}
	// ...so after switching to beta, it still takes alpha's task, in alpha.
	h.say(h.staff, "/club")
	h.tap(h.staff, b.Club.Name)
	h.tapData(h.staff, 0, takeData)
	if status, assignee, _ := h.taskRow(taskA.ID); status != "in_progress" || assignee != h.f.Staff.ID {
		t.Fatalf("alpha's task after a tap from beta: %s, assignee %d", status, assignee)
	}
	expect(t, "card names alpha", h.lastText(h.staff), "🏢 "+h.f.Club.Name)
	h.expectRows("still working in beta", 1, `SELECT count(*) FROM identity_current WHERE external_id = $1 AND club_id = $2`, fmt.Sprint(h.staff.ID), b.Club.ID)

	// A button claiming a club they are not on the staff of: nothing.
	gamma := pgtest.NewClub(t, h.db, "gamma")
	taskC, err := h.db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: gamma.Club.ID, TemplateID: gamma.Templates["call"], ClientID: gamma.Clients[0], Title: "Gamma's call"})
	if err != nil {
		t.Fatal(err)
	}
	h.tapData(h.staff, 0, callback.WithClub(callback.New(callback.ActionTaskTake, taskC.ID), gamma.Club.ID))
	h.expectAnswer("foreign club", h.text("bot.err.club_not_member", nil))
	if status, _, _ := h.taskRow(taskC.ID); status != "new" {
		t.Fatalf("gamma's task was touched: %s", status)
	}
	// A beta task id with alpha's stamp: acts in alpha, where it does not exist.
	h.tapData(h.staff, 0, callback.WithClub(callback.New(callback.ActionTaskTake, taskB.ID), h.f.Club.ID))
	var taken int
	if err := h.db.Pool().QueryRow(ctx, `SELECT count(*) FROM tasks WHERE id = $1 AND status <> 'new'`, taskB.ID).Scan(&taken); err != nil || taken != 0 {
		t.Fatalf("beta's task was taken through alpha's stamp (%d, %v)", taken, err)
	}
	// /club to a club they are not on the staff of, forged.
	h.tapData(h.staff, 0, callback.New(callback.ActionClubWork, gamma.Club.ID))
	h.expectAnswer("forged switch", h.text("bot.err.club_not_member", nil))
	h.noUnanswered()
}

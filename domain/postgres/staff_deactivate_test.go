package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// Offboarding: the person becomes a stranger, their open tasks move (or are
// left unassigned), their closed tasks keep their name, the invites made out
// to them die, and an old invite cannot bring them back.
func TestStaffDeactivate(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db := pgtest.New(t, postgres.WithClock(clock))
	f := pgtest.NewClub(t, db, "alpha")
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()

	newTask := func(assignee int64) domain.Task {
		t.Helper()
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Job", AssigneeID: assignee})
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	open1, open2, done := newTask(f.Staff.ID), newTask(f.Staff.ID), newTask(f.Staff.ID)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'in_progress', taken_at = now() WHERE id = $1`, open2.ID)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done.ID)
	pgtest.Exec(t, db, `UPDATE staff SET current_task_id = $2 WHERE id = $1`, f.Staff.ID, open2.ID)
	mine, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, "staff ALPHA", time.Hour) // their second link, unused
	if err != nil {
		t.Fatal(err)
	}
	someoneElse, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, "New hire", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	// Refusals first: nothing changes.
	for name, c := range map[string]struct {
		staff, to int64
		want      error
	}{
		"to self":             {f.Staff.ID, f.Staff.ID, domain.ErrInvalid},
		"to another club":     {f.Staff.ID, other.Staff.ID, domain.ErrNotFound},
		"another club's":      {other.Staff.ID, 0, domain.ErrNotFound},
		"unknown reassign-to": {f.Staff.ID, 987654, domain.ErrNotFound},
	} {
		if _, err := db.StaffDeactivate(ctx, f.Club.ID, c.staff, c.to, domain.Staff{}); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := db.StaffDeactivate(ctx, f.Club.ID, f.Manager.ID, 0, f.Staff); domain.ErrorCode(err) != domain.CodeManagersOnly {
		t.Fatalf("staff deactivating a manager: %v", err)
	}
	if _, err := db.StaffDeactivate(ctx, f.Club.ID, f.Manager.ID, 0, f.Manager); domain.ErrorCode(err) != domain.CodeDeactivateSelf {
		t.Fatalf("manager deactivating themselves: %v", err)
	}

	got, err := db.StaffDeactivate(ctx, f.Club.ID, f.Staff.ID, f.Colleague.ID, f.Manager)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tasks != 2 || got.InvitesRevoked != 1 || got.ReassignedTo != f.Colleague.ID || got.Staff.Name != f.Staff.Name {
		t.Fatalf("deactivation: %+v", got)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE assignee_id = $1 AND status = 'new' AND taken_at IS NULL AND id IN ($2, $3)`,
		f.Colleague.ID, open1.ID, open2.ID); n != 2 {
		t.Fatalf("%d open tasks moved to the colleague as new", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND assignee_id = $2 AND status = 'done'`, done.ID, f.Staff.ID); n != 1 {
		t.Fatal("the done task lost its assignee")
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE id = $1 AND NOT active AND deactivated_at = $2 AND current_task_id IS NULL AND name = $3`,
		f.Staff.ID, clock.Now(), f.Staff.Name); n != 1 {
		t.Fatal("staff row not deactivated as expected")
	}
	if _, _, err := db.StaffIdentify(ctx, f.Staff.TelegramID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deactivated person identified: %v", err)
	}
	if _, err := db.StaffDeactivate(ctx, f.Club.ID, f.Staff.ID, 0, domain.Staff{}); domain.ErrorCode(err) != domain.CodeStaffInactive {
		t.Fatalf("twice: %v", err)
	}
	if _, err := db.StaffDeactivate(ctx, f.Club.ID, f.Colleague.ID, f.Staff.ID, domain.Staff{}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("reassign to the deactivated: %v", err)
	}

	// Their invite is dead, for them and for anyone; an unrelated one lives.
	tg := tgUser{ID: f.Staff.TelegramID, FirstName: "Back"}
	if _, err := redeemTG(ctx, db, mine, tgUser{ID: 777_001}); domain.ErrorCode(err) != domain.CodeInviteInvalid {
		t.Fatalf("invite in their name: %v", err)
	}
	// An invite from before they left does not bring their account back...
	if _, err := redeemTG(ctx, db, someoneElse, tg); domain.ErrorCode(err) != domain.CodeInviteInvalid {
		t.Fatalf("old invite by the deactivated account: %v", err)
	}
	if _, err := redeemTG(ctx, db, someoneElse, tgUser{ID: 777_002, FirstName: "Hire"}); err != nil {
		t.Fatalf("unrelated invite: %v", err)
	}
	// ...a new one, a deliberate re-hire, does.
	clock.Advance(time.Minute)
	rehire, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := redeemTG(ctx, db, rehire, tg); err != nil || !s.Active {
		t.Fatalf("re-hire: %+v %v", s, err)
	}

	roster, err := db.StaffRoster(ctx, f.Club.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := roster[len(roster)-1]
	if len(roster) != 5 || last.ID != f.Staff.ID || last.Active || roster[0].Name != "Back" {
		t.Fatalf("roster: %+v", roster)
	}
	for _, l := range roster {
		if l.ID == f.Colleague.ID && l.OpenTasks != 2 {
			t.Fatalf("colleague has %d open tasks", l.OpenTasks)
		}
	}
}

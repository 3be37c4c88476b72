package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// An operator offboards someone who left: staff list shows the ids, staff
// deactivate hands their open tasks on, and the rows say so.
func TestStaffListAndDeactivate(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	club := fmt.Sprint(f.Club.ID)
	for range 2 {
		if _, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Job", AssigneeID: f.Staff.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.InviteCreate(ctx, f.Club.ID, domain.RoleStaff, f.Staff.Name, time.Hour); err != nil {
		t.Fatal(err)
	}

	pgtest.Exec(t, db, `UPDATE staff_identities SET username = 'staff_a' WHERE staff_id = $1`, f.Staff.ID)
	pgtest.LinkIdentity(t, db, f.Club.ID, f.Staff.ID, chat.TelegramAddress(7, f.Staff.TelegramID))
	pgtest.MarkUnreachable(t, db, f.Colleague.ID, time.Now())
	noAccount := pgtest.Staff(t, db, f.Club, pgtest.StaffOpts{Name: "Zoe", NoAccount: true}).ID
	out, errOut, err := runCmd(t, env, "staff", "list", "--club", club)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{
		"ID  NAME",
		fmt.Sprintf("%d   Staff alpha      staff    active               2           telegram (bot 7), telegram @staff_a", f.Staff.ID),
		fmt.Sprintf("%d   Colleague alpha  staff    active, unreachable  0           telegram blocked", f.Colleague.ID),
		fmt.Sprintf("%d   Zoe              staff    active               0           -", noAccount),
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("staff list lacks %q:\n%s", want, out)
		}
	}

	// Mistakes: one clear line each, nothing changed.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--club", club}, "--staff ID are required"},
		{[]string{"--club", club, "--staff", "999999"}, "no staff member with id 999999"},
		{[]string{"--club", club, "--staff", fmt.Sprint(f.Staff.ID), "--reassign-to", "999999"}, "--reassign-to 999999 is not an active staff member"},
		{[]string{"--club", club, "--staff", fmt.Sprint(f.Staff.ID), "--reassign-to", fmt.Sprint(f.Staff.ID)}, "cannot be reassigned to the person who leaves"},
		{[]string{"--club", "424242", "--staff", fmt.Sprint(f.Staff.ID)}, "there is no club with id 424242"},
	} {
		_, _, err := runCmd(t, env, append([]string{"staff", "deactivate"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE NOT active`); n != 0 {
		t.Fatalf("a refused command deactivated %d", n)
	}

	out, errOut, err = runCmd(t, env, "staff", "deactivate", "--club", club, "--staff", fmt.Sprint(f.Staff.ID), "--reassign-to", fmt.Sprint(f.Colleague.ID))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, w := range []string{"Staff alpha (id", "is deactivated", "2 open task(s) reassigned to Colleague alpha", "1 unused invite(s) in their name revoked"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE assignee_id = $1 AND status = 'new'`, f.Colleague.ID); n != 2 {
		t.Fatalf("colleague has %d tasks", n)
	}
	if _, _, err := db.StaffIdentify(ctx, f.Staff.TelegramID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deactivated person still identified: %v", err)
	}
	out, _, _ = runCmd(t, env, "staff", "list", "--club", club)
	if !strings.Contains(out, "deactivated") {
		t.Fatalf("staff list after:\n%s", out)
	}
	_, _, err = runCmd(t, env, "staff", "deactivate", "--club", club, "--staff", fmt.Sprint(f.Staff.ID))
	if err == nil || !strings.Contains(err.Error(), "already deactivated") {
		t.Fatalf("twice: %v", err)
	}

	// Without --reassign-to the tasks are left for the managers.
	out, _, err = runCmd(t, env, "staff", "deactivate", "--club", club, "--staff", fmt.Sprint(f.Colleague.ID))
	if err != nil || !strings.Contains(out, "2 open task(s) left unassigned") {
		t.Fatalf("unassigned: %v\n%s", err, out)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE assignee_id IS NULL AND status = 'new'`); n != 2 {
		t.Fatalf("%d unassigned tasks", n)
	}
}

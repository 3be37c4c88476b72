package domain

import (
	"fmt"
	"testing"
)

// The buttons a task gets for a person, decided in one place for the card,
// reminders and notices.
func TestTaskButtonsFor(t *testing.T) {
	t.Parallel()
	const club = 1
	manager := Staff{ID: 1, ClubID: club, Role: RoleManager, Active: true}
	alice := Staff{ID: 2, ClubID: club, Role: RoleStaff, Active: true}
	bob := Staff{ID: 3, ClubID: club, Role: RoleStaff, Active: true}
	task := func(typ TaskType, status Status, assignee int64) Task {
		return Task{ID: 9, ClubID: club, Type: typ, Status: status, AssigneeID: assignee, AuthorID: manager.ID}
	}
	cases := []struct {
		name   string
		t      Task
		viewer Staff
		want   string // Rows(), Next first
	}{
		{"a new call of mine", task(TypePersonalCall, StatusNew, alice.ID), alice,
			"[[take result] [status reschedule] [edit reminder repeat]]"},
		{"a call of mine in progress", task(TypePersonalCall, StatusInProgress, alice.ID), alice,
			"[[result] [status reschedule] [edit reminder repeat]]"},
		// An internal task has no results: it is marked done, never "Enter result".
		{"an internal task of mine", task(TypeInternal, StatusNew, alice.ID), alice,
			"[[take done] [status reschedule] [edit reminder repeat]]"},
		{"an unassigned internal task in progress", task(TypeInternal, StatusInProgress, 0), bob,
			"[[take done] [status reschedule] [edit reminder repeat]]"},
		// A colleague's task: nothing to do, and no empty rows.
		{"a colleague's call", task(TypePersonalCall, StatusNew, bob.ID), alice, "[]"},
		{"a manager on anyone's call", task(TypePersonalCall, StatusNew, bob.ID), manager,
			"[[take result] [status reschedule] [edit reminder repeat] [delete]]"},
		{"a done call, manager", task(TypePersonalCall, StatusDone, bob.ID), manager, "[[status] [delete]]"},
		{"a done call, staff", task(TypePersonalCall, StatusDone, alice.ID), alice, "[]"},
		// A bulk call follows its calls: no take, done, result or status.
		{"my bulk call", task(TypeBulkCall, StatusInProgress, alice.ID), alice,
			"[[bulk_calls] [bulk_cancel reschedule] [edit reminder]]"},
		{"a bulk call, manager", task(TypeBulkCall, StatusNew, bob.ID), manager,
			"[[bulk_calls] [bulk_cancel reschedule] [edit reminder] [delete]]"},
		{"a colleague's bulk call", task(TypeBulkCall, StatusNew, bob.ID), alice, "[[bulk_calls]]"},
		{"a done bulk call, manager", task(TypeBulkCall, StatusDone, bob.ID), manager, "[[bulk_calls] [delete]]"},
		{"another club's task", Task{ID: 9, ClubID: 2, Type: TypeInternal, Status: StatusNew}, manager, "[]"},
	}
	for _, c := range cases {
		b := TaskButtonsFor(c.t, c.viewer)
		if got := fmt.Sprint(b.Rows()); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		for _, r := range b.More {
			if len(r) == 0 {
				t.Errorf("%s: an empty row in %v", c.name, b.More)
			}
		}
	}
}

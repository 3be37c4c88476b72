package domain

import (
	"errors"
	"testing"
)

func TestDecideTake(t *testing.T) {
	t.Parallel()
	staff := Staff{ID: 5, ClubID: 1, Role: RoleStaff, Active: true}
	manager := Staff{ID: 5, ClubID: 1, Role: RoleManager, Active: true}
	task := func(typ TaskType, s Status, assignee int64) Task {
		return Task{ID: 9, ClubID: 1, Type: typ, Status: s, AssigneeID: assignee}
	}
	cases := []struct {
		name    string
		actor   Staff
		task    Task
		verdict TakeVerdict
		kind    error // for TakeRefused
		code    Code  // for TakeRefused with a *Error
	}{
		{"new unassigned", staff, task(TypePersonalCall, StatusNew, 0), TakeNow, nil, ""},
		{"new and own", staff, task(TypeClientTask, StatusNew, 5), TakeNow, nil, ""},
		{"new, someone else's, staff", staff, task(TypePersonalCall, StatusNew, 6), TakeRefused, ErrForbidden, "task_not_yours"},
		{"new, someone else's, manager", manager, task(TypePersonalCall, StatusNew, 6), TakeNow, nil, ""},
		{"in progress, nobody on it", staff, task(TypeInternal, StatusInProgress, 0), TakeNow, nil, ""},
		{"in progress, own", staff, task(TypePersonalCall, StatusInProgress, 5), TakeAlreadyYours, nil, ""},
		{"in progress, someone else, staff", staff, task(TypePersonalCall, StatusInProgress, 6), TakeTakenByOther, nil, ""},
		{"in progress, someone else, manager", manager, task(TypePersonalCall, StatusInProgress, 6), TakeTakenByOther, nil, ""},
		{"done", manager, task(TypePersonalCall, StatusDone, 0), TakeRefused, ErrConflict, "task_closed"},
		{"cancelled", staff, task(TypePersonalCall, StatusCancelled, 5), TakeRefused, ErrConflict, "task_closed"},
		{"bulk call", manager, task(TypeBulkCall, StatusNew, 0), TakeRefused, ErrInvalid, "bulk_status_follows_calls"},
		{"bulk call before closed", staff, task(TypeBulkCall, StatusDone, 0), TakeRefused, ErrInvalid, "bulk_status_follows_calls"},
		{"another club's", manager, Task{ID: 9, ClubID: 2, Type: TypePersonalCall, Status: StatusNew}, TakeRefused, ErrNotFound, ""},
		{"inactive actor", Staff{ID: 5, ClubID: 1, Role: RoleOwner}, task(TypePersonalCall, StatusNew, 0), TakeRefused, ErrNotFound, ""},
	}
	for _, c := range cases {
		verdict, err := DecideTake(c.actor, c.task)
		if verdict != c.verdict {
			t.Errorf("%s: verdict %q (%v), want %q", c.name, verdict, err, c.verdict)
			continue
		}
		if c.verdict != TakeRefused {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			if want := c.verdict == TakeNow; MayTake(c.actor, c.task) != want {
				t.Errorf("%s: MayTake %v, want %v", c.name, !want, want)
			}
			continue
		}
		if MayTake(c.actor, c.task) && c.kind != ErrNotFound {
			t.Errorf("%s: refused, yet MayTake", c.name)
		}
		var de *Error
		if !errors.Is(err, c.kind) || c.code != "" && (!errors.As(err, &de) || de.Code != c.code) {
			t.Errorf("%s: got %v, want %v %s", c.name, err, c.kind, c.code)
		}
	}
}

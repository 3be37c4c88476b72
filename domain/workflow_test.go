package domain

import (
	"errors"
	"testing"
	"time"
)

func TestNextDue(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	cases := []struct {
		name    string
		now     time.Time
		offset  time.Duration
		working bool
		loc     *time.Location
		want    time.Time
	}{
		{"plain hours", at(kyiv, 2026, 11, 26, 10, 0), 2 * time.Hour, false, kyiv, at(kyiv, 2026, 11, 26, 12, 0)},
		{"one day keeps wall clock over spring-forward", at(kyiv, 2026, 3, 28, 10, 0), 24 * time.Hour, false, kyiv, at(kyiv, 2026, 3, 29, 10, 0)},
		{"one day keeps wall clock over fall-back", at(ny, 2026, 10, 31, 18, 0), 24 * time.Hour, false, ny, at(ny, 2026, 11, 1, 18, 0)},
		{"Friday +1 working day is Monday", at(kyiv, 2026, 11, 27, 15, 0), 24 * time.Hour, true, kyiv, at(kyiv, 2026, 11, 30, 15, 0)},
		{"Thursday +3 working days is Tuesday", at(kyiv, 2026, 11, 26, 9, 0), 72 * time.Hour, true, kyiv, at(kyiv, 2026, 12, 1, 9, 0)},
		{"Saturday +0 working days moves to Monday", at(kyiv, 2026, 11, 28, 11, 0), 0, true, kyiv, at(kyiv, 2026, 11, 30, 11, 0)},
		{"Friday +4h that lands Saturday moves on", at(kyiv, 2026, 11, 27, 22, 0), 4 * time.Hour, true, kyiv, at(kyiv, 2026, 11, 30, 2, 0)},
		{"calendar days include weekends", at(kyiv, 2026, 11, 27, 15, 0), 24 * time.Hour, false, kyiv, at(kyiv, 2026, 11, 28, 15, 0)},
	}
	for _, c := range cases {
		if got := NextDue(c.now.UTC(), c.offset, c.working, DefaultWorkingHours, c.loc); !got.Equal(c.want) {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestResolveAssignee(t *testing.T) {
	t.Parallel()
	in := AssigneeInput{ClosedBy: 1, Author: 2, Assignee: 3, LeastRoled: 4, NamedOK: true}
	cases := []struct {
		name string
		rule WorkflowRule
		in   AssigneeInput
		want int64
	}{
		{"same", WorkflowRule{Assignee: AssignSame}, in, 1},
		{"author", WorkflowRule{Assignee: AssignAuthor}, in, 2},
		{"author missing falls back", WorkflowRule{Assignee: AssignAuthor}, AssigneeInput{ClosedBy: 1}, 1},
		{"named", WorkflowRule{Assignee: AssignStaff, AssigneeStaff: 9}, in, 9},
		{"named left the club", WorkflowRule{Assignee: AssignStaff, AssigneeStaff: 9}, AssigneeInput{ClosedBy: 1, NamedOK: false}, 1},
		{"role", WorkflowRule{Assignee: AssignRole, AssigneeRole: RoleManager}, in, 4},
		{"empty role falls back", WorkflowRule{Assignee: AssignRole}, AssigneeInput{ClosedBy: 1}, 1},
		{"system-closed uses assignee", WorkflowRule{Assignee: AssignSame}, AssigneeInput{Assignee: 3}, 3},
	}
	for _, c := range cases {
		if got := ResolveAssignee(c.rule, c.in); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func TestFindWorkflowCycle(t *testing.T) {
	t.Parallel()
	chain := []WorkflowEdge{{From: "call", To: "check", Result: "going_to_buy"}, {From: "check", To: "welcome", Result: "bought"}}
	if c := FindWorkflowCycle(chain); c != nil {
		t.Errorf("chain reported as cycle %v", c)
	}
	self := []WorkflowEdge{{From: "call", To: "call", Result: "call_back"}}
	if c := FindWorkflowCycle(self); len(c) != 2 || c[0] != "call" {
		t.Errorf("self-loop: got %v", c)
	}
	loop := append(chain, WorkflowEdge{From: "welcome", To: "call", Result: "x"})
	if c := FindWorkflowCycle(loop); len(c) != 4 || c[0] != c[len(c)-1] {
		t.Errorf("three-step loop: got %v", c)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	mgr := Staff{ID: 1, ClubID: 10, Role: RoleManager, Active: true}
	me := Staff{ID: 2, ClubID: 10, Role: RoleStaff, Active: true}
	mine := Task{ClubID: 10, AssigneeID: 2, AuthorID: 2}
	theirs := Task{ClubID: 10, AssigneeID: 3, AuthorID: 1}
	open := Task{ClubID: 10, AuthorID: 1}
	foreign := Task{ClubID: 11, AssigneeID: 2}
	cases := []struct {
		name   string
		actor  Staff
		task   Task
		action TaskAction
		want   error
	}{
		{"manager edits anything", mgr, theirs, ActionEdit, nil},
		{"manager reassigns", mgr, theirs, ActionReassign, nil},
		{"manager deletes", mgr, theirs, ActionDelete, nil},
		{"staff results own", me, mine, ActionResult, nil},
		{"staff takes unassigned", me, open, ActionTake, nil},
		{"staff deletes own authored", me, mine, ActionDelete, nil},
		{"staff views others", me, theirs, ActionView, nil},
		{"staff cannot take others'", me, theirs, ActionTake, ErrForbidden},
		{"staff cannot result others'", me, theirs, ActionResult, ErrForbidden},
		{"staff cannot reassign", me, mine, ActionReassign, ErrForbidden},
		{"staff cannot delete manager's task", me, open, ActionDelete, ErrForbidden},
		{"other club is not found", me, foreign, ActionView, ErrNotFound},
		{"other club manager is not found", mgr, foreign, ActionEdit, ErrNotFound},
		{"inactive staff", Staff{ID: 2, ClubID: 10, Role: RoleStaff}, mine, ActionView, ErrNotFound},
	}
	for _, c := range cases {
		err := CanActOnTask(c.actor, c.task, c.action)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if CanManageClub(me) == nil || CanManageClub(mgr) != nil {
		t.Error("CanManageClub")
	}
}

func TestInviteCode(t *testing.T) {
	t.Parallel()
	code, hash := NewInviteCode()
	if !ValidInviteCodeSyntax(code) || len(code) > 64 {
		t.Fatalf("code %q not deep-link safe", code)
	}
	if string(HashInviteCode(code)) != string(hash) {
		t.Fatal("hash mismatch")
	}
	code2, _ := NewInviteCode()
	if code == code2 {
		t.Fatal("codes repeat")
	}
	for _, bad := range []string{"", "a b", "a+b", "ключ", string(make([]byte, 65))} {
		if ValidInviteCodeSyntax(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

package domain

import (
	"errors"
	"testing"
	"time"
)

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	type tc struct {
		from, to Status
		typ      TaskType
		result   bool
		manager  bool
		wantErr  error
		wantCode Code
	}
	cases := []tc{
		// allowed
		{StatusNew, StatusInProgress, TypePersonalCall, false, false, nil, ""},
		{StatusInProgress, StatusDone, TypePersonalCall, true, false, nil, ""},
		{StatusNew, StatusDone, TypeClientTask, true, false, nil, ""},
		{StatusNew, StatusDone, TypeInternal, false, false, nil, ""},
		// a bulk call's status follows its calls, never set by hand
		{StatusInProgress, StatusDone, TypeBulkCall, false, true, ErrInvalid, "bulk_status_follows_calls"},
		{StatusNew, StatusCancelled, TypeBulkCall, false, true, ErrInvalid, "bulk_status_follows_calls"},
		{StatusNew, StatusInProgress, TypeBulkCall, false, true, ErrInvalid, "bulk_status_follows_calls"},
		{StatusNew, StatusCancelled, TypePersonalCall, false, false, nil, ""},
		{StatusInProgress, StatusCancelled, TypeInternal, false, false, nil, ""},
		{StatusInProgress, StatusNew, TypeInternal, false, false, nil, ""},
		{StatusDone, StatusInProgress, TypePersonalCall, false, true, nil, ""},
		{StatusCancelled, StatusInProgress, TypeClientTask, false, true, nil, ""},
		// closing a client task needs a result
		{StatusInProgress, StatusDone, TypePersonalCall, false, false, ErrInvalid, "result_required"},
		{StatusNew, StatusDone, TypeClientTask, false, true, ErrInvalid, "result_required"},
		// reopening is for managers only
		{StatusDone, StatusInProgress, TypePersonalCall, false, false, ErrForbidden, "reopen_managers_only"},
		{StatusCancelled, StatusInProgress, TypeInternal, false, false, ErrForbidden, "reopen_managers_only"},
		// nothing moves out of done/cancelled except reopen
		{StatusDone, StatusCancelled, TypeInternal, false, true, ErrInvalid, "transition_not_allowed"},
		{StatusCancelled, StatusDone, TypeInternal, false, true, ErrInvalid, "transition_not_allowed"},
		{StatusDone, StatusNew, TypeInternal, false, true, ErrInvalid, "transition_not_allowed"},
		{StatusCancelled, StatusNew, TypeInternal, false, true, ErrInvalid, "transition_not_allowed"},
		// same status
		{StatusNew, StatusNew, TypeInternal, false, false, ErrConflict, "status_unchanged"},
		{StatusDone, StatusDone, TypePersonalCall, true, true, ErrConflict, "status_unchanged"},
		// unknown target
		{StatusNew, Status("archived"), TypeInternal, false, true, ErrInvalid, "transition_not_allowed"},
	}
	for _, c := range cases {
		err := CheckTransition(Transition{From: c.from, To: c.to, Type: c.typ, HasResult: c.result, ByManager: c.manager})
		if c.wantErr == nil {
			if err != nil {
				t.Errorf("%s→%s (%s, result=%v, manager=%v): unexpected %v", c.from, c.to, c.typ, c.result, c.manager, err)
			}
			continue
		}
		if !errors.Is(err, c.wantErr) || ErrorCode(err) != c.wantCode {
			t.Errorf("%s→%s (%s, result=%v, manager=%v): got %v (code %q), want %v (%s)", c.from, c.to, c.typ, c.result, c.manager, err, ErrorCode(err), c.wantErr, c.wantCode)
		}
	}
}

// Following its calls is how a bulk call's status changes.
func TestCheckTransitionBulkFollowsCalls(t *testing.T) {
	t.Parallel()
	for _, to := range []Status{StatusInProgress, StatusDone} {
		if err := CheckTransition(Transition{From: StatusNew, To: to, Type: TypeBulkCall, FollowsSubtasks: true}); err != nil {
			t.Errorf("bulk call following its calls to %s: %v", to, err)
		}
	}
}

func TestValidateClients(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ TaskType
		n   int
		ok  bool
	}{
		{TypePersonalCall, 1, true}, {TypePersonalCall, 0, false}, {TypePersonalCall, 2, false},
		{TypeClientTask, 1, true}, {TypeClientTask, 0, false}, {TypeClientTask, 3, false},
		{TypeBulkCall, 2, true}, {TypeBulkCall, 1000, true}, {TypeBulkCall, 1, false}, {TypeBulkCall, 0, false},
		{TypeInternal, 0, true}, {TypeInternal, 1, false},
		{TaskType("meeting"), 0, false},
	}
	for _, c := range cases {
		err := c.typ.ValidateClients(c.n)
		if (err == nil) != c.ok {
			t.Errorf("%s with %d clients: err=%v, want ok=%v", c.typ, c.n, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s with %d clients: %v is not ErrInvalid", c.typ, c.n, err)
		}
	}
}

func TestParseEnums(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"personal_call", "bulk_call", "client_task", "internal"} {
		if _, err := ParseTaskType(s); err != nil {
			t.Errorf("ParseTaskType(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "Personal_Call", "call", "internal "} {
		if _, err := ParseTaskType(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTaskType(%q) accepted", s)
		}
	}
	for _, s := range []string{"new", "in_progress", "done", "cancelled"} {
		if _, err := ParseStatus(s); err != nil {
			t.Errorf("ParseStatus(%q): %v", s, err)
		}
	}
	if _, err := ParseStatus("overdue"); err == nil {
		t.Error("overdue is not a status, it is derived")
	}
	for _, s := range []string{"owner", "manager", "staff"} {
		if _, err := ParseRole(s); err != nil {
			t.Errorf("ParseRole(%q): %v", s, err)
		}
	}
	if _, err := ParseRole("admin"); err == nil {
		t.Error("ParseRole(admin) accepted")
	}
	if _, err := ParseCallDirection("sideways"); err == nil {
		t.Error("ParseCallDirection(sideways) accepted")
	}
	if _, err := ParseAssigneeRule("random"); err == nil {
		t.Error("ParseAssigneeRule(random) accepted")
	}
	if _, err := ParseFieldType("file"); err == nil {
		t.Error("ParseFieldType(file) accepted")
	}
	if st, err := ParseClientStatus(" Active "); err != nil || st != ClientActive {
		t.Errorf("ParseClientStatus(Active) = %q, %v", st, err)
	}
	if st, err := ParseClientStatus(""); err != nil || st != ClientLead {
		t.Errorf("empty status should be lead, got %q, %v", st, err)
	}
	if _, err := ParseClientStatus("vip"); err == nil {
		t.Error("ParseClientStatus(vip) accepted")
	}
}

func TestTaskOverdueAndText(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	cases := []struct {
		st   Status
		due  *time.Time
		want bool
	}{
		{StatusNew, &past, true}, {StatusInProgress, &past, true}, {StatusDone, &past, false},
		{StatusCancelled, &past, false}, {StatusNew, &future, false}, {StatusNew, nil, false},
	}
	for _, c := range cases {
		if got := (Task{Status: c.st, DueAt: c.due}).Overdue(now); got != c.want {
			t.Errorf("Overdue(%s, %v) = %v", c.st, c.due, got)
		}
	}
	long := make([]rune, MaxTitleLen+1)
	for i := range long {
		long[i] = 'я'
	}
	for name, task := range map[string]Task{
		"empty title":      {Title: "  "},
		"long title":       {Title: string(long)},
		"long description": {Title: "ok", Description: string(make([]rune, MaxDescriptionLen+1))},
	} {
		if err := task.ValidateText(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
	if err := (Task{Title: string(long[:MaxTitleLen])}).ValidateText(); err != nil {
		t.Errorf("title at the limit refused: %v", err)
	}
}

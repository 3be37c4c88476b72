package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TaskType is one of the four fixed kinds of task; it decides how many clients
// a task has.
type TaskType string

// The four task types.
const (
	TypePersonalCall TaskType = "personal_call" // exactly one client
	TypeBulkCall     TaskType = "bulk_call"     // two or more clients, fanned out into personal calls
	TypeClientTask   TaskType = "client_task"   // exactly one client, not a call
	TypeInternal     TaskType = "internal"      // no client
)

// TaskTypes lists the types in menu order.
var TaskTypes = []TaskType{TypePersonalCall, TypeBulkCall, TypeClientTask, TypeInternal}

// ParseTaskType validates a type name.
func ParseTaskType(s string) (TaskType, error) {
	for _, t := range TaskTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", Invalid(CodeTaskTypeInvalid, fmt.Sprintf("task type %q is not one of personal_call, bulk_call, client_task, internal", s), nil)
}

// HasClient reports whether tasks of this type are about exactly one client.
func (t TaskType) HasClient() bool { return t == TypePersonalCall || t == TypeClientTask }

// NeedsResult reports whether a task of this type can be closed only with a
// result. Client tasks must record what came of the contact; a bulk call is
// closed by its subtasks, an internal task by whoever did it.
func (t TaskType) NeedsResult() bool { return t.HasClient() }

// ValidateClients checks a task's client count against its type: exactly one
// for personal calls and client tasks, at least two for bulk calls, none for
// internal tasks.
func (t TaskType) ValidateClients(n int) error {
	var ok bool
	switch t {
	case TypePersonalCall, TypeClientTask:
		ok = n == 1
	case TypeBulkCall:
		ok = n >= 2
	case TypeInternal:
		ok = n == 0
	default:
		return Invalid(CodeTaskTypeInvalid, fmt.Sprintf("unknown task type %q", t), nil)
	}
	if !ok {
		return Invalid(CodeClientCountInvalid, fmt.Sprintf("a %s task cannot have %d clients", t, n), map[string]any{"type": string(t), "count": n})
	}
	return nil
}

// Status is a task's place in its life cycle. Overdue is not a status: it is a
// due time in the past on a task that is still open.
type Status string

// Task statuses.
const (
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusDone       Status = "done"
	StatusCancelled  Status = "cancelled"
)

// Statuses lists every status in life-cycle order.
var Statuses = []Status{StatusNew, StatusInProgress, StatusDone, StatusCancelled}

// ParseStatus validates a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", Invalid(CodeStatusInvalid, fmt.Sprintf("task status %q is not one of new, in_progress, done, cancelled", s), nil)
}

// Open reports whether the task still needs doing.
func (s Status) Open() bool { return s == StatusNew || s == StatusInProgress }

// Task is one piece of work, usually about one client.
type Task struct {
	ID          int64
	ClubID      int64
	Type        TaskType
	TemplateID  int64
	Title       string
	Description string
	ClientID    int64 // 0 for bulk and internal tasks
	ParentID    int64 // the bulk call this personal call was fanned out of; 0 if none
	AuthorID    int64 // staff who created it; 0 when the system did (a workflow)
	AssigneeID  int64 // 0 while unassigned
	Status      Status
	DueAt       *time.Time
	RemindAt    *time.Time
	ResultID    int64 // the result it was closed with; 0 if none
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DoneAt      *time.Time
}

// Limits on task text.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 2000
)

// Overdue reports whether the task is open and past its due time at now.
func (t Task) Overdue(now time.Time) bool {
	return t.Status.Open() && t.DueAt != nil && t.DueAt.Before(now)
}

// ValidateText checks a task's title and description.
func (t Task) ValidateText() error {
	if strings.TrimSpace(t.Title) == "" {
		return Invalid(CodeTitleRequired, "task title is required", nil)
	}
	if n := utf8.RuneCountInString(t.Title); n > MaxTitleLen {
		return Invalid(CodeTooLong, fmt.Sprintf("title is %d characters, the limit is %d", n, MaxTitleLen), map[string]any{"limit": MaxTitleLen})
	}
	if n := utf8.RuneCountInString(t.Description); n > MaxDescriptionLen {
		return Invalid(CodeTooLong, fmt.Sprintf("description is %d characters, the limit is %d", n, MaxDescriptionLen), map[string]any{"limit": MaxDescriptionLen})
	}
	return nil
}

// Transition describes a requested status change.
type Transition struct {
	From      Status
	To        Status
	Type      TaskType
	HasResult bool // a result is being recorded with this change (or already is)
	ByManager bool // the actor is an owner or manager
	// FollowsSubtasks marks a bulk call's status following its subtasks,
	// the only way a bulk call's status changes.
	FollowsSubtasks bool
}

// CheckTransition decides whether a status change is allowed:
//
//	new → in progress → done; new → done (a quick call needs no "take" first);
//	new | in progress → cancelled;
//	done | cancelled → in progress: reopen, managers and owners only;
//	in progress → new: hand a task back.
//
// Closing a client task (personal call, other client task) requires a result.
// A bulk call's status follows its subtasks and is never set by hand (code
// "bulk_status_follows_calls"): marking it done would leave its open calls
// behind, and nothing would ever bring it back in line.
func CheckTransition(tr Transition) error {
	if tr.Type == TypeBulkCall {
		if !tr.FollowsSubtasks {
			return Invalid(CodeBulkStatusFollowsCalls, "a bulk call's status follows its calls; cancel its open calls instead", nil)
		}
		if tr.From == tr.To {
			return Conflict(CodeStatusUnchanged, fmt.Sprintf("task is already %s", tr.To), map[string]any{"status": string(tr.To)})
		}
		return nil // wherever its calls take it, a reopened call included
	}
	notAllowed := func() error {
		return Invalid(CodeTransitionNotAllowed, fmt.Sprintf("cannot change a task from %s to %s", tr.From, tr.To), map[string]any{"from": string(tr.From), "to": string(tr.To)})
	}
	if tr.From == tr.To {
		return Conflict(CodeStatusUnchanged, fmt.Sprintf("task is already %s", tr.To), map[string]any{"status": string(tr.To)})
	}
	switch tr.To {
	case StatusInProgress:
		switch tr.From {
		case StatusNew:
			return nil
		case StatusDone, StatusCancelled:
			if !tr.ByManager {
				return Forbidden(CodeReopenManagersOnly, "only managers and owners can reopen a task")
			}
			return nil
		}
	case StatusNew:
		if tr.From == StatusInProgress {
			return nil
		}
	case StatusDone:
		if tr.From.Open() {
			if tr.Type.NeedsResult() && !tr.HasResult {
				return Invalid(CodeResultRequired, "a client task can only be closed with a result", nil)
			}
			return nil
		}
	case StatusCancelled:
		if tr.From.Open() {
			return nil
		}
	}
	return notAllowed()
}

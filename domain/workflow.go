package domain

import (
	"fmt"
	"time"
)

// AssigneeRule says who gets the next task of a workflow.
type AssigneeRule string

// Assignee rules.
const (
	AssignSame   AssigneeRule = "same"   // whoever closed the task
	AssignAuthor AssigneeRule = "author" // the closed task's author
	AssignStaff  AssigneeRule = "staff"  // a named staff member
	AssignRole   AssigneeRule = "role"   // the least-loaded active member of a role
)

// ParseAssigneeRule validates a rule name.
func ParseAssigneeRule(s string) (AssigneeRule, error) {
	switch r := AssigneeRule(s); r {
	case AssignSame, AssignAuthor, AssignStaff, AssignRole:
		return r, nil
	}
	return "", Invalid(CodeAssigneeRuleInvalid, fmt.Sprintf("assignee rule %q is not one of same, author, staff, role", s), nil)
}

// WorkflowRule: when a task of TemplateID is closed with ResultID, create a
// task of NextTemplateID due DueOffset later, assigned by Assignee.
type WorkflowRule struct {
	ID             int64
	ClubID         int64
	TemplateID     int64
	ResultID       int64
	NextTemplateID int64
	DueOffset      time.Duration
	WorkingDays    bool // count whole days of DueOffset as working days (Mon-Fri)
	Assignee       AssigneeRule
	AssigneeStaff  int64 // for AssignStaff
	AssigneeRole   Role  // for AssignRole
}

// MaxChainDepth bounds how many automatic follow-ups one original task may
// produce in a row. The plan validator already refuses cycles, so this is a
// second line of defence against a bad configuration written straight to the
// database.
const MaxChainDepth = 50

// NextDue computes a follow-up's due time: now + offset, reckoned in the club's
// time zone so that "+1 day" keeps the local wall-clock time across a DST
// change. With workingDays, each whole day of the offset skips Saturdays and
// Sundays, and a result landing on a weekend moves to Monday.
//
// An offset of a day or more (1d, 3d, 1d12h; the plan stores minutes, so
// 24h counts as a day too) plans a day, not a moment: the due time is then
// moved into the club's working hours (WorkingHours.Place: before opening
// to opening, at or after closing to the next day's opening, and with
// workingDays on past a weekend again). A result recorded at 00:36 with
// "+5 days" is due at 09:00 five days later, not at 00:36. Offsets under a
// day (2h, 30m) stay exact: "call back in two hours" means two hours.
func NextDue(now time.Time, offset time.Duration, workingDays bool, hours WorkingHours, loc *time.Location) time.Time {
	local := now.In(loc)
	days := int(offset / (24 * time.Hour))
	rest := offset - time.Duration(days)*24*time.Hour
	var t time.Time
	if !workingDays {
		t = addLocalDays(local, days, loc).Add(rest).In(loc)
	} else {
		t = local
		for added := 0; added < days; {
			t = addLocalDays(t, 1, loc)
			if isWorkday(t) {
				added++
			}
		}
		t = t.Add(rest).In(loc)
		for !isWorkday(t) {
			t = addLocalDays(t, 1, loc)
		}
	}
	if days == 0 {
		return t
	}
	t = hours.Place(t, loc).In(loc)
	for workingDays && !isWorkday(t) {
		y, m, d := t.Date()
		t = LocalTime(y, m, d+1, hours.Open/60, hours.Open%60, loc).In(loc)
	}
	return t
}

// addLocalDays moves t by days calendar days at the same local wall-clock
// time (LocalTime decides a time the clocks skip or repeat that day).
func addLocalDays(t time.Time, days int, loc *time.Location) time.Time {
	l := t.In(loc)
	y, m, d := l.Date()
	sub := time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	return LocalTime(y, m, d+days, l.Hour(), l.Minute(), loc).Add(sub).In(loc)
}

func isWorkday(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AssigneeInput is what ResolveAssignee needs to know about the closed task.
type AssigneeInput struct {
	ClosedBy   int64 // staff who recorded the result
	Author     int64 // the task's author; 0 if the system created it
	Assignee   int64 // the task's assignee
	LeastRoled int64 // the least-loaded active member of the rule's role; 0 if none
	NamedOK    bool  // the rule's named staff member is active in the club
}

// ResolveAssignee applies a rule. It falls back to whoever closed the task when
// the rule's choice is missing (a system-created task has no author, a named
// person left the club, a role is empty), so a follow-up is never lost
// unassigned without reason; 0 means unassigned, visible in task control.
func ResolveAssignee(r WorkflowRule, in AssigneeInput) int64 {
	fallback := in.ClosedBy
	if fallback == 0 {
		fallback = in.Assignee
	}
	switch r.Assignee {
	case AssignAuthor:
		if in.Author != 0 {
			return in.Author
		}
	case AssignStaff:
		if in.NamedOK && r.AssigneeStaff != 0 {
			return r.AssigneeStaff
		}
	case AssignRole:
		if in.LeastRoled != 0 {
			return in.LeastRoled
		}
	}
	return fallback
}

// WorkflowEdge is a (template, result) → next template link, for cycle checks.
type WorkflowEdge struct {
	From, To string // template keys
	Result   string
}

// FindWorkflowCycle returns the template keys of a cycle in the workflow
// graph, or nil. Every rule fires automatically, so any cycle means a chain
// that can go on forever without a person deciding to stop it.
func FindWorkflowCycle(edges []WorkflowEdge) []string {
	next := map[string][]string{}
	for _, e := range edges {
		next[e.From] = append(next[e.From], e.To)
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var cycle []string
	var visit func(n string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, m := range next[n] {
			switch color[m] {
			case grey:
				for i, s := range stack {
					if s == m {
						cycle = append(append([]string{}, stack[i:]...), m)
						return true
					}
				}
			case white:
				if visit(m) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	for _, e := range edges {
		if color[e.From] == white && visit(e.From) {
			return cycle
		}
	}
	return nil
}

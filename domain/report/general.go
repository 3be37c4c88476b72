package report

import (
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
)

// Filter narrows a report. Zero values mean "all".
//
// StaffID selects tasks assigned to that staff member, and results and calls
// recorded by them. TemplateID and Type select tasks of that template or
// type, and the results and calls logged on such tasks (a call logged without
// a task is then left out).
type Filter struct {
	StaffID    int64           `json:"staff_id"`
	TemplateID int64           `json:"template_id"`
	Type       domain.TaskType `json:"type"`
}

// Validate checks the filter's values (not that the ids exist: the store does).
func (f Filter) Validate() error {
	if f.StaffID < 0 || f.TemplateID < 0 {
		return domain.Invalid(domain.CodeFilterInvalid, fmt.Sprintf("filter ids must not be negative (staff %d, template %d)", f.StaffID, f.TemplateID), nil)
	}
	if f.Type != "" {
		if _, err := domain.ParseTaskType(string(f.Type)); err != nil {
			return err
		}
	}
	return nil
}

// IsZero reports whether the filter selects everything.
func (f Filter) IsZero() bool { return f == Filter{} }

// FilterNames are the names of the staff member and template a filter
// selects ("" when it selects all), as the store found them, so every
// rendering of a filtered report (message, chart, workbook, CLI) can say
// what it is filtered by.
type FilterNames struct {
	Staff    string `json:"staff,omitempty"`
	Template string `json:"template,omitempty"`
}

// Counts are the task figures of a period. Deleted tasks never count. A task
// is counted by its current state (a task reopened and not closed again is
// not done):
//
//   - Created: created_at in the period.
//   - Done: status done and done_at (its latest close) in the period.
//   - Cancelled: status cancelled and cancelled_at in the period.
//   - Overdue: due_at in the period and already past at report time, and the
//     task was not closed by its due time: still open, done after due_at, or
//     cancelled after due_at. A task done or cancelled at or before due_at is
//     not overdue. So "overdue this week" means "deadlines of this week that
//     were missed", whatever happened afterwards.
type Counts struct {
	Created   int `json:"created"`
	Done      int `json:"done"`
	Overdue   int `json:"overdue"`
	Cancelled int `json:"cancelled"`
}

// General is the general CRM report of a period.
type General struct {
	Range       Range       `json:"range"`
	Filter      Filter      `json:"filter"`
	FilterNames FilterNames `json:"filter_names"`
	Totals      Counts      `json:"totals"`
	// CallsIn and CallsOut count the calls made in the period (by called_at):
	// every personal call closed with a result (from its card, as a
	// bulk-call subtask or with /call; outgoing unless the form asked the
	// direction) and nothing else: a result recorded twice on a reopened
	// call is two calls.
	CallsIn  int `json:"calls_in"`
	CallsOut int `json:"calls_out"`
	// ByStaff lists every active staff member of the club (zeros included),
	// inactive ones who have figures, and a row with StaffID 0 for unassigned
	// tasks and calls without a staff member when there are any. Tasks count
	// for their assignee, calls for who logged them.
	ByStaff []StaffRow `json:"by_staff"`
	// ByTemplate lists the club's live templates (zeros included) and retired
	// ones that have figures.
	ByTemplate []TemplateRow `json:"by_template"`
	// ByType lists the four task types, always.
	ByType []TypeRow `json:"by_type"`
	// ByResult counts results recorded in the period (task_results rows by
	// recorded_at): a task closed, reopened and closed again counts twice,
	// and internal tasks closed without a result do not count. Like answers
	// and calls this is history: it stays when the task is deleted later.
	// Only results with at least one recording are listed.
	ByResult []ResultRow `json:"by_result"`
	// ResultsByStaff and ResultsByTemplate cross the results recorded in the
	// period (as ByResult) with who recorded them and with their task's
	// template: which calls were made, by whom, with what result. Only
	// non-zero cells, ordered by staff or template, then result.
	ResultsByStaff    []ResultCell `json:"results_by_staff"`
	ResultsByTemplate []ResultCell `json:"results_by_template"`
	// Fields tallies the answers to choice and multi-choice fields of the
	// results recorded in the period; only fields answered in the period.
	Fields []FieldTally `json:"fields"`
	// Leads are the figures of leads that arrived in the period (leads.go).
	Leads Leads `json:"leads"`
	// Missed are the figures of the incoming calls missed in the period and
	// how they were called back (missed.go).
	Missed MissedCalls `json:"missed_calls"`
	// Previous are the headline figures of the previous period when the
	// report is compared with it (Compare in compare.go); nil otherwise.
	Previous *GeneralPrevious `json:"previous,omitempty"`
}

// StaffRow is one staff member's figures.
type StaffRow struct {
	StaffID  int64  `json:"staff_id"` // 0: unassigned tasks, calls logged by nobody
	Name     string `json:"name"`
	Counts   Counts `json:"counts"`
	CallsIn  int    `json:"calls_in"`
	CallsOut int    `json:"calls_out"`
}

// TemplateRow is one template's figures.
type TemplateRow struct {
	TemplateID int64           `json:"template_id"`
	Name       string          `json:"name"`
	Type       domain.TaskType `json:"type"`
	Retired    bool            `json:"retired"`
	Counts     Counts          `json:"counts"`
}

// TypeRow is one task type's figures.
type TypeRow struct {
	Type   domain.TaskType `json:"type"`
	Counts Counts          `json:"counts"`
}

// ResultCell is how many times a result was recorded in the period by one
// staff member (ID 0: nobody) or on tasks of one template.
type ResultCell struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	ResultID int64  `json:"result_id"`
	Result   string `json:"result"`
	Count    int    `json:"count"`
}

// ResultRow is how many times a result was recorded in the period.
type ResultRow struct {
	ResultID int64   `json:"result_id"`
	Name     string  `json:"name"`
	Count    int     `json:"count"`
	Share    float64 `json:"share"` // of all results recorded in the period, 0..1
}

// FieldTally counts the dictionary values chosen in one field.
type FieldTally struct {
	FieldID    int64        `json:"field_id"`
	Name       string       `json:"name"`        // the field's name, e.g. "Reason"
	ResultName string       `json:"result_name"` // the result that asks it, e.g. "Conditional refusal"
	Multi      bool         `json:"multi"`       // multi-choice: one answer may pick several values
	Answers    int          `json:"answers"`     // recorded results that answered the field
	Values     []ValueTally `json:"values"`
}

// ValueTally is one dictionary value's count. Share is Count/Answers, so for
// a multi-choice field the shares may add up to more than 1.
type ValueTally struct {
	ValueID int64   `json:"value_id"`
	Name    string  `json:"name"`
	Count   int     `json:"count"`
	Share   float64 `json:"share"` // 0..1
}

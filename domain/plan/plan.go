// Package plan reads a club plan: the YAML file that describes one club's
// task templates, results and their additional fields, dictionaries, workflow
// rules and sales funnel (the manual's "preparation plan", written down so a
// machine can apply it). The format is documented in docs/club-plan.md.
//
// Parse checks everything that can be checked without a database — shape,
// types, keys, references between sections, workflow cycles — and reports
// every problem it finds as FILE:LINE:COL: message. The store
// (domain/postgres.PlanApply) applies a parsed plan and checks the rest
// against the club's stored state.
//
// A plan is complete: it lists every live item of the club. Nothing is
// removed because a line disappeared; renames (renamed_from) and removals
// (the remove: section) are explicit, so a typo can never archive anything.
package plan

import (
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// Pos is a position in the plan file, 1-based.
type Pos struct {
	Line, Col int
}

// Plan is a parsed, self-consistent club plan.
type Plan struct {
	File         string // the name errors are reported under
	Club         Club
	Dictionaries []Dictionary
	Results      []Result
	Templates    []Template // in menu order; may configure the four default templates by their keys
	Workflows    []Workflow
	Funnel       []Stage   // in funnel order
	Leads        *Leads    // nil: the defaults (leads.go)
	Phone        *Phone    // nil: no phone system (phone.go)
	Triggers     []Trigger // events of the club-management system → tasks (triggers.go)
	Remove       Removals

	// Sections holds where each top-level section starts ("templates",
	// "results", ...), so errors about the club's stored state that no line
	// of the file mentions can still point somewhere useful.
	Sections map[string]Pos
}

// Club is the club's own settings; Slug identifies it across applies.
type Club struct {
	Slug       string
	Name       string
	TimeZone   string
	Language   domain.Language
	DigestHour int
	PhoneCode  string
	// WorkingHours: when the club is open (working_hours: "09:00-21:00",
	// the default); follow-ups a day or more ahead land inside them.
	WorkingHours domain.WorkingHours
	// ViberFreeWindowOnly (viber_free_window_only: true): the morning list
	// goes to a Viber person only inside their free window (24 hours after
	// their own last message), when Viber does not bill it; default false.
	ViberFreeWindowOnly bool
	Pos                 Pos
}

// Dictionary is a value list for choice fields.
type Dictionary struct {
	Key         string
	Name        string
	Names       domain.Names // per language; nil for one name for all
	RenamedFrom string
	Values      []Value
	Pos         Pos
}

// Value is one entry of a dictionary.
type Value struct {
	Key         string
	Name        string
	Names       domain.Names // per language; nil for one name for all
	RenamedFrom string
	Pos         Pos
}

// Result is one way a task can end, with the additional fields it asks for.
type Result struct {
	Key         string
	Name        string
	Names       domain.Names // per language; nil for one name for all
	RenamedFrom string
	Fields      []Field
	Pos         Pos
}

// Field is an additional field of a result.
type Field struct {
	Key         string
	Name        string
	Names       domain.Names // per language; nil for one name for all
	RenamedFrom string
	Type        domain.FieldType
	Required    bool
	Dictionary  string // dictionary key, for choice and multichoice
	MaxLength   int    // text only; 0 means domain.DefaultTextLimit
	Pos         Pos
	DictPos     Pos // where dictionary is written (Pos when absent)
}

// Template is a kind of task.
type Template struct {
	Key            string
	Name           string
	Names          domain.Names // per language; nil for one name for all
	RenamedFrom    string
	Type           domain.TaskType
	DefaultTitle   string
	DueOffset      time.Duration
	ReminderOffset *time.Duration // relative to due, negative = before; nil = none
	Results        []string       // result keys that can close it, in menu order
	Repeat         *domain.Repeat // its tasks come back when closed (repeat.go); nil: no
	Pos            Pos
	ResultsPos     []Pos // where each entry of Results is written
}

// Workflow is a rule: a task of Template closed with Result creates a task of Next.
type Workflow struct {
	Template      string
	Result        string
	Next          string
	DueOffset     time.Duration
	WorkingDays   bool
	Assignee      domain.AssigneeRule
	AssigneeStaff int64       // for domain.AssignStaff
	AssigneeRole  domain.Role // for domain.AssignRole
	Pos           Pos
	TemplatePos   Pos
	ResultPos     Pos
	NextPos       Pos
	AssigneePos   Pos // where the assignee is written; for {staff: ID}, the id
}

// Stage is a step of the sales funnel: a client reaches it when one of their
// tasks is closed with any of its results.
type Stage struct {
	Key         string
	Name        string
	Names       domain.Names // per language; nil for one name for all
	RenamedFrom string
	Results     []string
	Pos         Pos
	ResultsPos  []Pos
}

// Removals lists what the plan archives. Archiving keeps the rows (old tasks
// and reports still name them) and hides them from new work.
type Removals struct {
	Templates    []Ref
	Results      []Ref
	Fields       []Ref // Parent is the result key
	Dictionaries []Ref
	Values       []Ref // Parent is the dictionary key
	Workflows    []WorkflowRef
	Funnel       []Ref
}

// Ref names an item to remove.
type Ref struct {
	Parent string // result of a field, dictionary of a value; empty otherwise
	Key    string
	Pos    Pos
}

// String is the ref as written: "key" or "parent.key".
func (r Ref) String() string {
	if r.Parent == "" {
		return r.Key
	}
	return r.Parent + "." + r.Key
}

// WorkflowRef names a workflow rule to remove by its template and result.
type WorkflowRef struct {
	Template string
	Result   string
	Pos      Pos
}

// DefaultTemplateKeys are the keys of the four templates every club has
// (domain.DefaultTemplates). A plan may configure them but never remove or
// rename them, and their type is fixed.
func DefaultTemplateKeys() map[string]domain.TaskType {
	m := make(map[string]domain.TaskType, 4)
	for _, t := range domain.DefaultTemplates(domain.LangEN) {
		m[t.Key] = t.Type
	}
	return m
}

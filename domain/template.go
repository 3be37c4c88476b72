package domain

import "time"

// Template names a recurring kind of task ("Call lapsed clients", "Order
// water") and fixes its type. Templates categorise tasks in reports and carry
// defaults. A retired (archived) template stays on its old tasks and in reports.
type Template struct {
	ID             int64
	ClubID         int64
	Key            string // stable key from the club plan
	Name           string
	Names          Names // per language, when the plan gives them (names.go)
	Type           TaskType
	DefaultTitle   string
	DueOffset      time.Duration  // default due time after creation; 0 means none
	ReminderOffset *time.Duration // default reminder relative to due (negative = before); nil means none
	IsDefault      bool           // one of the four templates every club starts with
	ArchivedAt     *time.Time
	Position       int
}

// DefaultTemplates are the four templates every new club starts with, one per
// type, with their names in the club's language.
func DefaultTemplates(lang Language) []Template {
	names := map[Language][4]string{
		LangRU: {"Личный звонок клиенту", "Обзвон клиентов", "Другая задача по клиенту", "Внутренняя задача"},
		LangUK: {"Особистий дзвінок клієнту", "Обдзвін клієнтів", "Інше завдання по клієнту", "Внутрішнє завдання"},
		LangEN: {"Personal call to a client", "Bulk call", "Other client task", "Internal task"},
	}
	n, ok := names[lang]
	if !ok {
		n = names[LangEN]
	}
	keys := [4]string{"personal_call", "bulk_call", "client_task", "internal"}
	out := make([]Template, 0, 4)
	for i, t := range TaskTypes {
		out = append(out, Template{Key: keys[i], Name: n[i], Type: t, DefaultTitle: n[i], IsDefault: true, Position: i})
	}
	return out
}

// Result is one way a task can end ("Signed up for a trial lesson", "Thinking").
type Result struct {
	ID         int64
	ClubID     int64
	Key        string
	Name       string
	Names      Names   // per language, when the plan gives them (names.go)
	Fields     []Field // additional fields asked when this result is chosen, in order
	ArchivedAt *time.Time
	Position   int
}

// FieldType is the kind of value an additional field holds.
type FieldType string

// Field types.
const (
	FieldText        FieldType = "text"
	FieldNumber      FieldType = "number"
	FieldDate        FieldType = "date"
	FieldDateTime    FieldType = "datetime"
	FieldBool        FieldType = "bool"
	FieldChoice      FieldType = "choice"      // one value of a dictionary
	FieldMultiChoice FieldType = "multichoice" // several values of a dictionary
)

// FieldTypes lists every field type.
var FieldTypes = []FieldType{FieldText, FieldNumber, FieldDate, FieldDateTime, FieldBool, FieldChoice, FieldMultiChoice}

// ParseFieldType validates a field type name.
func ParseFieldType(s string) (FieldType, error) {
	for _, t := range FieldTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", Invalid(CodeFieldTypeInvalid, "field type \""+s+"\" is not one of text, number, date, datetime, bool, choice, multichoice", nil)
}

// UsesDictionary reports whether the field's values come from a dictionary.
func (t FieldType) UsesDictionary() bool { return t == FieldChoice || t == FieldMultiChoice }

// DefaultTextLimit is the length limit of a text field that sets none.
const DefaultTextLimit = 1000

// Field is an additional field of a result.
type Field struct {
	ID           int64
	ClubID       int64
	ResultID     int64
	Key          string
	Name         string
	Names        Names // per language, when the plan gives them (names.go)
	Type         FieldType
	Required     bool
	DictionaryID int64 // for choice and multichoice
	MaxLength    int   // for text; 0 means DefaultTextLimit
	Position     int
	ArchivedAt   *time.Time
}

// TextLimit is the maximum length of a text value.
func (f Field) TextLimit() int {
	if f.MaxLength > 0 {
		return f.MaxLength
	}
	return DefaultTextLimit
}

// Dictionary is a value list for choice fields, so answers can be counted.
type Dictionary struct {
	ID         int64
	ClubID     int64
	Key        string
	Name       string
	Names      Names // per language, when the plan gives them (names.go)
	Values     []DictValue
	ArchivedAt *time.Time
}

// DictValue is one entry of a dictionary.
type DictValue struct {
	ID           int64
	DictionaryID int64
	Key          string
	Name         string
	Names        Names // per language, when the plan gives them (names.go)
	Position     int
	ArchivedAt   *time.Time
}

// FunnelStage is one step of the sales funnel: a client reaches it when one
// of their tasks is closed with any of its results.
type FunnelStage struct {
	ID        int64
	ClubID    int64
	Key       string
	Name      string
	Names     Names // per language, when the plan gives them (names.go)
	Position  int
	ResultIDs []int64
}

// CallDirection says who dialled.
type CallDirection string

// Call directions.
const (
	CallIn  CallDirection = "in"
	CallOut CallDirection = "out"
)

// ParseCallDirection validates a direction.
func ParseCallDirection(s string) (CallDirection, error) {
	switch d := CallDirection(s); d {
	case CallIn, CallOut:
		return d, nil
	}
	return "", Invalid(CodeCallDirectionInvalid, "call direction \""+s+"\" is not in or out", nil)
}

// Call is a logged phone call with a client.
type Call struct {
	ID        int64
	ClubID    int64
	Direction CallDirection
	ClientID  int64
	StaffID   int64
	CalledAt  time.Time
	TaskID    int64
}

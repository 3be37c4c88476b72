package domain

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldValue is the answer to one additional field. Exactly the member that
// matches the field's type is set: Text for text, Number for number, Date for
// date (midnight UTC of the civil date), Time for datetime, Bool for yes/no,
// ValueIDs for choice (one) and multichoice (one or more).
type FieldValue struct {
	FieldID  int64
	Text     *string
	Number   *float64
	Date     *time.Time
	Time     *time.Time
	Bool     *bool
	ValueIDs []int64
}

// empty reports whether no member is set.
func (v FieldValue) empty() bool {
	return v.Text == nil && v.Number == nil && v.Date == nil && v.Time == nil && v.Bool == nil && len(v.ValueIDs) == 0
}

// setCount counts the members that are set.
func (v FieldValue) setCount() int {
	n := 0
	for _, set := range []bool{v.Text != nil, v.Number != nil, v.Date != nil, v.Time != nil, v.Bool != nil, len(v.ValueIDs) > 0} {
		if set {
			n++
		}
	}
	return n
}

// Years outside this range are typing mistakes, not dates anyone means.
const (
	minYear = 1900
	maxYear = 2200
)

// ValidateResultValues checks the answers given with a result: every answer
// belongs to one of the result's (non-archived) fields and has that field's
// type; every required field is answered; text fits its limit; numbers are
// finite; choice values exist in the field's dictionary and are not archived;
// a single choice has one value, a multi-choice one or more without repeats.
// dicts maps dictionary id to dictionary (with values).
func ValidateResultValues(r Result, dicts map[int64]Dictionary, values []FieldValue) error {
	fields := make(map[int64]Field, len(r.Fields))
	for _, f := range r.Fields {
		if f.ArchivedAt == nil {
			fields[f.ID] = f
		}
	}
	seen := make(map[int64]bool, len(values))
	for _, v := range values {
		f, ok := fields[v.FieldID]
		if !ok {
			return Invalid(CodeFieldUnknown, fmt.Sprintf("field %d does not belong to result %q", v.FieldID, r.Name), map[string]any{"field_id": v.FieldID})
		}
		if seen[v.FieldID] {
			return Invalid(CodeFieldRepeated, fmt.Sprintf("field %q is answered twice", f.Name), map[string]any{"field": f.Name})
		}
		seen[v.FieldID] = true
		if v.empty() {
			continue // an explicit "no answer"; required fields are checked below
		}
		if err := validateValue(f, dicts, v); err != nil {
			return err
		}
	}
	for _, f := range r.Fields {
		if f.ArchivedAt != nil || !f.Required {
			continue
		}
		answered := false
		for _, v := range values {
			if v.FieldID == f.ID && !v.empty() {
				answered = true
			}
		}
		if !answered {
			return Invalid(CodeFieldRequired, fmt.Sprintf("field %q is required", f.Name), map[string]any{"field": f.Name})
		}
	}
	return nil
}

func validateValue(f Field, dicts map[int64]Dictionary, v FieldValue) error {
	wrongType := Invalid(CodeFieldWrongType, fmt.Sprintf("field %q expects a %s value", f.Name, f.Type), map[string]any{"field": f.Name, "type": string(f.Type)})
	if v.setCount() != 1 {
		return wrongType
	}
	switch f.Type {
	case FieldText:
		if v.Text == nil {
			return wrongType
		}
		if strings.TrimSpace(*v.Text) == "" {
			return Invalid(CodeFieldRequired, fmt.Sprintf("field %q is empty", f.Name), map[string]any{"field": f.Name})
		}
		if n := utf8.RuneCountInString(*v.Text); n > f.TextLimit() {
			return Invalid(CodeTooLong, fmt.Sprintf("field %q is %d characters, the limit is %d", f.Name, n, f.TextLimit()), map[string]any{"field": f.Name, "limit": f.TextLimit()})
		}
	case FieldNumber:
		if v.Number == nil {
			return wrongType
		}
		if math.IsNaN(*v.Number) || math.IsInf(*v.Number, 0) || math.Abs(*v.Number) > 1e12 {
			return Invalid(CodeNumberInvalid, fmt.Sprintf("field %q: %v is not a usable number", f.Name, *v.Number), map[string]any{"field": f.Name})
		}
	case FieldDate:
		if v.Date == nil {
			return wrongType
		}
		if y := v.Date.Year(); y < minYear || y > maxYear {
			return Invalid(CodeDateInvalid, fmt.Sprintf("field %q: year %d is out of range", f.Name, y), map[string]any{"field": f.Name})
		}
	case FieldDateTime:
		if v.Time == nil {
			return wrongType
		}
		if y := v.Time.Year(); y < minYear || y > maxYear {
			return Invalid(CodeDateInvalid, fmt.Sprintf("field %q: year %d is out of range", f.Name, y), map[string]any{"field": f.Name})
		}
	case FieldBool:
		if v.Bool == nil {
			return wrongType
		}
	case FieldChoice, FieldMultiChoice:
		if len(v.ValueIDs) == 0 {
			return wrongType
		}
		if f.Type == FieldChoice && len(v.ValueIDs) != 1 {
			return Invalid(CodeChoiceOne, fmt.Sprintf("field %q takes exactly one value", f.Name), map[string]any{"field": f.Name})
		}
		d, ok := dicts[f.DictionaryID]
		if !ok {
			return Invalid(CodeDictionaryMissing, fmt.Sprintf("field %q has no dictionary", f.Name), map[string]any{"field": f.Name})
		}
		valid := make(map[int64]bool, len(d.Values))
		for _, dv := range d.Values {
			if dv.ArchivedAt == nil {
				valid[dv.ID] = true
			}
		}
		picked := make(map[int64]bool, len(v.ValueIDs))
		for _, id := range v.ValueIDs {
			if !valid[id] {
				return Invalid(CodeChoiceUnknown, fmt.Sprintf("field %q: value %d is not in dictionary %q", f.Name, id, d.Name), map[string]any{"field": f.Name})
			}
			if picked[id] {
				return Invalid(CodeChoiceRepeated, fmt.Sprintf("field %q: value %d is chosen twice", f.Name, id), map[string]any{"field": f.Name})
			}
			picked[id] = true
		}
	default:
		return Invalid(CodeFieldTypeInvalid, fmt.Sprintf("field %q has unknown type %q", f.Name, f.Type), nil)
	}
	return nil
}

// ParseFieldText turns what a person typed into a value for a field of a
// text-entered type (text, number, date, datetime, bool). Dates are read as
// DD.MM.YYYY, DD.MM.YY or YYYY-MM-DD; date-times as a date followed by HH:MM,
// in loc. Numbers accept a decimal comma. The result still goes through
// ValidateResultValues.
func ParseFieldText(f Field, input string, loc *time.Location) (FieldValue, error) {
	in := strings.TrimSpace(input)
	v := FieldValue{FieldID: f.ID}
	bad := func(code Code) (FieldValue, error) {
		return FieldValue{}, Invalid(code, fmt.Sprintf("field %q: %q is not a valid %s", f.Name, input, f.Type), map[string]any{"field": f.Name})
	}
	switch f.Type {
	case FieldText:
		v.Text = &in
	case FieldNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(in, " ", ""), ",", "."), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return bad(CodeNumberInvalid)
		}
		v.Number = &n
	case FieldDate:
		d, ok := parseDate(in)
		if !ok {
			return bad(CodeDateInvalid)
		}
		v.Date = &d
	case FieldDateTime:
		parts := strings.Fields(in)
		if len(parts) != 2 {
			return bad(CodeDateInvalid)
		}
		d, ok := parseDate(parts[0])
		if !ok {
			return bad(CodeDateInvalid)
		}
		hm, err := time.Parse("15:04", parts[1])
		if err != nil {
			return bad(CodeDateInvalid)
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
		v.Time = &t
	case FieldBool:
		switch strings.ToLower(in) {
		case "yes", "y", "да", "так", "1", "true", "+":
			b := true
			v.Bool = &b
		case "no", "n", "нет", "ні", "0", "false", "-":
			b := false
			v.Bool = &b
		default:
			return bad(CodeBoolInvalid)
		}
	default:
		return bad(CodeFieldWrongType)
	}
	return v, nil
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"02.01.2006", "2.1.2006", "02.01.06", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < minYear || t.Year() > maxYear {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}

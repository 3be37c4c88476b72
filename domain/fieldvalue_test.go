package domain

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestValidateResultValues(t *testing.T) {
	t.Parallel()
	archived := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reasons := Dictionary{ID: 7, Name: "Refusal reasons", Values: []DictValue{
		{ID: 71, Name: "Too far"}, {ID: 72, Name: "Schedule"}, {ID: 73, Name: "Old", ArchivedAt: &archived},
	}}
	dirs := Dictionary{ID: 8, Name: "Directions", Values: []DictValue{{ID: 81, Name: "Yoga"}, {ID: 82, Name: "Dance"}}}
	dicts := map[int64]Dictionary{7: reasons, 8: dirs}
	res := Result{ID: 1, Name: "Trial", Fields: []Field{
		{ID: 10, Name: "Date", Type: FieldDate, Required: true},
		{ID: 11, Name: "Groups", Type: FieldMultiChoice, DictionaryID: 8},
		{ID: 12, Name: "Notes", Type: FieldText, MaxLength: 10},
		{ID: 13, Name: "Reason", Type: FieldChoice, DictionaryID: 7},
		{ID: 14, Name: "Age", Type: FieldNumber},
		{ID: 15, Name: "Paid", Type: FieldBool},
		{ID: 16, Name: "Visit at", Type: FieldDateTime},
		{ID: 17, Name: "Retired", Type: FieldText, Required: true, ArchivedAt: &archived},
		{ID: 18, Name: "Broken", Type: FieldChoice, DictionaryID: 99},
	}}
	date := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ok := FieldValue{FieldID: 10, Date: &date}
	cases := []struct {
		name   string
		values []FieldValue
		code   Code // "" = valid
	}{
		{"only the required field", []FieldValue{ok}, ""},
		{"every type valid", []FieldValue{ok,
			{FieldID: 11, ValueIDs: []int64{81, 82}}, {FieldID: 12, Text: ptr("ten chars!")},
			{FieldID: 13, ValueIDs: []int64{71}}, {FieldID: 14, Number: ptr(7.5)}, {FieldID: 15, Bool: ptr(false)},
			{FieldID: 16, Time: ptr(date.Add(10 * time.Hour))}}, ""},
		{"explicit empty optional", []FieldValue{ok, {FieldID: 12}}, ""},
		{"required missing", nil, "field_required"},
		{"required answered empty", []FieldValue{{FieldID: 10}}, "field_required"},
		{"field of another result", []FieldValue{ok, {FieldID: 999, Text: ptr("x")}}, "field_unknown"},
		{"archived field answered", []FieldValue{ok, {FieldID: 17, Text: ptr("x")}}, "field_unknown"},
		{"field twice", []FieldValue{ok, ok}, "field_repeated"},
		{"text for a date", []FieldValue{{FieldID: 10, Text: ptr("tomorrow")}}, "field_wrong_type"},
		{"two members set", []FieldValue{{FieldID: 10, Date: &date, Text: ptr("x")}}, "field_wrong_type"},
		{"number for bool", []FieldValue{ok, {FieldID: 15, Number: ptr(1.0)}}, "field_wrong_type"},
		{"bool for number", []FieldValue{ok, {FieldID: 14, Bool: ptr(true)}}, "field_wrong_type"},
		{"date for datetime", []FieldValue{ok, {FieldID: 16, Date: &date}}, "field_wrong_type"},
		{"ids for text", []FieldValue{ok, {FieldID: 12, ValueIDs: []int64{71}}}, "field_wrong_type"},
		{"text over limit", []FieldValue{ok, {FieldID: 12, Text: ptr("eleven char")}}, "too_long"},
		{"blank text", []FieldValue{ok, {FieldID: 12, Text: ptr("   ")}}, "field_required"},
		{"NaN", []FieldValue{ok, {FieldID: 14, Number: ptr(math.NaN())}}, "number_invalid"},
		{"Inf", []FieldValue{ok, {FieldID: 14, Number: ptr(math.Inf(1))}}, "number_invalid"},
		{"huge number", []FieldValue{ok, {FieldID: 14, Number: ptr(1e15)}}, "number_invalid"},
		{"year 0001", []FieldValue{{FieldID: 10, Date: ptr(time.Time{})}}, "date_invalid"},
		{"datetime year 9999", []FieldValue{ok, {FieldID: 16, Time: ptr(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))}}, "date_invalid"},
		{"choice two values", []FieldValue{ok, {FieldID: 13, ValueIDs: []int64{71, 72}}}, "choice_one"},
		{"choice value of another dictionary", []FieldValue{ok, {FieldID: 13, ValueIDs: []int64{81}}}, "choice_unknown"},
		{"choice forged id", []FieldValue{ok, {FieldID: 13, ValueIDs: []int64{123456}}}, "choice_unknown"},
		{"choice archived value", []FieldValue{ok, {FieldID: 13, ValueIDs: []int64{73}}}, "choice_unknown"},
		{"multichoice repeated", []FieldValue{ok, {FieldID: 11, ValueIDs: []int64{81, 81}}}, "choice_repeated"},
		{"dictionary missing", []FieldValue{ok, {FieldID: 18, ValueIDs: []int64{1}}}, "dictionary_missing"},
	}
	for _, c := range cases {
		err := ValidateResultValues(res, dicts, c.values)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalid) || ErrorCode(err) != c.code {
			t.Errorf("%s: got %v (code %q), want code %q", c.name, err, ErrorCode(err), c.code)
		}
	}
}

func TestParseFieldText(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	cases := []struct {
		typ   FieldType
		in    string
		check func(FieldValue) bool
		code  Code
	}{
		{FieldNumber, " 12,5 ", func(v FieldValue) bool { return *v.Number == 12.5 }, ""},
		{FieldNumber, "1 000", func(v FieldValue) bool { return *v.Number == 1000 }, ""},
		{FieldNumber, "twelve", nil, "number_invalid"},
		{FieldNumber, "NaN", nil, "number_invalid"},
		{FieldNumber, "", nil, "number_invalid"},
		{FieldDate, "01.12.2026", func(v FieldValue) bool { return v.Date.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) }, ""},
		{FieldDate, "2026-12-01", func(v FieldValue) bool { return v.Date.Day() == 1 }, ""},
		{FieldDate, "31.02.2026", nil, "date_invalid"},
		{FieldDate, "01.12.0026", nil, "date_invalid"},
		{FieldDate, "tomorrow", nil, "date_invalid"},
		{FieldDateTime, "29.03.2026 10:30", func(v FieldValue) bool {
			return v.Time.Equal(time.Date(2026, 3, 29, 7, 30, 0, 0, time.UTC)) // after the spring-forward: UTC+3
		}, ""},
		{FieldDateTime, "29.03.2026", nil, "date_invalid"},
		{FieldDateTime, "29.03.2026 25:00", nil, "date_invalid"},
		{FieldBool, "Да", func(v FieldValue) bool { return *v.Bool }, ""},
		{FieldBool, "ні", func(v FieldValue) bool { return !*v.Bool }, ""},
		{FieldBool, "maybe", nil, "bool_invalid"},
		{FieldText, "  hello ", func(v FieldValue) bool { return *v.Text == "hello" }, ""},
		{FieldChoice, "Yoga", nil, "field_wrong_type"},
	}
	for _, c := range cases {
		v, err := ParseFieldText(Field{ID: 1, Name: "f", Type: c.typ}, c.in, kyiv)
		if c.code != "" {
			if ErrorCode(err) != c.code {
				t.Errorf("%s %q: got %v, want code %s", c.typ, c.in, err, c.code)
			}
			continue
		}
		if err != nil || !c.check(v) {
			t.Errorf("%s %q: got %+v, %v", c.typ, c.in, v, err)
		}
	}
	if !strings.Contains(DefaultTemplates(LangRU)[0].Name, "звонок") {
		t.Error("default Russian template names")
	}
}

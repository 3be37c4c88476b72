package xlsx_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/xlsx"
)

func march(t *testing.T) report.Range {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.CustomRange(report.Date{Year: 2026, Month: 3, Day: 1}, report.Date{Year: 2026, Month: 3, Day: 31}, loc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func open(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// cell reads a cell as Excel shows it and as stored.
func cell(t *testing.T, f *excelize.File, sheet, ref string) (shown, raw string) {
	t.Helper()
	shown, err := f.GetCellValue(sheet, ref)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	raw, err = f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return shown, raw
}

// wantNumber checks a cell holds a number (not text) with the given value.
func wantNumber(t *testing.T, f *excelize.File, sheet, ref string, want float64) {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("%s!%s has type %v, want a number", sheet, ref, typ)
	}
	_, raw := cell(t, f, sheet, ref)
	got, err := strconv.ParseFloat(raw, 64)
	if err != nil || got != want {
		t.Errorf("%s!%s = %q, want the number %v", sheet, ref, raw, want)
	}
}

func wantText(t *testing.T, f *excelize.File, sheet, ref, want string) {
	t.Helper()
	if shown, _ := cell(t, f, sheet, ref); shown != want {
		t.Errorf("%s!%s = %q, want %q", sheet, ref, shown, want)
	}
}

func wantBold(t *testing.T, f *excelize.File, sheet, ref string) {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Font == nil || !st.Font.Bold {
		t.Errorf("%s!%s is not bold", sheet, ref)
	}
}

func TestGeneral(t *testing.T) {
	t.Parallel()
	g := report.General{
		Range:   march(t),
		Totals:  report.Counts{Created: 14, Done: 9, Overdue: 6, Cancelled: 2},
		CallsIn: 3, CallsOut: 3,
		ByStaff: []report.StaffRow{
			{StaffID: 7, Name: "Ольга", Counts: report.Counts{Created: 6, Done: 5, Overdue: 3, Cancelled: 2}, CallsIn: 1, CallsOut: 1},
			{StaffID: 0, Counts: report.Counts{Created: 1, Overdue: 1}, CallsIn: 1},
		},
		ByTemplate: []report.TemplateRow{
			{TemplateID: 3, Name: "Звонок", Type: domain.TypePersonalCall, Counts: report.Counts{Created: 8}},
			{TemplateID: 4, Name: "Старая акция", Type: domain.TypePersonalCall, Retired: true, Counts: report.Counts{Created: 1}},
		},
		ByType: []report.TypeRow{{Type: domain.TypePersonalCall, Counts: report.Counts{Created: 9}}, {Type: domain.TypeInternal}},
		ByResult: []report.ResultRow{
			{ResultID: 1, Name: "Думает", Count: 3, Share: 0.3},
			{ResultID: 2, Name: "Купил", Count: 7, Share: 0.7},
		},
		ResultsByStaff:    []report.ResultCell{{ID: 7, Name: "Ольга", ResultID: 2, Result: "Купил", Count: 4}},
		ResultsByTemplate: []report.ResultCell{{ID: 3, Name: "Звонок", ResultID: 2, Result: "Купил", Count: 7}},
		Fields: []report.FieldTally{{FieldID: 5, Name: "Причина", ResultName: "Отказ", Answers: 3, Values: []report.ValueTally{
			{ValueID: 1, Name: "Далеко", Count: 2, Share: 2.0 / 3},
			{ValueID: 2, Name: "Другое", Count: 1, Share: 1.0 / 3},
		}}},
	}
	var buf bytes.Buffer
	if err := xlsx.General(&buf, g, "ru"); err != nil {
		t.Fatalf("General: %v", err)
	}
	f := open(t, buf.Bytes())

	want := []string{"Итоги", "По сотрудникам", "По шаблонам", "По типам", "По результатам", "Сотрудники × результаты", "Шаблоны × результаты", "Ответы"}
	if got := f.GetSheetList(); len(got) != len(want) || got[0] != want[0] || got[5] != want[5] || got[7] != want[7] {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	// The period's dates are date cells (numbers with a date format), so
	// Excel can sort and compute with them.
	wantText(t, f, "Итоги", "B2", "2026-03-01")
	wantText(t, f, "Итоги", "B3", "2026-03-31")
	wantNumber(t, f, "Итоги", "B2", 46082) // days since 1899-12-30
	wantNumber(t, f, "Итоги", "B3", 46112)
	wantText(t, f, "Итоги", "B4", "Europe/Kyiv")
	wantText(t, f, "Итоги", "A5", "Создано")
	wantNumber(t, f, "Итоги", "B5", 14)
	wantNumber(t, f, "Итоги", "B9", 3)

	for _, sh := range want {
		wantBold(t, f, sh, "A1")
	}
	wantText(t, f, "По сотрудникам", "A1", "Сотрудник")
	wantText(t, f, "По сотрудникам", "A2", "Ольга")
	wantNumber(t, f, "По сотрудникам", "C2", 5)
	wantNumber(t, f, "По сотрудникам", "G2", 1)
	wantText(t, f, "По сотрудникам", "A3", "(никто)")
	wantText(t, f, "По шаблонам", "B2", "Личный звонок")
	wantText(t, f, "По шаблонам", "C2", "")
	wantText(t, f, "По шаблонам", "C3", "да")
	wantText(t, f, "По типам", "A3", "Внутренняя задача")
	wantNumber(t, f, "По типам", "B3", 0)
	wantText(t, f, "Сотрудники × результаты", "A2", "Ольга")
	wantText(t, f, "Сотрудники × результаты", "B2", "Купил")
	wantNumber(t, f, "Сотрудники × результаты", "C2", 4)
	wantNumber(t, f, "Сотрудники × результаты", "C3", 4) // the totals row
	wantText(t, f, "Шаблоны × результаты", "A2", "Звонок")
	// Totals rows under the breakdowns.
	wantText(t, f, "По сотрудникам", "A4", "Итого")
	wantNumber(t, f, "По сотрудникам", "B4", 7)
	wantNumber(t, f, "По сотрудникам", "F4", 2)
	wantBold(t, f, "По сотрудникам", "A4")
	wantText(t, f, "По шаблонам", "A4", "Итого")
	wantNumber(t, f, "По шаблонам", "D4", 9)
	wantText(t, f, "По типам", "A4", "Итого")
	wantNumber(t, f, "По типам", "B4", 9)

	wantNumber(t, f, "По результатам", "B3", 7)
	wantNumber(t, f, "По результатам", "C3", 0.7)
	wantText(t, f, "По результатам", "C3", "70.0%")
	wantText(t, f, "Ответы", "D2", "Далеко")
	wantText(t, f, "Ответы", "F2", "66.7%")

	if w, err := f.GetColWidth("По сотрудникам", "A"); err != nil || w != 30 {
		t.Errorf("staff column width = %v, %v; want 30", w, err)
	}
}

func TestFunnel(t *testing.T) {
	t.Parallel()
	two := 2.0
	fn := report.Funnel{
		Range: march(t),
		Stages: []report.Stage{
			{StageID: 1, Name: "Contact", Clients: 5, Direct: 3, ConversionNext: 0.8, MedianDaysNext: &two},
			{StageID: 2, Name: "Bought", Clients: 4, Direct: 4},
		},
		Conversion: 0.8,
		ByStaff:    []report.Split{{ID: 3, Name: "Olga", Clients: []int{3, 2}, Conversion: 2.0 / 3}, {ID: 0, Clients: []int{2, 2}, Conversion: 1}},
		ByTemplate: []report.Split{{ID: 0, Clients: []int{5, 4}, Conversion: 0.8}},
	}
	var buf bytes.Buffer
	if err := xlsx.Funnel(&buf, fn, "en"); err != nil {
		t.Fatalf("Funnel: %v", err)
	}
	f := open(t, buf.Bytes())
	if got := f.GetSheetList(); len(got) != 4 || got[1] != "Funnel" || got[2] != "Funnel by staff" {
		t.Fatalf("sheets = %q", got)
	}
	wantText(t, f, "Summary", "B5", "80.0%")
	wantBold(t, f, "Funnel", "A1")
	wantText(t, f, "Funnel", "A2", "Contact")
	wantNumber(t, f, "Funnel", "B2", 5)
	wantNumber(t, f, "Funnel", "C2", 3)
	wantText(t, f, "Funnel", "D2", "80.0%")
	wantText(t, f, "Funnel", "E2", "2.0")
	wantText(t, f, "Funnel", "D3", "") // no next stage
	wantText(t, f, "Funnel", "E3", "")
	wantText(t, f, "Funnel by staff", "B1", "Contact")
	wantText(t, f, "Funnel by staff", "A3", "(nobody)")
	wantNumber(t, f, "Funnel by staff", "C2", 2)
	wantText(t, f, "Funnel by staff", "D2", "66.7%")
	wantText(t, f, "Funnel by template", "A2", "(unknown)")
}

// An unknown language falls back to English; an empty report still writes.
func TestEmptyAndUnknownLanguage(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := xlsx.General(&buf, report.General{Range: march(t)}, "de"); err != nil {
		t.Fatalf("General: %v", err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Summary", "A5", "Created")
	wantNumber(t, f, "Summary", "B5", 0)
	buf.Reset()
	if err := xlsx.Funnel(&buf, report.Funnel{Range: march(t)}, "uk"); err != nil {
		t.Fatalf("Funnel: %v", err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Воронка", "A1", "Етап")
}

// A filtered report says so on its summary sheet: a workbook that leaves
// the message must not pass for the whole club's figures.
func TestFilterNamedOnSummary(t *testing.T) {
	t.Parallel()
	filter := report.Filter{StaffID: 3, TemplateID: 7, Type: domain.TypePersonalCall}
	names := report.FilterNames{Staff: "Olga", Template: "Call"}
	var buf bytes.Buffer
	if err := xlsx.General(&buf, report.General{Range: march(t), Filter: filter, FilterNames: names}, "en"); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Summary", "A5", "Staff member")
	wantText(t, f, "Summary", "B5", "Olga")
	wantText(t, f, "Summary", "A6", "Template")
	wantText(t, f, "Summary", "B6", "Call")
	wantText(t, f, "Summary", "A7", "Type")
	wantText(t, f, "Summary", "B7", "Personal call")
	wantText(t, f, "Summary", "A8", "Created")
	buf.Reset()
	if err := xlsx.Funnel(&buf, report.Funnel{Range: march(t), Filter: report.Filter{StaffID: 3}, FilterNames: report.FilterNames{Staff: "Olga"}}, "uk"); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Підсумки", "A5", "Співробітник")
	wantText(t, f, "Підсумки", "B5", "Olga")
}

package xlsx_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/xlsx"
)

// cat is the catalogs the workbooks take their headings from.
var cat = i18n.MustNew()

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
	if err := xlsx.General(&buf, g, cat, domain.LangRU); err != nil {
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
	wantText(t, f, "По результатам", "A4", "Итого")
	wantNumber(t, f, "По результатам", "B4", 10)
	wantText(t, f, "По результатам", "C4", "100.0%")
	wantBold(t, f, "По результатам", "A4")
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
	if err := xlsx.Funnel(&buf, fn, cat, domain.LangEN); err != nil {
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
	if err := xlsx.General(&buf, report.General{Range: march(t)}, cat, "de"); err != nil {
		t.Fatalf("General: %v", err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Summary", "A5", "Created")
	wantNumber(t, f, "Summary", "B5", 0)
	buf.Reset()
	if err := xlsx.Funnel(&buf, report.Funnel{Range: march(t)}, cat, domain.LangUK); err != nil {
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
	if err := xlsx.General(&buf, report.General{Range: march(t), Filter: filter, FilterNames: names}, cat, domain.LangEN); err != nil {
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
	if err := xlsx.Funnel(&buf, report.Funnel{Range: march(t), Filter: report.Filter{StaffID: 3}, FilterNames: report.FilterNames{Staff: "Olga"}}, cat, domain.LangUK); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Підсумки", "A5", "Співробітник")
	wantText(t, f, "Підсумки", "B5", "Olga")
}

// allText lists every sheet name and text cell of a workbook.
func allText(t *testing.T, f *excelize.File) []string {
	t.Helper()
	var out []string
	for _, sh := range f.GetSheetList() {
		out = append(out, sh)
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out = append(out, r...)
		}
	}
	return out
}

// compared is a general report of March compared with February.
func compared(t *testing.T) report.General {
	t.Helper()
	g := report.General{Range: march(t), Totals: report.Counts{Created: 14, Done: 9, Overdue: 3}, CallsIn: 2,
		ByStaff: []report.StaffRow{{StaffID: 7, Name: "Olga", Counts: report.Counts{Created: 14}}},
		ByType:  []report.TypeRow{{Type: domain.TypeClientTask, Counts: report.Counts{Created: 14}}}}
	g.Compare(report.General{Range: march(t).Previous(march(t).From.Location()),
		Totals: report.Counts{Created: 10, Done: 0, Overdue: 4, Cancelled: 0}, CallsIn: 2, CallsOut: 0})
	return g
}

// Every heading comes from the catalogs in the language asked for: no
// message id leaks into a workbook, in any language.
func TestLabelsFromCatalogs(t *testing.T) {
	t.Parallel()
	two := 2.0
	fn := report.Funnel{Range: march(t),
		Stages:  []report.Stage{{StageID: 1, Name: "Contact", Clients: 5, Direct: 5, ConversionNext: 0.4, MedianDaysNext: &two}, {StageID: 2, Name: "Bought", Clients: 2, Direct: 2}},
		ByStaff: []report.Split{{ID: 0, Clients: []int{5, 2}, Conversion: 0.4}}, ByTemplate: []report.Split{{ID: 0, Clients: []int{5, 2}, Conversion: 0.4}}}
	fn.Compare(report.Funnel{Stages: []report.Stage{{StageID: 1, Clients: 4}, {StageID: 2, Clients: 1}}, Conversion: 0.25})
	want := map[domain.Language][]string{
		domain.LangEN: {"Summary", "Figure", "Previous period", "Change", "Created", "Staff member", "Client task", "Total", "Funnel", "Stage"},
		domain.LangRU: {"Итоги", "Показатель", "Прошлый период", "Изменение", "Создано", "Сотрудник", "Задача по клиенту", "Итого", "Воронка", "Этап"},
		domain.LangUK: {"Підсумки", "Показник", "Попередній період", "Зміна", "Створено", "Співробітник", "Завдання по клієнту", "Усього", "Воронка", "Етап"},
	}
	for _, lang := range domain.Languages {
		var gb, fb bytes.Buffer
		if err := xlsx.General(&gb, compared(t), cat, lang); err != nil {
			t.Fatalf("%s: General: %v", lang, err)
		}
		if err := xlsx.Funnel(&fb, fn, cat, lang); err != nil {
			t.Fatalf("%s: Funnel: %v", lang, err)
		}
		have := map[string]bool{}
		for _, b := range [][]byte{gb.Bytes(), fb.Bytes()} {
			f := open(t, b)
			for _, s := range allText(t, f) {
				have[s] = true
				if strings.HasPrefix(s, "report.") || strings.HasPrefix(s, "type.") {
					t.Errorf("%s: a message id in the workbook: %q", lang, s)
				}
			}
			// Excel's rules for sheet names: 1..31 characters, none of
			// []:*?/\, not starting or ending with an apostrophe; and
			// distinct, or two tables would land on one sheet.
			seen := map[string]bool{}
			for _, sh := range f.GetSheetList() {
				if n := utf8.RuneCountInString(sh); n == 0 || n > 31 || strings.ContainsAny(sh, `[]:*?/\`) || strings.HasPrefix(sh, "'") || strings.HasSuffix(sh, "'") || seen[sh] {
					t.Errorf("%s: sheet name %q is not valid for Excel", lang, sh)
				}
				seen[sh] = true
			}
		}
		for _, w := range want[lang] {
			if !have[w] {
				t.Errorf("%s: no %q in the workbooks", lang, w)
			}
		}
	}
}

// Beside each headline figure: the previous period's value and the change,
// a number with an arrow format, or "—" where the previous value was 0.
func TestComparedWithThePreviousPeriod(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := xlsx.General(&buf, compared(t), cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Summary", "C1", "Previous period")
	wantText(t, f, "Summary", "D1", "Change")
	wantText(t, f, "Summary", "C2", "2026-02-01") // February's dates beside March's
	wantText(t, f, "Summary", "C3", "2026-02-28")
	wantNumber(t, f, "Summary", "C2", 46054)
	wantText(t, f, "Summary", "A5", "Created")
	wantNumber(t, f, "Summary", "C5", 10)
	wantNumber(t, f, "Summary", "D5", 0.4)
	wantText(t, f, "Summary", "D5", "↑40.0%")
	wantText(t, f, "Summary", "D6", "—") // done: 9 after 0
	wantNumber(t, f, "Summary", "D7", -0.25)
	wantText(t, f, "Summary", "D7", "↓25.0%")
	wantText(t, f, "Summary", "D8", "—") // cancelled: 0 after 0
	// calls in: 2 after 2, the number 0, which the format's third section
	// shows as "=" in Excel and LibreOffice (excelize renders only two).
	wantNumber(t, f, "Summary", "D9", 0)

	two := 2.0
	fn := report.Funnel{Range: march(t), Conversion: 0.4, Stages: []report.Stage{
		{StageID: 1, Name: "Contact", Clients: 5, ConversionNext: 0.4, MedianDaysNext: &two},
		{StageID: 2, Name: "Bought", Clients: 2}, {StageID: 3, Name: "New stage"}}}
	// The previous report lists the stages in another order and lacks one.
	fn.Compare(report.Funnel{Range: march(t).Previous(march(t).From.Location()), Conversion: 0.25,
		Stages: []report.Stage{{StageID: 2, Clients: 1}, {StageID: 1, Clients: 4}}})
	fn.Previous.First = 4
	buf.Reset()
	if err := xlsx.Funnel(&buf, fn, cat, domain.LangRU); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Итоги", "C1", "Прошлый период")
	wantNumber(t, f, "Итоги", "C5", 0.25)
	wantNumber(t, f, "Итоги", "D5", 15) // 40% after 25%: 15 points
	wantText(t, f, "Итоги", "D5", "↑15.0 п.п.")
	wantText(t, f, "Воронка", "G1", "Прошлый период")
	wantNumber(t, f, "Воронка", "G2", 4)
	wantNumber(t, f, "Воронка", "H2", 0.25)
	wantNumber(t, f, "Воронка", "G3", 1)
	wantNumber(t, f, "Воронка", "H3", 1)
	wantText(t, f, "Воронка", "H3", "↑100.0%")
	wantNumber(t, f, "Воронка", "G4", 0)
	wantText(t, f, "Воронка", "H4", "—")
}

// A period whose previous period had nothing shows "—" for every change;
// a report not compared has no comparison columns.
func TestComparedWithAnEmptyPeriod(t *testing.T) {
	t.Parallel()
	g := report.General{Range: march(t), Totals: report.Counts{Created: 3, Done: 1, Overdue: 1, Cancelled: 1}, CallsIn: 1, CallsOut: 1}
	plain := g
	g.Compare(report.General{Range: march(t).Previous(march(t).From.Location())})
	var buf bytes.Buffer
	if err := xlsx.General(&buf, g, cat, domain.LangUK); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	for row := 5; row <= 10; row++ {
		wantText(t, f, "Підсумки", "D"+strconv.Itoa(row), "—")
		wantNumber(t, f, "Підсумки", "C"+strconv.Itoa(row), 0)
	}
	fn := report.Funnel{Range: march(t), Conversion: 0.5, Stages: []report.Stage{{StageID: 1, Name: "A", Clients: 2}, {StageID: 2, Name: "B", Clients: 1}}}
	fn.Compare(report.Funnel{Stages: []report.Stage{{StageID: 1}, {StageID: 2}}})
	buf.Reset()
	if err := xlsx.Funnel(&buf, fn, cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Summary", "D5", "—")
	wantText(t, f, "Funnel", "H2", "—")
	wantText(t, f, "Funnel", "H3", "—")

	buf.Reset()
	if err := xlsx.General(&buf, plain, cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Summary", "C1", "")
	wantText(t, f, "Summary", "C5", "")
}

// The funnel's breakdown sheets end with a totals row: the stages' clients
// (every client is in one row) and the overall conversion.
func TestFunnelSplitTotals(t *testing.T) {
	t.Parallel()
	fn := report.Funnel{Range: march(t), Conversion: 0.6,
		Stages:     []report.Stage{{StageID: 1, Name: "A", Clients: 5}, {StageID: 2, Name: "B", Clients: 3}},
		ByStaff:    []report.Split{{ID: 3, Name: "Olga", Clients: []int{3, 2}}, {ID: 0, Clients: []int{2, 1}}},
		ByTemplate: []report.Split{{ID: 4, Name: "Call", Clients: []int{5, 3}}}}
	var buf bytes.Buffer
	if err := xlsx.Funnel(&buf, fn, cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Funnel by staff", "A4", "Total")
	wantBold(t, f, "Funnel by staff", "A4")
	wantNumber(t, f, "Funnel by staff", "B4", 5)
	wantNumber(t, f, "Funnel by staff", "C4", 3)
	wantNumber(t, f, "Funnel by staff", "D4", 0.6)
	wantText(t, f, "Funnel by template", "A3", "Total")
}

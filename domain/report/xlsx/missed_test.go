package xlsx_test

import (
	"bytes"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/xlsx"
)

// TestGeneralMissedCallsSheet: the general workbook has a sheet of missed
// calls, one row per staff member and a bold total; a row with nobody
// called back leaves the median empty. A period without missed calls has
// no such sheet.
func TestGeneralMissedCallsSheet(t *testing.T) {
	t.Parallel()
	median, staffMedian := 17.5, 12.0
	g := report.General{Range: march(t), Missed: report.MissedCalls{
		Totals: report.MissedCounts{Missed: 5, CalledBack: 3, InTarget: 2, MedianMinutes: &median},
		ByStaff: []report.MissedSplit{
			{ID: 0, Counts: report.MissedCounts{Missed: 2}},
			{ID: 7, Name: "Ольга", Counts: report.MissedCounts{Missed: 3, CalledBack: 3, InTarget: 2, MedianMinutes: &staffMedian}},
		},
	}}
	var buf bytes.Buffer
	if err := xlsx.General(&buf, g, cat, domain.LangUK); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	const sh = "Пропущені дзвінки"
	wantText(t, f, sh, "A1", "Співробітник")
	wantText(t, f, sh, "B1", "Пропущені дзвінки")
	wantText(t, f, sh, "A2", "(ніхто)")
	wantNumber(t, f, sh, "B2", 2)
	wantText(t, f, sh, "E2", "")
	wantText(t, f, sh, "A3", "Ольга")
	wantNumber(t, f, sh, "C3", 3)
	wantNumber(t, f, sh, "E3", 12)
	wantText(t, f, sh, "A4", "Усього")
	wantNumber(t, f, sh, "B4", 5)
	wantNumber(t, f, sh, "D4", 2)
	wantNumber(t, f, sh, "E4", 17.5)
	wantBold(t, f, sh, "A4")

	buf.Reset()
	if err := xlsx.General(&buf, report.General{Range: march(t)}, cat, domain.LangUK); err != nil {
		t.Fatal(err)
	}
	for _, name := range open(t, buf.Bytes()).GetSheetList() {
		if name == sh {
			t.Error("a missed-calls sheet without missed calls")
		}
	}
}

// TestGeneralMissedCallsCompared: the summary lists the missed-call counts
// below the other headline figures, compared with February (4 missed, 3
// called back, none in target) as they are: the previous value and the
// change. A report without missed calls, then or before, has no such rows.
func TestGeneralMissedCallsCompared(t *testing.T) {
	t.Parallel()
	median := 17.5
	g := report.General{Range: march(t), Missed: report.MissedCalls{
		Totals:  report.MissedCounts{Missed: 5, CalledBack: 3, InTarget: 2, MedianMinutes: &median},
		ByStaff: []report.MissedSplit{{ID: 7, Name: "Olga", Counts: report.MissedCounts{Missed: 5, CalledBack: 3, InTarget: 2, MedianMinutes: &median}}},
	}}
	g.Compare(report.General{Range: march(t).Previous(march(t).From.Location()),
		Missed: report.MissedCalls{Totals: report.MissedCounts{Missed: 4, CalledBack: 3}}})
	var buf bytes.Buffer
	if err := xlsx.General(&buf, g, cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Summary", "A10", "Calls out") // the last of the other headline figures
	wantText(t, f, "Summary", "A11", "Missed calls")
	wantNumber(t, f, "Summary", "B11", 5)
	wantNumber(t, f, "Summary", "C11", 4)
	wantNumber(t, f, "Summary", "D11", 0.25)
	wantText(t, f, "Summary", "D11", "↑25.0%")
	wantText(t, f, "Summary", "A12", "Missed calls called back")
	wantNumber(t, f, "Summary", "C12", 3)
	wantNumber(t, f, "Summary", "D12", 0) // 3 after 3: "=" in Excel
	wantText(t, f, "Summary", "A13", "Missed calls called back in target")
	wantNumber(t, f, "Summary", "B13", 2)
	wantText(t, f, "Summary", "D13", "—") // 2 after none

	buf.Reset()
	if err := xlsx.General(&buf, compared(t), cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	if a, _ := cell(t, open(t, buf.Bytes()), "Summary", "A11"); a != "" {
		t.Errorf("a summary row %q below the calls without missed calls", a)
	}
}

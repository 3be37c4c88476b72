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

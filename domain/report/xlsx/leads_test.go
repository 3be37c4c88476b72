package xlsx_test

import (
	"bytes"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/xlsx"
)

// TestGeneralLeadsCompared: the summary lists the lead counts below the
// calls, compared with February (4 leads, 4 answered, none in target, 1
// escalated) as the other headline figures are: the previous value and the
// change; the minutes are not among them. A month without leads after
// February's 4 shows the drop, in the club's language, above its missed
// calls; a report without leads, then or before, has no lead rows.
func TestGeneralLeadsCompared(t *testing.T) {
	t.Parallel()
	median, avg := 12.5, 20.0
	feb := report.General{Range: march(t).Previous(march(t).From.Location()),
		Leads: report.Leads{Totals: report.LeadCounts{Leads: 4, Answered: 4, Escalated: 1}}}
	g := report.General{Range: march(t), Leads: report.Leads{
		Totals:   report.LeadCounts{Leads: 5, Answered: 4, InTarget: 3, Escalated: 1, MedianMinutes: &median, AvgMinutes: &avg},
		BySource: []report.LeadSplit{{Key: "site", Counts: report.LeadCounts{Leads: 5}}},
	}}
	g.Compare(feb)
	var buf bytes.Buffer
	if err := xlsx.General(&buf, g, cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	f := open(t, buf.Bytes())
	wantText(t, f, "Summary", "A10", "Calls out") // the last of the other headline figures
	wantText(t, f, "Summary", "A11", "Leads")
	wantNumber(t, f, "Summary", "B11", 5)
	wantNumber(t, f, "Summary", "C11", 4)
	wantNumber(t, f, "Summary", "D11", 0.25)
	wantText(t, f, "Summary", "D11", "↑25.0%")
	wantText(t, f, "Summary", "A12", "Leads answered")
	wantNumber(t, f, "Summary", "D12", 0) // 4 after 4: "=" in Excel
	wantText(t, f, "Summary", "A13", "Leads answered in target")
	wantNumber(t, f, "Summary", "B13", 3)
	wantText(t, f, "Summary", "D13", "—") // 3 after none
	wantText(t, f, "Summary", "A14", "Leads escalated")
	wantNumber(t, f, "Summary", "C14", 1)
	wantText(t, f, "Summary", "A15", "")

	none := report.General{Range: march(t), Missed: report.MissedCalls{Totals: report.MissedCounts{Missed: 2}}}
	none.Compare(feb)
	buf.Reset()
	if err := xlsx.General(&buf, none, cat, domain.LangRU); err != nil {
		t.Fatal(err)
	}
	f = open(t, buf.Bytes())
	wantText(t, f, "Итоги", "A11", "Заявки")
	wantNumber(t, f, "Итоги", "B11", 0)
	wantNumber(t, f, "Итоги", "C11", 4)
	wantNumber(t, f, "Итоги", "D11", -1)
	wantText(t, f, "Итоги", "A12", "Заявки: отвечено")
	wantText(t, f, "Итоги", "A13", "Заявки: отвечено в срок")
	wantText(t, f, "Итоги", "A14", "Заявки: эскалировано")
	wantText(t, f, "Итоги", "A15", "Пропущенные звонки")

	buf.Reset()
	if err := xlsx.General(&buf, compared(t), cat, domain.LangEN); err != nil {
		t.Fatal(err)
	}
	if a, _ := cell(t, open(t, buf.Bytes()), "Summary", "A11"); a != "" {
		t.Errorf("a summary row %q below the calls without leads", a)
	}
}

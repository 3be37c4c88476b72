package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

// marchLeads: 5 leads in March, 4 answered (median 12.5, mean 20 minutes),
// 3 of them in target, 1 escalated; 3 from the site (Olga answered them)
// and 2 without a source.
func marchLeads(t *testing.T) report.General {
	t.Helper()
	median, avg, olgaMedian := 12.5, 20.0, 10.0
	return report.General{Range: formatMarch(t), Leads: report.Leads{
		Totals: report.LeadCounts{Leads: 5, Answered: 4, InTarget: 3, Escalated: 1, MedianMinutes: &median, AvgMinutes: &avg},
		BySource: []report.LeadSplit{
			{Key: "site", Counts: report.LeadCounts{Leads: 3, Answered: 3, InTarget: 3, MedianMinutes: &olgaMedian, AvgMinutes: &olgaMedian}},
			{Key: "", Counts: report.LeadCounts{Leads: 2, Answered: 1, Escalated: 1, MedianMinutes: &avg, AvgMinutes: &avg}},
		},
		ByStaff: []report.LeadSplit{{ID: 7, Name: "Olga", Counts: report.LeadCounts{Leads: 3, Answered: 3, InTarget: 3, MedianMinutes: &olgaMedian, AvgMinutes: &olgaMedian}}},
	}}
}

// TestReportLeadsText: the CLI's text and CSV carry the lead figures, in
// all, by source and by staff member; without leads, then or before, there
// are none.
func TestReportLeadsText(t *testing.T) {
	t.Parallel()
	out := reportOut{cat: i18n.MustNew(), lang: domain.LangEN, club: domain.Club{ID: 4, Name: "Gym", TimeZone: "Europe/Kyiv"}}
	var buf bytes.Buffer
	if err := out.general(&buf, "text", marchLeads(t)); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	if all := lineStarting(t, text, "all "); strings.Join(strings.Fields(all), " ") != "all 5 4 3 1 12.5 20.0" {
		t.Errorf("the leads' all row is %q", all)
	}
	for _, want := range []string{"Leads (first response)", "source: site", "source: (no source)", "staff: Olga"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	buf.Reset()
	if err := out.general(&buf, "csv", marchLeads(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"total,0,,leads,5", "total,0,,leads_answered,4", "total,0,,leads_in_target,3",
		"total,0,,leads_escalated,1", "total,0,,leads_median_minutes,12.5", "total,0,,leads_avg_minutes,20",
		"lead_source,0,site,leads,3", "lead_source,0,,leads,2", "staff,7,Olga,leads_answered,3"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %q in:\n%s", want, buf.String())
		}
	}
	for _, unwanted := range []string{"(—)", "leads_previous"} {
		if strings.Contains(text+buf.String(), unwanted) {
			t.Errorf("a comparison %q without a previous period", unwanted)
		}
	}

	for _, format := range []string{"text", "csv"} {
		buf.Reset()
		if err := out.general(&buf, format, report.General{Range: formatMarch(t)}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "Leads") || strings.Contains(buf.String(), "leads") {
			t.Errorf("%s: lead figures without leads:\n%s", format, buf.String())
		}
	}
}

// TestReportLeadsCompared: compared with February (4 leads, 4 answered,
// none in target, 1 escalated), March's lead counts carry their change in
// the text's "all" row and as *_previous and *_change rows in the CSV, as
// the other headline figures do; the median and mean minutes, the sources
// and the staff are not compared. A month without leads after February's 4
// still shows the drop.
func TestReportLeadsCompared(t *testing.T) {
	t.Parallel()
	g := marchLeads(t)
	feb := report.General{Range: g.Range.Previous(g.Range.From.Location()),
		Leads: report.Leads{Totals: report.LeadCounts{Leads: 4, Answered: 4, Escalated: 1}}}
	g.Compare(feb)
	out := reportOut{cat: i18n.MustNew(), lang: domain.LangEN, club: domain.Club{ID: 4, Name: "Gym", TimeZone: "Europe/Kyiv"}}
	var buf bytes.Buffer
	if err := out.general(&buf, "text", g); err != nil {
		t.Fatal(err)
	}
	if all := lineStarting(t, buf.String(), "all "); strings.Join(strings.Fields(all), " ") != "all 5 (↑25%) 4 (=) 3 (—) 1 (=) 12.5 20.0" {
		t.Errorf("the leads' all row is %q", all)
	}
	for _, prefix := range []string{"source: site", "staff: Olga"} {
		if row := lineStarting(t, buf.String(), prefix); strings.Contains(row, "(") {
			t.Errorf("a breakdown row compared: %q", row)
		}
	}

	buf.Reset()
	if err := out.general(&buf, "csv", g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"total,0,,leads_previous,4", "total,0,,leads_change,0.25",
		"total,0,,leads_answered_previous,4", "total,0,,leads_answered_change,0",
		"total,0,,leads_in_target_previous,0", "total,0,,leads_in_target_change,\n",
		"total,0,,leads_escalated_previous,1", "total,0,,leads_escalated_change,0"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %q in:\n%s", want, buf.String())
		}
	}
	for _, unwanted := range []string{"minutes_change", "minutes_previous", "lead_source,0,site,leads_change", "staff,7,Olga,leads_change"} {
		if strings.Contains(buf.String(), unwanted) {
			t.Errorf("%q: a median, a mean or a breakdown compared:\n%s", unwanted, buf.String())
		}
	}

	none := report.General{Range: g.Range}
	none.Compare(feb)
	buf.Reset()
	if err := out.general(&buf, "text", none); err != nil {
		t.Fatal(err)
	}
	if all := lineStarting(t, buf.String(), "all "); strings.Join(strings.Fields(all), " ") != "all 0 (↓100%) 0 (↓100%) 0 (—) 0 (↓100%) — —" {
		t.Errorf("no leads after February's 4: %q", all)
	}
	buf.Reset()
	if err := out.general(&buf, "csv", none); err != nil {
		t.Fatal(err)
	}
	if want := "total,0,,leads_change,-1"; !strings.Contains(buf.String(), want) {
		t.Errorf("no %q in:\n%s", want, buf.String())
	}
}

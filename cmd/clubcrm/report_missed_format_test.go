package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

// TestReportMissedCallsText: the CLI's text and CSV carry the missed-call
// figures, in all and by staff member; without missed calls the text has
// no such section.
func TestReportMissedCallsText(t *testing.T) {
	t.Parallel()
	median := 17.5
	g := report.General{Range: formatMarch(t), Missed: report.MissedCalls{
		Totals:  report.MissedCounts{Missed: 5, CalledBack: 3, InTarget: 2, MedianMinutes: &median},
		ByStaff: []report.MissedSplit{{ID: 0, Counts: report.MissedCounts{Missed: 2}}, {ID: 7, Name: "Ольга", Counts: report.MissedCounts{Missed: 3, CalledBack: 3, InTarget: 2, MedianMinutes: &median}}},
	}}
	out := reportOut{cat: i18n.MustNew(), lang: domain.LangUK, club: domain.Club{ID: 4, Name: "Gym", TimeZone: "Europe/Kyiv"}}
	var buf bytes.Buffer
	if err := out.general(&buf, "text", g); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"Пропущені дзвінки", "Передзвонили", "17,5", "Ольга"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	buf.Reset()
	if err := out.general(&buf, "csv", g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"total,0,,missed_calls,5", "total,0,,missed_called_back,3", "total,0,,missed_in_target,2",
		"total,0,,missed_median_minutes,17.5", "staff,7,Ольга,missed_calls,3", "staff,0,,missed_calls,2"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %q in:\n%s", want, buf.String())
		}
	}
	for _, unwanted := range []string{"(—)", "missed_calls_previous"} {
		if strings.Contains(text+buf.String(), unwanted) {
			t.Errorf("a comparison %q without a previous period", unwanted)
		}
	}
	buf.Reset()
	if err := out.general(&buf, "text", report.General{Range: formatMarch(t)}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Пропущені") {
		t.Errorf("a missed-calls section without missed calls:\n%s", buf.String())
	}
}

// TestReportMissedCallsCompared: compared with February (4 missed, 3 called
// back, none in target), March's missed-call counts carry their change in
// the text's "all" row and as *_previous and *_change rows in the CSV, as
// the other headline figures do; the median is not compared. A month that
// missed none after February's 4 still shows the drop.
func TestReportMissedCallsCompared(t *testing.T) {
	t.Parallel()
	median := 17.5
	r := formatMarch(t)
	g := report.General{Range: r, Missed: report.MissedCalls{
		Totals:  report.MissedCounts{Missed: 5, CalledBack: 3, InTarget: 2, MedianMinutes: &median},
		ByStaff: []report.MissedSplit{{ID: 7, Name: "Olga", Counts: report.MissedCounts{Missed: 5, CalledBack: 3, InTarget: 2, MedianMinutes: &median}}},
	}}
	feb := report.General{Range: r.Previous(r.From.Location()), Missed: report.MissedCalls{Totals: report.MissedCounts{Missed: 4, CalledBack: 3}}}
	g.Compare(feb)
	out := reportOut{cat: i18n.MustNew(), lang: domain.LangEN, club: domain.Club{ID: 4, Name: "Gym", TimeZone: "Europe/Kyiv"}}
	var buf bytes.Buffer
	if err := out.general(&buf, "text", g); err != nil {
		t.Fatal(err)
	}
	all := lineStarting(t, buf.String(), "all ")
	if f := strings.Fields(all); strings.Join(f, " ") != "all 5 (↑25%) 3 (=) 2 (—) 17.5" {
		t.Errorf("the missed calls' all row is %q", all)
	}
	if olga := lineStarting(t, buf.String(), "staff: Olga"); strings.Contains(olga, "(") {
		t.Errorf("a staff member's row compared: %q", olga)
	}

	buf.Reset()
	if err := out.general(&buf, "csv", g); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"total,0,,missed_calls_previous,4", "total,0,,missed_calls_change,0.25",
		"total,0,,missed_called_back_previous,3", "total,0,,missed_called_back_change,0",
		"total,0,,missed_in_target_previous,0", "total,0,,missed_in_target_change,\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %q in:\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), "median_minutes_change") || strings.Contains(buf.String(), "staff,7,Olga,missed_calls_change") {
		t.Errorf("a median or a staff member compared:\n%s", buf.String())
	}

	none := report.General{Range: r}
	none.Compare(feb)
	buf.Reset()
	if err := out.general(&buf, "text", none); err != nil {
		t.Fatal(err)
	}
	if all := lineStarting(t, buf.String(), "all "); strings.Join(strings.Fields(all), " ") != "all 0 (↓100%) 0 (↓100%) 0 (—) —" {
		t.Errorf("no missed calls after February's 4: %q", all)
	}
}

// lineStarting is the first line of text that starts with prefix.
func lineStarting(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line starting with %q in:\n%s", prefix, text)
	return ""
}

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
	buf.Reset()
	if err := out.general(&buf, "text", report.General{Range: formatMarch(t)}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Пропущені") {
		t.Errorf("a missed-calls section without missed calls:\n%s", buf.String())
	}
}

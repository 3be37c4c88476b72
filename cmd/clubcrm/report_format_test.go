package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

func formatMarch(t *testing.T) report.Range {
	t.Helper()
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.CustomRange(report.Date{Year: 2026, Month: 3, Day: 1}, report.Date{Year: 2026, Month: 3, Day: 31}, kyiv)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The text formats in a language without a catalog fall back to English,
// and a previous period with nothing shows "—" beside every headline
// figure; no message id reaches the operator.
func TestReportTextUnknownLanguageAndEmptyPrevious(t *testing.T) {
	t.Parallel()
	r := formatMarch(t)
	club := domain.Club{ID: 4, Name: "Gym", TimeZone: "Europe/Kyiv"}
	g := report.General{Range: r, Totals: report.Counts{Created: 5, Done: 2}, CallsOut: 1,
		ByStaff:    []report.StaffRow{{StaffID: 0, Counts: report.Counts{Created: 1}}},
		ByTemplate: []report.TemplateRow{{TemplateID: 2, Name: "Old call", Retired: true}},
		ByType:     []report.TypeRow{{Type: domain.TypeBulkCall}}}
	g.Compare(report.General{Range: r.Previous(r.From.Location())})
	var buf bytes.Buffer
	if err := (reportOut{cat: i18n.MustNew(), lang: "de", club: club}).general(&buf, "text", g); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"General report: club 4 “Gym”, 2026-03-01 to 2026-03-31 (Europe/Kyiv)",
		"Tasks: created 5 (—), done 2 (—), overdue 0 (—), cancelled 0 (—).",
		"in 0 (—), out 1 (—).",
		"Compared with 2026-02-01 to 2026-02-28",
		"(nobody)", "Old call (retired)", "Bulk call",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "report.") || strings.Contains(out, "bulk_call") {
		t.Errorf("a message id or raw key in:\n%s", out)
	}

	f := report.Funnel{Range: r, Conversion: 0.5, Stages: []report.Stage{{StageID: 1, Name: "Contact", Clients: 2}, {StageID: 2, Name: "Bought", Clients: 1}},
		ByStaff: []report.Split{{Clients: []int{2, 1}, Conversion: 0.5}}}
	f.Compare(report.Funnel{Range: r.Previous(r.From.Location()), Stages: []report.Stage{{StageID: 1}, {StageID: 2}}})
	buf.Reset()
	if err := (reportOut{cat: i18n.MustNew(), lang: domain.LangRU, club: club}).funnel(&buf, "text", f); err != nil {
		t.Fatal(err)
	}
	out = buf.String()
	for _, want := range []string{"Воронка продаж: клуб 4 «Gym»", "Конверсия от первого этапа к последнему: 50,0% (—)", "Прошлый период", "(никто)"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Contact") || strings.HasPrefix(line, "Bought") {
			if f := strings.Fields(line); len(f) < 2 || f[len(f)-2] != "0" || f[len(f)-1] != "—" {
				t.Errorf("stage line %q does not end with the previous 0 and —", line)
			}
		}
	}

	buf.Reset()
	if err := (reportOut{cat: i18n.MustNew(), lang: domain.LangEN, club: club}).general(&buf, "csv", g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "total,0,,created_previous,0\ntotal,0,,created_change,\n") {
		t.Errorf("csv: no empty change from a previous 0:\n%s", buf.String())
	}
}

package report_test

import (
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

func TestChangeText(t *testing.T) {
	t.Parallel()
	cat := i18n.MustNew()
	for _, c := range []struct {
		name string
		ch   report.Change
		lang domain.Language
		want string
	}{
		{"up", report.CountChange(3, 2), domain.LangEN, "↑50%"},
		{"down", report.CountChange(1, 4), domain.LangEN, "↓75%"},
		{"down to nothing", report.CountChange(0, 3), domain.LangEN, "↓100%"},
		{"same", report.CountChange(2, 2), domain.LangEN, "="},
		{"from nothing", report.CountChange(5, 0), domain.LangEN, "—"},
		{"nothing then and now", report.CountChange(0, 0), domain.LangEN, "—"},
		{"a third, ru decimal comma", report.CountChange(4, 3), domain.LangRU, "↑33,3%"},
		{"share in points", report.ShareChange(0.4, 0.25, 8), domain.LangEN, "↑15 pp"},
		{"share in points, uk", report.ShareChange(0.2, 0.25, 8), domain.LangUK, "↓5 в.п."},
		{"share from no base", report.ShareChange(0.4, 0, 0), domain.LangRU, "—"},
		{"share from a real 0%", report.ShareChange(0.125, 0, 8), domain.LangRU, "↑12,5 п.п."},
		{"share equal once rounded", report.ShareChange(0.40001, 0.4, 8), domain.LangEN, "="},
		{"unknown language falls back to English", report.ShareChange(0.4, 0.25, 8), "de", "↑15 pp"},
	} {
		if got := c.ch.Text(cat, c.lang); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if s := report.CountChange(1, 4).Signed(); s != -0.75 {
		t.Errorf("Signed = %v, want -0.75", s)
	}
}

// The previous funnel's stages are matched by id, not position: a stage
// added since has 0 before, and a reordered plan still compares like with
// like.
func TestFunnelCompare(t *testing.T) {
	t.Parallel()
	f := report.Funnel{Conversion: 0.5, Stages: []report.Stage{{StageID: 1, Clients: 4}, {StageID: 2, Clients: 2}, {StageID: 9, Clients: 2}}}
	f.Compare(report.Funnel{Conversion: 0.25, Stages: []report.Stage{{StageID: 2, Clients: 3}, {StageID: 1, Clients: 8}}})
	p := f.Previous
	if len(p.Clients) != 3 || p.Clients[0] != 8 || p.Clients[1] != 3 || p.Clients[2] != 0 || p.First != 3 {
		t.Fatalf("previous = %+v", *p)
	}
	if ch := f.StageChange(0); ch.Dir != -1 || ch.Value != 0.5 {
		t.Errorf("stage 1: %+v, want down 50%%", ch)
	}
	if ch := f.StageChange(2); ch.Known {
		t.Errorf("a new stage: %+v, want unknown", ch)
	}
	if ch := f.ConversionChange(); !ch.Points || ch.Dir != 1 || ch.Value != 0.25 {
		t.Errorf("conversion: %+v, want up 25 points", ch)
	}
	var plain report.Funnel
	if plain.ConversionChange().Known || plain.StageChange(0).Known {
		t.Error("a funnel not compared has changes")
	}

	c := report.Cohort{Clients: 5, Stages: []report.CohortStage{{StageID: 1, Clients: 5}, {StageID: 2, Clients: 1}}}
	c.Compare(report.Cohort{Clients: 4, Stages: []report.CohortStage{{StageID: 1, Clients: 4}, {StageID: 2, Clients: 2}}})
	if c.Previous.Clients != 4 || c.StageChange(1).Dir != -1 || c.StageChange(0).Value != 0.25 {
		t.Errorf("cohort: %+v", *c.Previous)
	}
}

// The general report keeps the previous period's missed-call totals, and
// shows its missed calls when either period had any: a club whose missed
// calls dropped to none sees that drop, a club without a phone system sees
// nothing.
func TestGeneralCompareMissedCalls(t *testing.T) {
	t.Parallel()
	var g report.General
	if g.MissedShown() {
		t.Error("missed calls shown with none and no comparison")
	}
	g.Compare(report.General{Missed: report.MissedCalls{Totals: report.MissedCounts{Missed: 4, CalledBack: 2, InTarget: 1}}})
	if p := g.Previous.Missed; p.Missed != 4 || p.CalledBack != 2 || p.InTarget != 1 {
		t.Errorf("previous missed calls: %+v", p)
	}
	if !g.MissedShown() {
		t.Error("a drop from 4 missed calls to none not shown")
	}
	g.Compare(report.General{})
	if g.MissedShown() {
		t.Error("missed calls shown with none in either period")
	}
}

// The general report keeps the previous period's lead totals, and shows its
// leads when either period had any: a club whose leads dropped to none sees
// that drop, a club that takes no leads through the API sees nothing.
func TestGeneralCompareLeads(t *testing.T) {
	t.Parallel()
	var g report.General
	if g.LeadsShown() {
		t.Error("leads shown with none and no comparison")
	}
	g.Compare(report.General{Leads: report.Leads{Totals: report.LeadCounts{Leads: 6, Answered: 5, InTarget: 3, Escalated: 1}}})
	if p := g.Previous.Leads; p.Leads != 6 || p.Answered != 5 || p.InTarget != 3 || p.Escalated != 1 {
		t.Errorf("previous leads: %+v", p)
	}
	if !g.LeadsShown() {
		t.Error("a drop from 6 leads to none not shown")
	}
	g.Compare(report.General{})
	if g.LeadsShown() {
		t.Error("leads shown with none in either period")
	}
}

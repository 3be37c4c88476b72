package report

import (
	"math"

	"github.com/clubcrm/clubcrm/domain"
)

// The comparison with the previous period (Range.Previous): every rendering
// of a report (the bot's message, the workbook, the CLI) puts an arrow and
// a percentage beside each headline figure. The previous figures come from
// the same report function called for the previous range (Compare); the
// store computes nothing extra.

// Change is how a headline figure moved from the previous period to this
// one.
type Change struct {
	// Dir is 1 when the figure grew, -1 when it fell, 0 when it stayed.
	Dir int
	// Value is the size of the move, never negative: the relative change of
	// a count (0.5 is 50%), or for a share the difference in percentage
	// points as a share (0.05 is 5 points).
	Value float64
	// Points says Value is a difference of shares, not a relative change.
	Points bool
	// Known is false when the previous value is 0 (for a share: when its
	// base was 0), so there is no percentage to give: shown as "—".
	Known bool
}

// CountChange compares a count with the previous period's.
func CountChange(cur, prev int) Change {
	if prev == 0 {
		return Change{}
	}
	c := Change{Known: true, Value: math.Abs(float64(cur-prev)) / float64(prev)}
	switch {
	case cur > prev:
		c.Dir = 1
	case cur < prev:
		c.Dir = -1
	}
	return c
}

// ShareChange compares a share (a conversion, 0..1) with the previous
// period's, in percentage points; prevBase is the previous share's
// denominator (nobody to convert: no comparison).
func ShareChange(cur, prev float64, prevBase int) Change {
	if prevBase == 0 {
		return Change{Points: true}
	}
	// Compare what is shown: shares rounded to a tenth of a percent, so
	// 40.0% and 40.0% never read as a move.
	d := math.Round(cur*1000)/1000 - math.Round(prev*1000)/1000
	c := Change{Known: true, Points: true, Value: math.Abs(d)}
	switch {
	case d > 1e-9:
		c.Dir = 1
	case d < -1e-9:
		c.Dir = -1
	}
	return c
}

// Signed is the change as a signed number (0.5 for up 50%, -0.25 for down
// 25%), for spreadsheets; meaningful only when Known.
func (c Change) Signed() float64 { return float64(c.Dir) * c.Value }

// Translator gives texts from the catalogs and writes numbers the way a
// language does (domain/i18n.Catalog), so this package stays free of them.
type Translator interface {
	T(lang domain.Language, id string, data map[string]any) string
	Number(lang domain.Language, f float64) string
}

// Text writes the change as the reports show it: "↑50%", "↓25%", "=",
// "↑5 pp" for a share, and "—" when the previous value is 0. Numbers use
// the language's decimal separator; the unit of points is the catalog's
// report.change.points.
func (c Change) Text(t Translator, lang domain.Language) string {
	switch {
	case !c.Known:
		return "—"
	case c.Dir == 0:
		return "="
	}
	arrow := "↑"
	if c.Dir < 0 {
		arrow = "↓"
	}
	n := t.Number(lang, math.Round(c.Value*1000)/10)
	if c.Points {
		return arrow + t.T(lang, "report.change.points", map[string]any{"N": n})
	}
	return arrow + n + "%"
}

// GeneralPrevious are the general report's headline figures in the
// previous period.
type GeneralPrevious struct {
	Range    Range  `json:"range"`
	Totals   Counts `json:"totals"`
	CallsIn  int    `json:"calls_in"`
	CallsOut int    `json:"calls_out"`
	// Missed are the previous period's missed-call totals; their counts are
	// compared, the median minutes (as no median of the reports) are not.
	Missed MissedCounts `json:"missed_calls"`
	// Leads are the previous period's lead totals; their counts are compared,
	// the median and mean minutes (as no median of the reports) are not.
	Leads LeadCounts `json:"leads"`
}

// Compare keeps prev's headline figures (the same report for the previous
// range, see Range.Previous) in g.Previous.
func (g *General) Compare(prev General) {
	g.Previous = &GeneralPrevious{Range: prev.Range, Totals: prev.Totals, CallsIn: prev.CallsIn, CallsOut: prev.CallsOut,
		Missed: prev.Missed.Totals, Leads: prev.Leads.Totals}
}

// MissedShown says whether the renderings show the missed-call figures:
// when calls were missed in the period, or in the previous period compared
// with (a drop to none is news); a club without a phone system gets none.
func (g General) MissedShown() bool {
	return g.Missed.Totals.Missed > 0 || (g.Previous != nil && g.Previous.Missed.Missed > 0)
}

// LeadsShown says whether the renderings show the lead figures: when leads
// arrived in the period, or in the previous period compared with (a drop to
// none is news); a club that takes no leads through the API gets none.
func (g General) LeadsShown() bool {
	return g.Leads.Totals.Leads > 0 || (g.Previous != nil && g.Previous.Leads.Leads > 0)
}

// FunnelPrevious are the funnel's headline figures in the previous period.
type FunnelPrevious struct {
	Range Range `json:"range"`
	// Clients per stage, in the Stages order of the report compared (matched
	// by stage id; 0 for a stage the previous report does not have).
	Clients    []int   `json:"clients"`
	Conversion float64 `json:"conversion"`
	// First is how many clients reached the first stage: the base of
	// Conversion.
	First int `json:"first"`
}

// Compare keeps prev's headline figures (the same report for the previous
// range) in f.Previous.
func (f *Funnel) Compare(prev Funnel) {
	p := &FunnelPrevious{Range: prev.Range, Conversion: prev.Conversion}
	p.Clients = stageClients(f.Stages, prev.Stages, func(s Stage) (int64, int) { return s.StageID, s.Clients })
	if len(prev.Stages) > 0 {
		p.First = prev.Stages[0].Clients
	}
	f.Previous = p
}

// PreviousClients is how many clients reached stage i in the previous
// period (0 when the funnel is not compared).
func (f Funnel) PreviousClients(i int) int {
	if f.Previous == nil || i >= len(f.Previous.Clients) {
		return 0
	}
	return f.Previous.Clients[i]
}

// StageChange is a stage's clients compared with the previous period; the
// zero (unknown) Change when there is nothing to compare with.
func (f Funnel) StageChange(i int) Change {
	if f.Previous == nil || i >= len(f.Stages) {
		return Change{}
	}
	return CountChange(f.Stages[i].Clients, f.PreviousClients(i))
}

// ConversionChange is the first-to-last conversion compared with the
// previous period, in points.
func (f Funnel) ConversionChange() Change {
	if f.Previous == nil {
		return Change{Points: true}
	}
	return ShareChange(f.Conversion, f.Previous.Conversion, f.Previous.First)
}

// CohortPrevious are the cohort's headline figures in the previous period:
// the clients first contacted then, and how many of them reached each
// stage by now.
type CohortPrevious struct {
	Range   Range `json:"range"`
	Clients int   `json:"clients"`
	Stages  []int `json:"stages"` // in the Stages order of the cohort compared
}

// Compare keeps prev's headline figures in c.Previous.
func (c *Cohort) Compare(prev Cohort) {
	c.Previous = &CohortPrevious{Range: prev.Range, Clients: prev.Clients,
		Stages: stageClients(c.Stages, prev.Stages, func(s CohortStage) (int64, int) { return s.StageID, s.Clients })}
}

// PreviousClients is how many of the previous period's cohort reached stage
// i (0 when the cohort is not compared).
func (c Cohort) PreviousClients(i int) int {
	if c.Previous == nil || i >= len(c.Previous.Stages) {
		return 0
	}
	return c.Previous.Stages[i]
}

// StageChange is a cohort stage's clients compared with the previous
// period's cohort.
func (c Cohort) StageChange(i int) Change {
	if c.Previous == nil || i >= len(c.Stages) {
		return Change{}
	}
	return CountChange(c.Stages[i].Clients, c.PreviousClients(i))
}

// stageClients lines up the previous period's clients per stage with the
// current stages by id.
func stageClients[S any](cur, prev []S, key func(S) (int64, int)) []int {
	byID := make(map[int64]int, len(prev))
	for _, s := range prev {
		id, n := key(s)
		byID[id] = n
	}
	out := make([]int, len(cur))
	for i, s := range cur {
		id, _ := key(s)
		out[i] = byID[id]
	}
	return out
}

package bot

import (
	"math"
	"strconv"

	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

// missedText is the general report's one line on missed incoming calls
// (report.MissedCalls): how many, how many were called back, how many in
// the club's target, and the median minutes to call back; "" when none was
// missed in the period nor in the period compared with
// (report.General.MissedShown). Compared (g.Previous), the three counts
// carry their change as the other headline figures do; the median does
// not, as no median of the reports does.
func (r *request) missedText(g report.General) string {
	if !g.MissedShown() {
		return ""
	}
	c, p := g.Missed.Totals, report.MissedCounts{}
	if g.Previous != nil {
		p = g.Previous.Missed
	}
	fig := func(cur, prev int) string { return r.countWithChange(g, cur, prev) }
	return r.t("report.missed", map[string]any{
		"Missed": fig(c.Missed, p.Missed), "Back": fig(c.CalledBack, p.CalledBack), "InTarget": fig(c.InTarget, p.InTarget),
		"Median": r.medianMinutes(c.MedianMinutes), // "" when nobody called back: the line leaves it out
	})
}

// countWithChange is a count of g's period, followed by its change from the
// period compared with when g has one (g.Previous), as the headline
// figures show it.
func (r *request) countWithChange(g report.General, cur, prev int) string {
	if g.Previous == nil {
		return strconv.Itoa(cur)
	}
	return strconv.Itoa(cur) + " " + r.change(report.CountChange(cur, prev))
}

// medianMinutes is a median in minutes to a tenth, in the person's
// language, or "" when there is none.
func (r *request) medianMinutes(m *float64) string {
	if m == nil {
		return ""
	}
	return i18n.Number(r.lang, math.Round(*m*10)/10)
}

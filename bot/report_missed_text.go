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
	fig := func(cur, prev int) string {
		if g.Previous == nil {
			return strconv.Itoa(cur)
		}
		return strconv.Itoa(cur) + " " + r.change(report.CountChange(cur, prev))
	}
	median := "" // nobody called back: the line leaves the median out
	if c.MedianMinutes != nil {
		median = i18n.Number(r.lang, math.Round(*c.MedianMinutes*10)/10)
	}
	return r.t("report.missed", map[string]any{
		"Missed": fig(c.Missed, p.Missed), "Back": fig(c.CalledBack, p.CalledBack), "InTarget": fig(c.InTarget, p.InTarget), "Median": median,
	})
}

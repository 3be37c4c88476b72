package bot

import (
	"math"
	"strconv"

	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

// leadsText is the general report's one line on the leads that arrived
// through the inbound API (report.Leads): how many, how many were answered,
// how many by the response target, how many were escalated, and the median
// minutes to the first response; "" when no lead arrived in the period nor
// in the period compared with (report.General.LeadsShown), as the CLI, CSV
// and XLSX reports decide. Compared (g.Previous), the four counts carry
// their change as the other headline figures do; the median does not, as
// no median of the reports does.
func (r *request) leadsText(g report.General) string {
	if !g.LeadsShown() {
		return ""
	}
	c, p := g.Leads.Totals, report.LeadCounts{}
	if g.Previous != nil {
		p = g.Previous.Leads
	}
	fig := func(cur, prev int) string {
		if g.Previous == nil {
			return strconv.Itoa(cur)
		}
		return strconv.Itoa(cur) + " " + r.change(report.CountChange(cur, prev))
	}
	median := "" // nobody answered: the line leaves the median out
	if c.MedianMinutes != nil {
		median = i18n.Number(r.lang, math.Round(*c.MedianMinutes*10)/10)
	}
	return r.t("report.leads", map[string]any{
		"Leads": fig(c.Leads, p.Leads), "Answered": fig(c.Answered, p.Answered), "InTarget": fig(c.InTarget, p.InTarget),
		"Escalated": fig(c.Escalated, p.Escalated), "Median": median,
	})
}

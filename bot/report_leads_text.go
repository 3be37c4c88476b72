package bot

import "github.com/clubcrm/clubcrm/domain/report"

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
	fig := func(cur, prev int) string { return r.countWithChange(g, cur, prev) }
	return r.t("report.leads", map[string]any{
		"Leads": fig(c.Leads, p.Leads), "Answered": fig(c.Answered, p.Answered), "InTarget": fig(c.InTarget, p.InTarget),
		"Escalated": fig(c.Escalated, p.Escalated),
		"Median":    r.medianMinutes(c.MedianMinutes), // "" when nobody answered: the line leaves it out
	})
}

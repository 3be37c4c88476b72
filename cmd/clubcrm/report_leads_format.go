package main

import (
	"fmt"
	"io"

	"github.com/clubcrm/clubcrm/domain/report"
)

// leadsText prints the first-response figures of the period's leads
// (report.Leads): in all, by source and by staff member; nothing when no
// lead arrived, then or in the period compared with
// (report.General.LeadsShown). Compared, the counts of the "all" row carry
// their change as the other headline figures do ("5 (↑25%)"); the median
// and mean minutes do not, as no median of the reports does, nor do the
// source and staff rows.
func (o reportOut) leadsText(tw io.Writer, g report.General) {
	if !g.LeadsShown() {
		return
	}
	compared, p := g.Previous != nil, report.LeadCounts{}
	if compared {
		p = g.Previous.Leads
	}
	row := func(label string, c report.LeadCounts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", label, c.Leads, c.Answered, c.InTarget, c.Escalated, o.minutes(c.MedianMinutes), o.minutes(c.AvgMinutes))
	}
	fig := func(cur, prev int) string { return o.fig(cur, compared, report.CountChange(cur, prev)) }
	t := g.Leads.Totals
	fmt.Fprintf(tw, "\n%s\t%s\t\n", o.t("report.cli.leads", nil), o.t("report.cli.leads_cols", nil))
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", o.t("report.cli.leads_all", nil),
		fig(t.Leads, p.Leads), fig(t.Answered, p.Answered), fig(t.InTarget, p.InTarget), fig(t.Escalated, p.Escalated),
		o.minutes(t.MedianMinutes), o.minutes(t.AvgMinutes))
	for _, s := range g.Leads.BySource {
		src := s.Key
		if src == "" {
			src = o.t("report.cli.leads_no_source", nil)
		}
		row(o.t("report.cli.leads_source", map[string]any{"Source": src}), s.Counts)
	}
	for _, s := range g.Leads.ByStaff {
		row(o.t("report.cli.leads_staff", map[string]any{"Name": o.staffLabel(s.ID, s.Name)}), s.Counts)
	}
}

// leadsCSV writes the lead figures as metrics of the "total", "lead_source"
// (the source as the name, "" for none) and "staff" sections, as the other
// figures are (staff id 0: nobody's), when the text shows them
// (report.General.LeadsShown); compared, the total counts have their
// *_previous and *_change rows.
func leadsCSV(c csvWriter, g report.General) {
	if !g.LeadsShown() {
		return
	}
	write := func(section string, id int64, name string, x report.LeadCounts) {
		c.num(section, id, name, "leads", x.Leads)
		c.num(section, id, name, "leads_answered", x.Answered)
		c.num(section, id, name, "leads_in_target", x.InTarget)
		c.num(section, id, name, "leads_escalated", x.Escalated)
		if x.MedianMinutes != nil {
			c.float(section, id, name, "leads_median_minutes", *x.MedianMinutes)
		}
		if x.AvgMinutes != nil {
			c.float(section, id, name, "leads_avg_minutes", *x.AvgMinutes)
		}
	}
	t := g.Leads.Totals
	write("total", 0, "", t)
	if p := g.Previous; p != nil {
		c.compared("total", 0, "", "leads", t.Leads, p.Leads.Leads)
		c.compared("total", 0, "", "leads_answered", t.Answered, p.Leads.Answered)
		c.compared("total", 0, "", "leads_in_target", t.InTarget, p.Leads.InTarget)
		c.compared("total", 0, "", "leads_escalated", t.Escalated, p.Leads.Escalated)
	}
	for _, s := range g.Leads.BySource {
		write("lead_source", 0, s.Key, s.Counts)
	}
	for _, s := range g.Leads.ByStaff {
		write("staff", s.ID, s.Name, s.Counts)
	}
}

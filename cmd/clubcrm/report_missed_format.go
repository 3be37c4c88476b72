package main

import (
	"fmt"
	"io"

	"github.com/clubcrm/clubcrm/domain/report"
)

// missedText prints the figures of the period's missed incoming calls
// (report.MissedCalls): in all and by staff member; nothing when none was
// missed, then or in the period compared with (report.General.MissedShown).
// Compared, the counts of the "all" row carry their change as the other
// headline figures do ("5 (↑25%)"); the median does not, as no median of
// the reports does.
func (o reportOut) missedText(tw io.Writer, g report.General) {
	if !g.MissedShown() {
		return
	}
	compared, p := g.Previous != nil, report.MissedCounts{}
	if compared {
		p = g.Previous.Missed
	}
	fig := func(cur, prev int) string { return o.fig(cur, compared, report.CountChange(cur, prev)) }
	t := g.Missed.Totals
	fmt.Fprintf(tw, "\n%s\t%s\t\n", o.t("report.cli.missed", nil), o.t("report.cli.missed_cols", nil))
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", o.t("report.cli.leads_all", nil),
		fig(t.Missed, p.Missed), fig(t.CalledBack, p.CalledBack), fig(t.InTarget, p.InTarget), o.minutes(t.MedianMinutes))
	for _, s := range g.Missed.ByStaff {
		c := s.Counts
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t\n", o.t("report.cli.leads_staff", map[string]any{"Name": o.staffLabel(s.ID, s.Name)}),
			c.Missed, c.CalledBack, c.InTarget, o.minutes(c.MedianMinutes))
	}
}

// missedCSV writes the missed-call figures as metrics of the "total" and
// "staff" sections, as the other figures are (staff id 0: nobody's);
// compared, the total counts have their *_previous and *_change rows.
func missedCSV(c csvWriter, g report.General) {
	write := func(section string, id int64, name string, x report.MissedCounts) {
		c.num(section, id, name, "missed_calls", x.Missed)
		c.num(section, id, name, "missed_called_back", x.CalledBack)
		c.num(section, id, name, "missed_in_target", x.InTarget)
		if x.MedianMinutes != nil {
			c.float(section, id, name, "missed_median_minutes", *x.MedianMinutes)
		}
	}
	t := g.Missed.Totals
	write("total", 0, "", t)
	if p := g.Previous; p != nil {
		c.compared("total", 0, "", "missed_calls", t.Missed, p.Missed.Missed)
		c.compared("total", 0, "", "missed_called_back", t.CalledBack, p.Missed.CalledBack)
		c.compared("total", 0, "", "missed_in_target", t.InTarget, p.Missed.InTarget)
	}
	for _, s := range g.Missed.ByStaff {
		write("staff", s.ID, s.Name, s.Counts)
	}
}

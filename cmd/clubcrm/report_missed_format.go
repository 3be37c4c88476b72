package main

import (
	"fmt"
	"io"

	"github.com/clubcrm/clubcrm/domain/report"
)

// missedText prints the figures of the period's missed incoming calls
// (report.MissedCalls): in all and by staff member; nothing when none was
// missed.
func (o reportOut) missedText(tw io.Writer, m report.MissedCalls) {
	if m.Totals.Missed == 0 {
		return
	}
	row := func(label string, c report.MissedCounts) {
		median := "—"
		if c.MedianMinutes != nil {
			median = o.number(*c.MedianMinutes)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t\n", label, c.Missed, c.CalledBack, c.InTarget, median)
	}
	fmt.Fprintf(tw, "\n%s\t%s\t\n", o.t("report.cli.missed", nil), o.t("report.cli.missed_cols", nil))
	row(o.t("report.cli.leads_all", nil), m.Totals)
	for _, s := range m.ByStaff {
		row(o.t("report.cli.leads_staff", map[string]any{"Name": o.staffLabel(s.ID, s.Name)}), s.Counts)
	}
}

// missedCSV writes the missed-call figures as metrics of the "total" and
// "staff" sections, as the other figures are (staff id 0: nobody's).
func missedCSV(c csvWriter, m report.MissedCalls) {
	write := func(section string, id int64, name string, x report.MissedCounts) {
		c.num(section, id, name, "missed_calls", x.Missed)
		c.num(section, id, name, "missed_called_back", x.CalledBack)
		c.num(section, id, name, "missed_in_target", x.InTarget)
		if x.MedianMinutes != nil {
			c.float(section, id, name, "missed_median_minutes", *x.MedianMinutes)
		}
	}
	write("total", 0, "", m.Totals)
	for _, s := range m.ByStaff {
		write("staff", s.ID, s.Name, s.Counts)
	}
}

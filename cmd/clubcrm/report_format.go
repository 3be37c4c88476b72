package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// The CLI's report formats. Text is for reading in a terminal (English);
// CSV is "tidy" (one figure per line: section, id, name, metric, value) so
// any tool can pivot it; JSON is the report structs as they are.

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func periodLine(club domain.Club, r report.Range) string {
	first, last := r.Dates(r.From.Location())
	return fmt.Sprintf("club %d %q, %s to %s (%s)", club.ID, club.Name, first, last, club.TimeZone)
}

// filterLine names the filter in force, "" for the whole club's report: a
// filtered report must say so wherever it goes.
func filterLine(f report.Filter, names report.FilterNames) string {
	var parts []string
	if f.StaffID != 0 {
		parts = append(parts, fmt.Sprintf("staff member %s (%d)", names.Staff, f.StaffID))
	}
	if f.TemplateID != 0 {
		parts = append(parts, fmt.Sprintf("template %s (%d)", names.Template, f.TemplateID))
	}
	if f.Type != "" {
		parts = append(parts, "type "+string(f.Type))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Filter: " + strings.Join(parts, ", ") + "\n"
}

// filter writes the filter in force as "filter" rows.
func (c csvWriter) filter(f report.Filter, names report.FilterNames) {
	if f.StaffID != 0 {
		id := strconv.FormatInt(f.StaffID, 10)
		c.row("filter", id, names.Staff, "staff", id)
	}
	if f.TemplateID != 0 {
		id := strconv.FormatInt(f.TemplateID, 10)
		c.row("filter", id, names.Template, "template", id)
	}
	if f.Type != "" {
		c.row("filter", "", string(f.Type), "type", string(f.Type))
	}
}

func staffLabel(id int64, name string) string {
	if id == 0 {
		return "(nobody)"
	}
	return name
}

func percent(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

func generalText(w io.Writer, club domain.Club, g report.General) error {
	fmt.Fprintf(w, "General report: %s\n%s", periodLine(club, g.Range), filterLine(g.Filter, g.FilterNames))
	t := g.Totals
	fmt.Fprintf(w, "Tasks: created %d, done %d, overdue %d, cancelled %d. Calls made (personal calls closed with a result, /call): in %d, out %d.\n",
		t.Created, t.Done, t.Overdue, t.Cancelled, g.CallsIn, g.CallsOut)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	counts := func(c report.Counts) string {
		return fmt.Sprintf("%d\t%d\t%d\t%d\t", c.Created, c.Done, c.Overdue, c.Cancelled)
	}
	fmt.Fprintln(tw, "\nStaff member\tCreated\tDone\tOverdue\tCancelled\tCalls in\tCalls out\t")
	for _, r := range g.ByStaff {
		fmt.Fprintf(tw, "%s\t%s%d\t%d\t\n", staffLabel(r.StaffID, r.Name), counts(r.Counts), r.CallsIn, r.CallsOut)
	}
	fmt.Fprintln(tw, "\nTemplate\tCreated\tDone\tOverdue\tCancelled\t")
	for _, r := range g.ByTemplate {
		name := r.Name
		if r.Retired {
			name += " (retired)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, counts(r.Counts))
	}
	fmt.Fprintln(tw, "\nType\tCreated\tDone\tOverdue\tCancelled\t")
	for _, r := range g.ByType {
		fmt.Fprintf(tw, "%s\t%s\n", r.Type, counts(r.Counts))
	}
	fmt.Fprintln(tw, "\nResult\tCount\tShare\t")
	for _, r := range g.ByResult {
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", r.Name, r.Count, percent(r.Share))
	}
	fmt.Fprintln(tw, "\nStaff member\tResult\tCount\t")
	for _, x := range g.ResultsByStaff {
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", staffLabel(x.ID, x.Name), x.Result, x.Count)
	}
	fmt.Fprintln(tw, "\nTemplate\tResult\tCount\t")
	for _, x := range g.ResultsByTemplate {
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", x.Name, x.Result, x.Count)
	}
	for _, f := range g.Fields {
		fmt.Fprintf(tw, "\n%s: %s (%d answers)\tCount\tShare\t\n", f.ResultName, f.Name, f.Answers)
		for _, v := range f.Values {
			fmt.Fprintf(tw, "%s\t%d\t%s\t\n", v.Name, v.Count, percent(v.Share))
		}
	}
	leadsText(tw, g.Leads)
	return tw.Flush()
}

// leadsText prints the first-response figures of the period's leads.
func leadsText(tw io.Writer, l report.Leads) {
	if l.Totals.Leads == 0 {
		return
	}
	mins := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(*p, 'f', 1, 64)
	}
	row := func(label string, c report.LeadCounts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", label, c.Leads, c.Answered, c.InTarget, c.Escalated, mins(c.MedianMinutes), mins(c.AvgMinutes))
	}
	fmt.Fprintln(tw, "\nLeads (first response)\tLeads\tAnswered\tIn target\tEscalated\tMedian min\tAvg min\t")
	row("all", l.Totals)
	for _, s := range l.BySource {
		src := s.Key
		if src == "" {
			src = "(no source)"
		}
		row("source: "+src, s.Counts)
	}
	for _, s := range l.ByStaff {
		row("staff: "+staffLabel(s.ID, s.Name), s.Counts)
	}
}

func funnelText(w io.Writer, club domain.Club, f report.Funnel) error {
	fmt.Fprintf(w, "Sales funnel: %s\n%s", periodLine(club, f.Range), filterLine(f.Filter, f.FilterNames))
	if len(f.Stages) == 0 {
		_, err := fmt.Fprintln(w, "The club's plan has no funnel stages.")
		return err
	}
	fmt.Fprintf(w, "Conversion from the first to the last stage: %s\n", percent(f.Conversion))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nStage\tClients\tDirectly\tTo next\tMedian days\t")
	for i, s := range f.Stages {
		conv, median := "", ""
		if i+1 < len(f.Stages) {
			conv = percent(s.ConversionNext)
		}
		if s.MedianDaysNext != nil {
			median = fmt.Sprintf("%s (%d clients)", strconv.FormatFloat(*s.MedianDaysNext, 'f', 1, 64), s.MedianClients)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t\n", s.Name, s.Clients, s.Direct, conv, median)
	}
	splits := func(title string, rows []report.Split, label func(report.Split) string) {
		fmt.Fprintf(tw, "\n%s", title)
		for _, s := range f.Stages {
			fmt.Fprintf(tw, "\t%s", s.Name)
		}
		fmt.Fprintln(tw, "\tFirst→last\t")
		for _, r := range rows {
			fmt.Fprint(tw, label(r))
			for _, n := range r.Clients {
				fmt.Fprintf(tw, "\t%d", n)
			}
			fmt.Fprintf(tw, "\t%s\t\n", percent(r.Conversion))
		}
	}
	splits("By staff member", f.ByStaff, func(s report.Split) string { return staffLabel(s.ID, s.Name) })
	splits("By first template", f.ByTemplate, func(s report.Split) string {
		if s.ID == 0 {
			return "(unknown)"
		}
		return s.Name
	})
	return tw.Flush()
}

// csvWriter writes tidy rows: section, id, name, metric, value.
type csvWriter struct{ w *csv.Writer }

func newCSV(w io.Writer) csvWriter {
	c := csvWriter{csv.NewWriter(w)}
	c.row("section", "id", "name", "metric", "value")
	return c
}

func (c csvWriter) row(fields ...string) { _ = c.w.Write(fields) } // errors surface in flush

func (c csvWriter) num(section string, id int64, name, metric string, v int) {
	c.row(section, strconv.FormatInt(id, 10), name, metric, strconv.Itoa(v))
}

func (c csvWriter) float(section string, id int64, name, metric string, v float64) {
	c.row(section, strconv.FormatInt(id, 10), name, metric, strconv.FormatFloat(v, 'f', -1, 64))
}

func (c csvWriter) counts(section string, id int64, name string, n report.Counts) {
	c.num(section, id, name, "created", n.Created)
	c.num(section, id, name, "done", n.Done)
	c.num(section, id, name, "overdue", n.Overdue)
	c.num(section, id, name, "cancelled", n.Cancelled)
}

func (c csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

func generalCSV(w io.Writer, g report.General) error {
	c := newCSV(w)
	first, last := g.Range.Dates(g.Range.From.Location())
	c.row("period", "", "", "from", first.String())
	c.row("period", "", "", "to", last.String())
	c.filter(g.Filter, g.FilterNames)
	c.counts("total", 0, "", g.Totals)
	c.num("total", 0, "", "calls_in", g.CallsIn)
	c.num("total", 0, "", "calls_out", g.CallsOut)
	for _, r := range g.ByStaff {
		c.counts("staff", r.StaffID, r.Name, r.Counts)
		c.num("staff", r.StaffID, r.Name, "calls_in", r.CallsIn)
		c.num("staff", r.StaffID, r.Name, "calls_out", r.CallsOut)
	}
	for _, r := range g.ByTemplate {
		c.counts("template", r.TemplateID, r.Name, r.Counts)
	}
	for _, r := range g.ByType {
		c.counts("type", 0, string(r.Type), r.Counts)
	}
	for _, r := range g.ByResult {
		c.num("result", r.ResultID, r.Name, "count", r.Count)
		c.float("result", r.ResultID, r.Name, "share", r.Share)
	}
	for _, x := range g.ResultsByStaff {
		c.num("staff_result", x.ID, x.Name, "result:"+x.Result, x.Count)
	}
	for _, x := range g.ResultsByTemplate {
		c.num("template_result", x.ID, x.Name, "result:"+x.Result, x.Count)
	}
	for _, f := range g.Fields {
		section := "field:" + f.Name
		c.num(section, f.FieldID, f.ResultName, "answers", f.Answers)
		for _, v := range f.Values {
			c.num(section, v.ValueID, v.Name, "count", v.Count)
			c.float(section, v.ValueID, v.Name, "share", v.Share)
		}
	}
	return c.flush()
}

func funnelCSV(w io.Writer, f report.Funnel) error {
	c := newCSV(w)
	first, last := f.Range.Dates(f.Range.From.Location())
	c.row("period", "", "", "from", first.String())
	c.row("period", "", "", "to", last.String())
	c.filter(f.Filter, f.FilterNames)
	c.float("total", 0, "", "conversion", f.Conversion)
	for i, s := range f.Stages {
		c.num("stage", s.StageID, s.Name, "clients", s.Clients)
		c.num("stage", s.StageID, s.Name, "direct", s.Direct)
		if i+1 < len(f.Stages) {
			c.float("stage", s.StageID, s.Name, "conversion_next", s.ConversionNext)
		}
		if s.MedianDaysNext != nil {
			c.float("stage", s.StageID, s.Name, "median_days_next", *s.MedianDaysNext)
			c.num("stage", s.StageID, s.Name, "median_clients", s.MedianClients)
		}
	}
	for _, sp := range []struct {
		section string
		rows    []report.Split
	}{{"staff", f.ByStaff}, {"template", f.ByTemplate}} {
		for _, r := range sp.rows {
			for i, n := range r.Clients {
				c.num(sp.section, r.ID, r.Name, "clients:"+f.Stages[i].Key, n)
			}
			c.float(sp.section, r.ID, r.Name, "conversion", r.Conversion)
		}
	}
	return c.flush()
}

func cohortText(w io.Writer, club domain.Club, c report.Cohort) error {
	fmt.Fprintf(w, "Cohort: %s\n%s", periodLine(club, c.Range), filterLine(c.Filter, c.FilterNames))
	fmt.Fprintf(w, "Clients first contacted in the period: %d\n", c.Clients)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nStage\tBy now\tWithin %d days\tTo next\tStopped here\tReasons\t\n", c.WithinDays)
	for i, s := range c.Stages {
		conv := ""
		if i+1 < len(c.Stages) {
			conv = percent(s.ConversionNext)
		}
		var reasons []string
		for _, r := range s.Reasons {
			reasons = append(reasons, fmt.Sprintf("%s %d", r.Name, r.Clients))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%s\t\n", s.Name, s.Clients, s.Within, conv, s.Lost, strings.Join(reasons, ", "))
	}
	return tw.Flush()
}

func cohortCSV(w io.Writer, c report.Cohort) error {
	cw := newCSV(w)
	first, last := c.Range.Dates(c.Range.From.Location())
	cw.row("period", "", "", "from", first.String())
	cw.row("period", "", "", "to", last.String())
	cw.filter(c.Filter, c.FilterNames)
	cw.num("total", 0, "", "clients", c.Clients)
	cw.num("total", 0, "", "within_days", c.WithinDays)
	for _, s := range c.Stages {
		cw.num("stage", s.StageID, s.Name, "clients", s.Clients)
		cw.num("stage", s.StageID, s.Name, "within", s.Within)
		cw.float("stage", s.StageID, s.Name, "conversion_next", s.ConversionNext)
		cw.num("stage", s.StageID, s.Name, "lost", s.Lost)
		for _, r := range s.Reasons {
			cw.num("reason:"+s.Key, r.ValueID, r.Name, "clients", r.Clients)
		}
	}
	return cw.flush()
}

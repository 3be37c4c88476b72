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

// The CLI's report formats. Text is for reading in a terminal, in the
// club's language (or --lang) from the catalogs (report.cli.*, report.col.*),
// with the plan's own names for templates, results, stages and dictionary
// values; CSV is "tidy" (one figure per line: section, id, name, metric,
// value) with machine keys so any tool can pivot it; JSON is the report
// structs as they are. Each compares the headline figures with the period
// before: text with an arrow and the change ("↑50%", "—" where the previous
// value was 0), CSV with *_previous and *_change rows (the change a signed
// fraction, empty where the previous value was 0), JSON with "previous".

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// t is a text of the catalogs in the output's language.
func (o reportOut) t(id string, data map[string]any) string { return o.cat.T(o.lang, id, data) }

func (o reportOut) col(id string) string { return o.t("report.col."+id, nil) }

// heading is the report's first line: its kind, the club and the local dates.
func (o reportOut) heading(w io.Writer, kind string, r report.Range) {
	first, last := r.Dates(r.From.Location())
	period := o.t("report.cli.period", map[string]any{"ID": o.club.ID, "Name": o.club.Name, "From": first.String(), "To": last.String(), "Zone": o.club.TimeZone})
	fmt.Fprintln(w, o.t("report.cli."+kind, map[string]any{"Period": period}))
}

// compared says which period the arrows compare with.
func (o reportOut) compared(w io.Writer, prev report.Range) {
	first, last := prev.Dates(prev.From.Location())
	fmt.Fprintln(w, o.t("report.cli.compared", map[string]any{"From": first.String(), "To": last.String()}))
}

// filterLine names the filter in force, nothing for the whole club's
// report: a filtered report must say so wherever it goes.
func (o reportOut) filterLine(w io.Writer, f report.Filter, names report.FilterNames) {
	var parts []string
	if f.StaffID != 0 {
		parts = append(parts, o.t("report.cli.filter_staff", map[string]any{"Name": names.Staff, "ID": f.StaffID}))
	}
	if f.TemplateID != 0 {
		parts = append(parts, o.t("report.cli.filter_template", map[string]any{"Name": names.Template, "ID": f.TemplateID}))
	}
	if f.Type != "" {
		parts = append(parts, o.t("report.cli.filter_type", map[string]any{"Type": o.typeName(f.Type)}))
	}
	if len(parts) > 0 {
		fmt.Fprintln(w, o.t("report.filters", map[string]any{"List": strings.Join(parts, ", ")}))
	}
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

func (o reportOut) staffLabel(id int64, name string) string {
	if id == 0 {
		return o.col("nobody")
	}
	return name
}

func (o reportOut) typeName(t domain.TaskType) string { return o.t("type."+string(t), nil) }

// number writes a figure with one decimal and the language's separator.
func (o reportOut) number(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if o.lang == domain.LangRU || o.lang == domain.LangUK {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (o reportOut) percent(f float64) string { return o.number(f*100) + "%" }

// minutes writes an optional figure (a median or mean of minutes): "—"
// when there was nothing to take it over.
func (o reportOut) minutes(m *float64) string {
	if m == nil {
		return "—"
	}
	return o.number(*m)
}

// fig writes a headline figure and, compared, its change: "14 (↑40%)".
func (o reportOut) fig(cur int, compared bool, ch report.Change) string {
	if !compared {
		return strconv.Itoa(cur)
	}
	return strconv.Itoa(cur) + " (" + ch.Text(o.cat, o.lang) + ")"
}

func (o reportOut) generalText(w io.Writer, g report.General) error {
	o.heading(w, "general", g.Range)
	o.filterLine(w, g.Filter, g.FilterNames)
	t, p, compared := g.Totals, g.Previous, g.Previous != nil
	if !compared {
		p = &report.GeneralPrevious{}
	}
	fig := func(cur, prev int) string { return o.fig(cur, compared, report.CountChange(cur, prev)) }
	fmt.Fprintln(w, o.t("report.cli.tasks", map[string]any{
		"Created": fig(t.Created, p.Totals.Created), "Done": fig(t.Done, p.Totals.Done),
		"Overdue": fig(t.Overdue, p.Totals.Overdue), "Cancelled": fig(t.Cancelled, p.Totals.Cancelled),
	}))
	fmt.Fprintln(w, o.t("report.cli.calls", map[string]any{"In": fig(g.CallsIn, p.CallsIn), "Out": fig(g.CallsOut, p.CallsOut)}))
	if compared {
		o.compared(w, p.Range)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	counts := func(c report.Counts) string {
		return fmt.Sprintf("%d\t%d\t%d\t%d\t", c.Created, c.Done, c.Overdue, c.Cancelled)
	}
	countsHead := o.col("created") + "\t" + o.col("done") + "\t" + o.col("overdue") + "\t" + o.col("cancelled") + "\t"
	fmt.Fprintf(tw, "\n%s\t%s%s\t%s\t\n", o.col("staff"), countsHead, o.col("calls_in"), o.col("calls_out"))
	for _, r := range g.ByStaff {
		fmt.Fprintf(tw, "%s\t%s%d\t%d\t\n", o.staffLabel(r.StaffID, r.Name), counts(r.Counts), r.CallsIn, r.CallsOut)
	}
	fmt.Fprintf(tw, "\n%s\t%s\n", o.col("template"), countsHead)
	for _, r := range g.ByTemplate {
		name := r.Name
		if r.Retired {
			name = o.t("report.cli.retired", map[string]any{"Name": r.Name})
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, counts(r.Counts))
	}
	fmt.Fprintf(tw, "\n%s\t%s\n", o.col("type"), countsHead)
	for _, r := range g.ByType {
		fmt.Fprintf(tw, "%s\t%s\n", o.typeName(r.Type), counts(r.Counts))
	}
	fmt.Fprintf(tw, "\n%s\t%s\t%s\t\n", o.col("result"), o.col("count"), o.col("share"))
	for _, r := range g.ByResult {
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", r.Name, r.Count, o.percent(r.Share))
	}
	fmt.Fprintf(tw, "\n%s\t%s\t%s\t\n", o.col("staff"), o.col("result"), o.col("count"))
	for _, x := range g.ResultsByStaff {
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", o.staffLabel(x.ID, x.Name), x.Result, x.Count)
	}
	fmt.Fprintf(tw, "\n%s\t%s\t%s\t\n", o.col("template"), o.col("result"), o.col("count"))
	for _, x := range g.ResultsByTemplate {
		fmt.Fprintf(tw, "%s\t%s\t%d\t\n", x.Name, x.Result, x.Count)
	}
	for _, f := range g.Fields {
		fmt.Fprintf(tw, "\n%s\t%s\t%s\t\n", o.t("report.cli.field", map[string]any{"Result": f.ResultName, "Field": f.Name, "Answers": f.Answers}), o.col("count"), o.col("share"))
		for _, v := range f.Values {
			fmt.Fprintf(tw, "%s\t%d\t%s\t\n", v.Name, v.Count, o.percent(v.Share))
		}
	}
	o.leadsText(tw, g)
	o.missedText(tw, g)
	return tw.Flush()
}

func (o reportOut) funnelText(w io.Writer, f report.Funnel) error {
	o.heading(w, "funnel", f.Range)
	o.filterLine(w, f.Filter, f.FilterNames)
	if len(f.Stages) == 0 {
		_, err := fmt.Fprintln(w, o.t("report.cli.no_stages", nil))
		return err
	}
	compared := f.Previous != nil
	conv := o.percent(f.Conversion)
	if compared {
		conv += " (" + f.ConversionChange().Text(o.cat, o.lang) + ")"
	}
	fmt.Fprintln(w, o.t("report.cli.conversion", map[string]any{"Percent": conv}))
	if compared {
		o.compared(w, f.Previous.Range)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\n%s\t%s\t%s\t%s\t%s\t", o.col("stage"), o.col("clients"), o.col("direct"), o.col("conv_next"), o.col("median_days"))
	if compared {
		fmt.Fprintf(tw, "%s\t%s\t", o.col("previous"), o.col("change"))
	}
	fmt.Fprintln(tw)
	for i, s := range f.Stages {
		conv, median := "", ""
		if i+1 < len(f.Stages) {
			conv = o.percent(s.ConversionNext)
		}
		if s.MedianDaysNext != nil {
			median = o.t("report.cli.median", map[string]any{"Days": o.number(*s.MedianDaysNext), "N": s.MedianClients})
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t", s.Name, s.Clients, s.Direct, conv, median)
		if compared {
			fmt.Fprintf(tw, "%d\t%s\t", f.PreviousClients(i), f.StageChange(i).Text(o.cat, o.lang))
		}
		fmt.Fprintln(tw)
	}
	splits := func(title string, rows []report.Split, label func(report.Split) string) {
		fmt.Fprintf(tw, "\n%s", title)
		for _, s := range f.Stages {
			fmt.Fprintf(tw, "\t%s", s.Name)
		}
		fmt.Fprintf(tw, "\t%s\t\n", o.col("first_to_last"))
		for _, r := range rows {
			fmt.Fprint(tw, label(r))
			for _, n := range r.Clients {
				fmt.Fprintf(tw, "\t%d", n)
			}
			fmt.Fprintf(tw, "\t%s\t\n", o.percent(r.Conversion))
		}
	}
	splits(o.t("report.cli.by_staff", nil), f.ByStaff, func(s report.Split) string { return o.staffLabel(s.ID, s.Name) })
	splits(o.t("report.cli.by_template", nil), f.ByTemplate, func(s report.Split) string {
		if s.ID == 0 {
			return o.col("unknown")
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

// change writes a change as a signed fraction (0.4 for up 40%; for a
// share, the difference of the shares), empty when the previous value was 0.
func (c csvWriter) change(section string, id int64, name, metric string, ch report.Change) {
	v := ""
	if ch.Known {
		v = strconv.FormatFloat(ch.Signed(), 'f', -1, 64)
	}
	c.row(section, strconv.FormatInt(id, 10), name, metric+"_change", v)
}

// compared writes a headline figure's previous value and change.
func (c csvWriter) compared(section string, id int64, name, metric string, cur, prev int) {
	c.num(section, id, name, metric+"_previous", prev)
	c.change(section, id, name, metric, report.CountChange(cur, prev))
}

// previousPeriod writes the dates of the period compared with.
func (c csvWriter) previousPeriod(r report.Range) {
	first, last := r.Dates(r.From.Location())
	c.row("period", "", "", "previous_from", first.String())
	c.row("period", "", "", "previous_to", last.String())
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
	if p := g.Previous; p != nil {
		c.previousPeriod(p.Range)
		c.compared("total", 0, "", "created", g.Totals.Created, p.Totals.Created)
		c.compared("total", 0, "", "done", g.Totals.Done, p.Totals.Done)
		c.compared("total", 0, "", "overdue", g.Totals.Overdue, p.Totals.Overdue)
		c.compared("total", 0, "", "cancelled", g.Totals.Cancelled, p.Totals.Cancelled)
		c.compared("total", 0, "", "calls_in", g.CallsIn, p.CallsIn)
		c.compared("total", 0, "", "calls_out", g.CallsOut, p.CallsOut)
	}
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
	leadsCSV(c, g)
	missedCSV(c, g)
	return c.flush()
}

func funnelCSV(w io.Writer, f report.Funnel) error {
	c := newCSV(w)
	first, last := f.Range.Dates(f.Range.From.Location())
	c.row("period", "", "", "from", first.String())
	c.row("period", "", "", "to", last.String())
	c.filter(f.Filter, f.FilterNames)
	c.float("total", 0, "", "conversion", f.Conversion)
	if f.Previous != nil {
		c.previousPeriod(f.Previous.Range)
		c.float("total", 0, "", "conversion_previous", f.Previous.Conversion)
		c.change("total", 0, "", "conversion", f.ConversionChange())
	}
	for i, s := range f.Stages {
		c.num("stage", s.StageID, s.Name, "clients", s.Clients)
		if f.Previous != nil {
			c.compared("stage", s.StageID, s.Name, "clients", s.Clients, f.PreviousClients(i))
		}
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

func (o reportOut) cohortText(w io.Writer, c report.Cohort) error {
	o.heading(w, "cohort", c.Range)
	o.filterLine(w, c.Filter, c.FilterNames)
	compared := c.Previous != nil
	var prev int
	if compared {
		prev = c.Previous.Clients
	}
	fmt.Fprintln(w, o.t("report.cli.cohort_clients", map[string]any{"Clients": o.fig(c.Clients, compared, report.CountChange(c.Clients, prev))}))
	if compared {
		o.compared(w, c.Previous.Range)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\n%s\t%s\t%s\t%s\t%s\t%s\t", o.col("stage"), o.col("by_now"), o.t("report.col.within", map[string]any{"Days": c.WithinDays}),
		o.col("conv_next"), o.col("lost"), o.col("reasons"))
	if compared {
		fmt.Fprintf(tw, "%s\t%s\t", o.col("previous"), o.col("change"))
	}
	fmt.Fprintln(tw)
	for i, s := range c.Stages {
		conv := ""
		if i+1 < len(c.Stages) {
			conv = o.percent(s.ConversionNext)
		}
		var reasons []string
		for _, r := range s.Reasons {
			reasons = append(reasons, fmt.Sprintf("%s %d", r.Name, r.Clients))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%s\t", s.Name, s.Clients, s.Within, conv, s.Lost, strings.Join(reasons, ", "))
		if compared {
			fmt.Fprintf(tw, "%d\t%s\t", c.PreviousClients(i), c.StageChange(i).Text(o.cat, o.lang))
		}
		fmt.Fprintln(tw)
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
	if c.Previous != nil {
		cw.previousPeriod(c.Previous.Range)
		cw.compared("total", 0, "", "clients", c.Clients, c.Previous.Clients)
	}
	for i, s := range c.Stages {
		cw.num("stage", s.StageID, s.Name, "clients", s.Clients)
		if c.Previous != nil {
			cw.compared("stage", s.StageID, s.Name, "clients", s.Clients, c.PreviousClients(i))
		}
		cw.num("stage", s.StageID, s.Name, "within", s.Within)
		cw.float("stage", s.StageID, s.Name, "conversion_next", s.ConversionNext)
		cw.num("stage", s.StageID, s.Name, "lost", s.Lost)
		for _, r := range s.Reasons {
			cw.num("reason:"+s.Key, r.ValueID, r.Name, "clients", r.Clients)
		}
	}
	return cw.flush()
}

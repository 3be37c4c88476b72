package bot

import (
	"math"
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
)

// reportTextRows bounds each list of a report summary: the message stays
// short, and the workbook has every row.
const reportTextRows = 10

// reportTitle is "CRM report · Mar 1, 2026 – Mar 31, 2026", followed by
// the filter in force ("· Olga · Personal call"), for captions and chart
// titles (no emoji: the chart fonts have none). A chart or workbook leaves
// the message, so it must name its filter itself.
func (r *request) reportTitle(kind string, rng report.Range, f report.Filter, names report.FilterNames) string {
	id := "report.title.general"
	if kind == kindFunnel {
		id = "report.title.funnel"
	}
	title := r.t(id, nil) + " · " + r.reportDates(rng)
	if parts := r.filterParts(f, names); len(parts) > 0 {
		title += " · " + strings.Join(parts, " · ")
	}
	return title
}

// filterParts names the filters in force: the staff member, the template,
// the task type; none for the whole club's report.
func (r *request) filterParts(f report.Filter, names report.FilterNames) []string {
	var parts []string
	if f.StaffID != 0 {
		parts = append(parts, names.Staff)
	}
	if f.TemplateID != 0 {
		parts = append(parts, names.Template)
	}
	if f.Type != "" {
		parts = append(parts, r.t("type."+string(f.Type), nil))
	}
	return parts
}

// reportDates writes the local dates a range covers: one date, or "from – to".
func (r *request) reportDates(rng report.Range) string {
	first, last := rng.Dates(r.loc)
	from := i18n.Date(r.lang, first.Start(r.loc), r.loc)
	if first == last {
		return from
	}
	return from + " – " + i18n.Date(r.lang, last.Start(r.loc), r.loc)
}

// reportHeader writes the title, the dates and the filter in force.
func (r *request) reportHeader(sb *strings.Builder, kind string, rng report.Range, f report.Filter, names filterNames) {
	title := "📊 " + r.t("report.title.general", nil)
	if kind == kindFunnel {
		title = "🔻 " + r.t("report.title.funnel", nil)
	}
	sb.WriteString("<b>" + title + "</b>\n" + r.reportDates(rng))
	if parts := r.filterParts(f, report.FilterNames{Staff: names.staff, Template: names.template}); len(parts) > 0 {
		sb.WriteString("\n" + r.t("report.filters", map[string]any{"List": esc(strings.Join(parts, " · "))}))
	}
}

// generalText is the general report's compact summary: the totals, calls,
// staff members with any tasks, the most frequent results and the answers
// to dictionary fields.
//
// When g is compared with the period before (g.Previous, see
// report.General.Compare) every headline figure carries an arrow and the
// change in percent, "—" where the previous value was 0.
func (r *request) generalText(g report.General, names filterNames) string {
	var sb strings.Builder
	r.reportHeader(&sb, kindGeneral, g.Range, g.Filter, names)
	t := g.Totals
	if t == (report.Counts{}) && g.CallsIn+g.CallsOut == 0 && len(g.ByResult) == 0 && g.Missed.Totals.Missed == 0 && g.Leads.Totals.Leads == 0 {
		sb.WriteString("\n\n" + r.t("report.empty", nil))
		return sb.String()
	}
	prev := g.Previous
	fig := func(cur int, before func(report.GeneralPrevious) int) string {
		if prev == nil {
			return strconv.Itoa(cur)
		}
		return strconv.Itoa(cur) + " " + r.change(report.CountChange(cur, before(*prev)))
	}
	sb.WriteString("\n\n" + r.t("report.tasks", map[string]any{
		"Created":   fig(t.Created, func(p report.GeneralPrevious) int { return p.Totals.Created }),
		"Done":      fig(t.Done, func(p report.GeneralPrevious) int { return p.Totals.Done }),
		"Overdue":   fig(t.Overdue, func(p report.GeneralPrevious) int { return p.Totals.Overdue }),
		"Cancelled": fig(t.Cancelled, func(p report.GeneralPrevious) int { return p.Totals.Cancelled }),
	}))
	sb.WriteString("\n" + r.t("report.calls", map[string]any{
		"In":  fig(g.CallsIn, func(p report.GeneralPrevious) int { return p.CallsIn }),
		"Out": fig(g.CallsOut, func(p report.GeneralPrevious) int { return p.CallsOut }),
	}))
	if line := r.leadsText(g); line != "" { // report_leads_text.go
		sb.WriteString("\n" + line)
	}
	if line := r.missedText(g); line != "" {
		sb.WriteString("\n" + line)
	}
	if prev != nil {
		sb.WriteString("\n" + r.t("report.compared", map[string]any{"Dates": r.reportDates(prev.Range)}))
	}

	// Everyone with any activity in the period: tasks, cancellations, calls.
	var staff []string
	for _, s := range g.ByStaff {
		if s.Counts != (report.Counts{}) || s.CallsIn+s.CallsOut > 0 {
			staff = append(staff, esc(r.staffLabel(s.StaffID, s.Name))+" — "+countsText(s.Counts)+" / "+strconv.Itoa(s.CallsIn+s.CallsOut))
		}
	}
	r.reportList(&sb, "report.by_staff", staff)
	var templates, types []string
	for _, t := range g.ByTemplate {
		if t.Counts != (report.Counts{}) {
			templates = append(templates, esc(t.Name)+" — "+countsText(t.Counts))
		}
	}
	for _, t := range g.ByType {
		if t.Counts != (report.Counts{}) {
			types = append(types, r.t("type."+string(t.Type), nil)+" — "+countsText(t.Counts))
		}
	}
	r.reportList(&sb, "report.by_template", templates)
	r.reportList(&sb, "report.by_type", types)
	if len(g.ByResult) > 0 {
		sb.WriteString("\n\n<b>" + r.t("report.results", nil) + "</b>")
		for i, res := range g.ByResult {
			if i == reportTextRows {
				sb.WriteString("\n" + r.t("report.more", map[string]any{"Count": len(g.ByResult) - i}))
				break
			}
			sb.WriteString("\n" + esc(res.Name) + " — " + strconv.Itoa(res.Count) + " (" + pct(r.lang, res.Share) + ")")
		}
	}
	for _, f := range g.Fields {
		sb.WriteString("\n\n<b>" + r.t("report.field", map[string]any{"Field": esc(f.Name), "Result": esc(f.ResultName), "Answers": f.Answers}) + "</b>")
		for _, v := range f.Values {
			sb.WriteString("\n" + esc(v.Name) + " — " + strconv.Itoa(v.Count) + " (" + pct(r.lang, v.Share) + ")")
		}
	}
	return sb.String()
}

// reportList writes a titled list of at most reportTextRows lines; nothing
// for an empty one.
func (r *request) reportList(sb *strings.Builder, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	sb.WriteString("\n\n<b>" + r.t(title, nil) + "</b>")
	for i, l := range lines {
		if i == reportTextRows {
			sb.WriteString("\n" + r.t("report.more", map[string]any{"Count": len(lines) - i}))
			break
		}
		sb.WriteString("\n" + l)
	}
}

// countsText writes task figures as "created / done / overdue / cancelled".
func countsText(c report.Counts) string {
	return strconv.Itoa(c.Created) + " / " + strconv.Itoa(c.Done) + " / " + strconv.Itoa(c.Overdue) + " / " + strconv.Itoa(c.Cancelled)
}

// staffLabel names a staff row; id 0 is the unassigned work.
func (r *request) staffLabel(id int64, name string) string {
	if id == 0 {
		return r.t("report.nobody", nil)
	}
	return name
}

// change writes how a figure moved since the previous period, in
// brackets: "(↑50%)", "(↓25%)", "(=)", "(↑5 pp)" for a share, "(—)" when
// the previous value was 0 (report.Change.Text).
func (r *request) change(c report.Change) string {
	return "(" + c.Text(r.b.cat, r.lang) + ")"
}

// pct writes a 0..1 share as a percentage with at most one decimal.
func pct(lang domain.Language, share float64) string {
	return i18n.Number(lang, math.Round(share*1000)/10) + "%"
}

// days writes a number of days with at most one decimal.
func days(lang domain.Language, d float64) string {
	return i18n.Number(lang, math.Round(d*10)/10)
}

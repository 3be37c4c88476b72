package xlsx

import (
	"io"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// General writes the general CRM report as a workbook: a summary sheet and
// one sheet each by staff, template, type, result, staff × result,
// template × result and the dictionary answers, with headings from t in
// lang. When g is compared with the previous period (g.Previous), the
// summary has the previous values and the change of every headline figure,
// the lead and missed-call counts among them (their median and mean
// minutes and the missed-call sheet's staff rows are not compared).
func General(w io.Writer, g report.General, t report.Translator, lang domain.Language) error {
	l := labelsFor(t, lang)
	countCols := func(first ...column) []column {
		return append(first,
			column{l.created, colCount, 12}, column{l.done, colCount, 12},
			column{l.overdue, colCount, 12}, column{l.cancelled, colCount, 12})
	}
	counts := func(c report.Counts) []any { return []any{c.Created, c.Done, c.Overdue, c.Cancelled} }

	p, compared := g.Previous, g.Previous != nil
	var prevRange *report.Range
	if compared {
		prevRange = &p.Range
	} else {
		p = &report.GeneralPrevious{}
	}
	summary := sheet{name: l.summary, cols: summaryCols(l, compared, colCount)}
	summary.rows = periodRows(l, g.Range, prevRange, g.Filter, g.FilterNames, len(summary.cols))
	type figure struct {
		label     string
		cur, prev int
	}
	figures := []figure{
		{l.created, g.Totals.Created, p.Totals.Created}, {l.done, g.Totals.Done, p.Totals.Done},
		{l.overdue, g.Totals.Overdue, p.Totals.Overdue}, {l.cancelled, g.Totals.Cancelled, p.Totals.Cancelled},
		{l.callsIn, g.CallsIn, p.CallsIn}, {l.callsOut, g.CallsOut, p.CallsOut},
	}
	if g.LeadsShown() { // a club that takes no leads through the API gets no rows of zeros
		n := g.Leads.Totals
		figures = append(figures, figure{l.leads, n.Leads, p.Leads.Leads}, figure{l.leadsAnswered, n.Answered, p.Leads.Answered},
			figure{l.leadsInTarget, n.InTarget, p.Leads.InTarget}, figure{l.leadsEscalated, n.Escalated, p.Leads.Escalated})
	}
	if g.MissedShown() { // a club without a phone system gets no rows of zeros
		m := g.Missed.Totals
		figures = append(figures, figure{l.missed, m.Missed, p.Missed.Missed},
			figure{l.missedBack, m.CalledBack, p.Missed.CalledBack}, figure{l.missedInTarget, m.InTarget, p.Missed.InTarget})
	}
	for _, f := range figures {
		summary.rows = append(summary.rows, figureRow(f.label, f.cur, compared, f.prev, report.CountChange(f.cur, f.prev)))
	}

	staff := sheet{name: l.byStaff, cols: append(countCols(column{l.staff, colText, 30}),
		column{l.callsIn, colCount, 14}, column{l.callsOut, colCount, 14})}
	for _, r := range g.ByStaff {
		row := append([]any{l.staffName(r.StaffID, r.Name)}, counts(r.Counts)...)
		staff.rows = append(staff.rows, append(row, r.CallsIn, r.CallsOut))
	}

	templates := sheet{name: l.byTemplate, cols: countCols(column{l.template, colText, 34}, column{l.typ, colText, 24}, column{l.retired, colText, 10})}
	for _, r := range g.ByTemplate {
		var retired any
		if r.Retired {
			retired = l.yes
		}
		templates.rows = append(templates.rows, append([]any{r.Name, l.typeName(r.Type), retired}, counts(r.Counts)...))
	}

	types := sheet{name: l.byType, cols: countCols(column{l.typ, colText, 28})}
	for _, r := range g.ByType {
		types.rows = append(types.rows, append([]any{l.typeName(r.Type)}, counts(r.Counts)...))
	}

	results := sheet{name: l.byResult, cols: []column{{l.result, colText, 34}, {l.count, colCount, 12}, {l.share, colPercent, 10}}}
	shares := 0.0
	for _, r := range g.ByResult {
		results.rows = append(results.rows, []any{r.Name, r.Count, r.Share})
		shares += r.Share
	}
	if len(g.ByResult) > 0 {
		results.total = sumCounts(l.total, results.cols, results.rows)
		results.total[2] = shares
	}

	answers := sheet{name: l.answers, cols: []column{
		{l.result, colText, 28}, {l.field, colText, 24}, {l.answersN, colCount, 10},
		{l.value, colText, 28}, {l.count, colCount, 12}, {l.share, colPercent, 10},
	}}
	for _, f := range g.Fields {
		for _, v := range f.Values {
			answers.rows = append(answers.rows, []any{f.ResultName, f.Name, f.Answers, v.Name, v.Count, v.Share})
		}
	}
	cross := func(name, first string, cells []report.ResultCell, label func(report.ResultCell) string) sheet {
		sh := sheet{name: name, cols: []column{{first, colText, 30}, {l.result, colText, 30}, {l.count, colCount, 12}}}
		for _, c := range cells {
			sh.rows = append(sh.rows, []any{label(c), c.Result, c.Count})
		}
		sh.total = sumCounts(l.total, sh.cols, sh.rows)
		return sh
	}
	staffResults := cross(l.staffResult, l.staff, g.ResultsByStaff, func(c report.ResultCell) string { return l.staffName(c.ID, c.Name) })
	templateResults := cross(l.templateResult, l.template, g.ResultsByTemplate, func(c report.ResultCell) string { return c.Name })
	for _, sh := range []*sheet{&staff, &templates, &types} {
		sh.total = sumCounts(l.total, sh.cols, sh.rows)
	}
	sheets := []sheet{summary, staff, templates, types, results, staffResults, templateResults, answers}
	if g.Missed.Totals.Missed > 0 { // a club without a phone system gets no empty sheet
		sheets = append(sheets, missedSheet(l, g.Missed))
	}
	return writeBook(w, l, sheets)
}

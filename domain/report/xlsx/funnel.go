package xlsx

import (
	"io"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// Funnel writes the sales funnel as a workbook: the stages with their
// conversions and median days, then the clients per stage by staff member
// and by first template (each with a totals row), with headings from t in
// lang. When f is compared with the previous period (f.Previous), the
// summary and the stages have the previous values and the change.
func Funnel(w io.Writer, f report.Funnel, t report.Translator, lang domain.Language) error {
	l := labelsFor(t, lang)
	compared := f.Previous != nil
	var prevRange *report.Range
	var prevConv any
	if compared {
		prevRange, prevConv = &f.Previous.Range, f.Previous.Conversion
	}

	period := sheet{name: l.summary, cols: summaryCols(l, compared, colPercent)}
	period.rows = append(periodRows(l, f.Range, prevRange, f.Filter, f.FilterNames, len(period.cols)),
		figureRow(l.conversion, f.Conversion, compared, prevConv, f.ConversionChange()))

	stages := sheet{name: l.funnel, cols: []column{
		{l.stage, colText, 32}, {l.clients, colCount, 12}, {l.direct, colCount, 14},
		{l.convNext, colPercent, 16}, {l.medianDays, colDays, 18}, {l.medianN, colCount, 14},
	}}
	if compared {
		stages.cols = append(stages.cols, column{l.previous, colCount, 16}, column{l.change, colText, 12})
	}
	for i, s := range f.Stages {
		var conv, median, medianN any
		if i+1 < len(f.Stages) {
			conv = s.ConversionNext
		}
		if s.MedianDaysNext != nil {
			median, medianN = *s.MedianDaysNext, s.MedianClients
		}
		row := []any{s.Name, s.Clients, s.Direct, conv, median, medianN}
		if compared {
			row = append(row, f.PreviousClients(i), changeCell(f.StageChange(i)))
		}
		stages.rows = append(stages.rows, row)
	}

	split := func(name, first string, rows []report.Split) sheet {
		sh := sheet{name: name, cols: []column{{first, colText, 30}}}
		for _, s := range f.Stages {
			sh.cols = append(sh.cols, column{s.Name, colCount, 16})
		}
		sh.cols = append(sh.cols, column{l.firstToLast, colPercent, 14})
		for _, r := range rows {
			row := []any{r.Name}
			switch {
			case r.ID == 0 && first == l.staff:
				row[0] = l.nobody // results recorded by no staff member
			case r.ID == 0:
				row[0] = l.unknown // the client's tasks were all deleted
			}
			for _, n := range r.Clients {
				row = append(row, n)
			}
			sh.rows = append(sh.rows, append(row, r.Conversion))
		}
		// Every client is in one row, so the totals are the stages' figures.
		if len(rows) > 0 {
			sh.total = sumCounts(l.total, sh.cols, sh.rows)
			sh.total[len(sh.total)-1] = f.Conversion
		}
		return sh
	}
	return writeBook(w, l, []sheet{period, stages,
		split(l.funnelStaff, l.staff, f.ByStaff), split(l.funnelTemplate, l.template, f.ByTemplate)})
}

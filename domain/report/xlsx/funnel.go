package xlsx

import (
	"io"

	"github.com/clubcrm/clubcrm/domain/report"
)

// Funnel writes the sales funnel as a workbook: the stages with their
// conversions and median days, then the clients per stage by staff member
// and by first template, with headings in lang.
func Funnel(w io.Writer, f report.Funnel, lang string) error {
	l := labelsFor(lang)

	period := sheet{name: l.summary, cols: []column{{l.figure, colText, 34}, {l.value, colPercent, 14}}}
	period.rows = append(periodRows(l, f.Range, f.Filter, f.FilterNames), []any{l.conversion, f.Conversion})

	stages := sheet{name: l.funnel, cols: []column{
		{l.stage, colText, 32}, {l.clients, colCount, 12}, {l.direct, colCount, 14},
		{l.convNext, colPercent, 16}, {l.medianDays, colDays, 18}, {l.medianN, colCount, 14},
	}}
	for i, s := range f.Stages {
		var conv, median, medianN any
		if i+1 < len(f.Stages) {
			conv = s.ConversionNext
		}
		if s.MedianDaysNext != nil {
			median, medianN = *s.MedianDaysNext, s.MedianClients
		}
		stages.rows = append(stages.rows, []any{s.Name, s.Clients, s.Direct, conv, median, medianN})
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
		return sh
	}
	return writeBook(w, []sheet{period, stages,
		split(l.funnelStaff, l.staff, f.ByStaff), split(l.funnelTemplate, l.template, f.ByTemplate)})
}

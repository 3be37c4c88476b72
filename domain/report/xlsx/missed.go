package xlsx

import "github.com/clubcrm/clubcrm/domain/report"

// missedSheet is the general workbook's sheet of missed incoming calls
// (report.MissedCalls): one row per staff member and the total; the median
// minutes to call back with one decimal, empty when none was called back.
func missedSheet(l labels, m report.MissedCalls) sheet {
	sh := sheet{name: l.missedSheet, cols: []column{
		{l.staff, colText, 30}, {l.missed, colCount, 14}, {l.calledBack, colCount, 14},
		{l.inTarget, colCount, 12}, {l.medianMin, colDays, 18}, // colDays: a number with one decimal
	}}
	median := func(c report.MissedCounts) any {
		if c.MedianMinutes == nil {
			return nil
		}
		return *c.MedianMinutes
	}
	for _, s := range m.ByStaff {
		sh.rows = append(sh.rows, []any{l.staffName(s.ID, s.Name), s.Counts.Missed, s.Counts.CalledBack, s.Counts.InTarget, median(s.Counts)})
	}
	t := m.Totals
	sh.total = []any{l.total, t.Missed, t.CalledBack, t.InTarget, median(t)}
	return sh
}

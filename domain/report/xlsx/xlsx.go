// Package xlsx writes the reports as Excel workbooks (excelize), for owners
// who want the numbers in their own tools: one sheet per breakdown, a bold
// header row, counts as numbers, shares with a percent format, column
// widths set. Sheets are written with excelize's stream writer.
//
// Headings come from the catalogs (domain/i18n, report.sheet.* and
// report.col.*) in the language asked for (en, ru, uk; anything else gets
// English). Names from the club's plan (staff, templates, results) are
// written as they are. A report compared with the previous period
// (report.General.Compare, Funnel.Compare) gets the previous values and the
// change beside its headline figures: a number with an arrow format
// ("↑50.0%", "↓2.0 pp"), or "—" where the previous value was 0.
package xlsx

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/clubcrm/clubcrm/domain/report"
)

// Column kinds decide a cell's number format.
type colKind int

const (
	colText    colKind = iota
	colCount           // integer
	colPercent         // a 0..1 share shown as 12.5%
	colDays            // a number of days with one decimal
)

type column struct {
	title string
	kind  colKind
	width float64
}

// sheet is one table: a header row and data rows (one value per column; a
// nil value is an empty cell; a dateCell a date), and optionally a totals
// row, written in bold under the data.
type sheet struct {
	name  string
	cols  []column
	rows  [][]any
	total []any
}

// changeCell is a change from the previous period: a signed number with an
// arrow format (percent, or percentage points for a share), "—" when the
// previous value was 0.
type changeCell report.Change

// dateCell is a calendar date written as an Excel date (a number with a date
// format), so the reader can sort and compute with it.
type dateCell report.Date

// sumCounts adds up integer columns of rows: the totals row of a breakdown
// sheet, label first, nil where a column is not a count.
func sumCounts(label string, cols []column, rows [][]any) []any {
	total := make([]any, len(cols))
	total[0] = label
	for i, c := range cols {
		if c.kind != colCount || i == 0 {
			continue
		}
		n := 0
		for _, r := range rows {
			if v, ok := r[i].(int); ok {
				n += v
			}
		}
		total[i] = n
	}
	return total
}

// book builds a workbook from sheets and writes it.
type book struct {
	f      *excelize.File
	header int
	date   int
	change map[bool]int // by Change.Points
	styles map[colKind]int
	totals map[colKind]int // the same in bold, for totals rows
	first  bool
}

// newBook starts a workbook; points is the unit of percentage points as the
// language writes it after a number (" pp").
func newBook(points string) (*book, error) {
	b := &book{f: excelize.NewFile(), styles: map[colKind]int{}, totals: map[colKind]int{}, change: map[bool]int{}, first: true}
	var err error
	if b.header, err = b.f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4F0"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "7F7F7F", Style: 1}},
	}); err != nil {
		return nil, fmt.Errorf("xlsx: header style: %w", err)
	}
	pct, days, date := "0.0%", "0.0", "yyyy-mm-dd"
	if b.date, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &date}); err != nil {
		return nil, fmt.Errorf("xlsx: date style: %w", err)
	}
	unit := strings.ReplaceAll(points, `"`, "")
	for isPoints, format := range map[bool]string{
		false: `"↑"0.0%;"↓"0.0%;"="`,
		true:  `"↑"0.0"` + unit + `";"↓"0.0"` + unit + `";"="`,
	} {
		if b.change[isPoints], err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			return nil, fmt.Errorf("xlsx: change style: %w", err)
		}
	}
	for kind, s := range map[colKind]excelize.Style{
		colText:    {},
		colCount:   {NumFmt: 1}, // "0"
		colPercent: {CustomNumFmt: &pct},
		colDays:    {CustomNumFmt: &days},
	} {
		id, err := b.f.NewStyle(&s)
		if err != nil {
			return nil, fmt.Errorf("xlsx: style: %w", err)
		}
		b.styles[kind] = id
		s.Font = &excelize.Font{Bold: true}
		if b.totals[kind], err = b.f.NewStyle(&s); err != nil {
			return nil, fmt.Errorf("xlsx: style: %w", err)
		}
	}
	return b, nil
}

func (b *book) add(s sheet) error {
	name := s.name
	if b.first {
		// A new file has one sheet, "Sheet1": rename it rather than leave it empty.
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", name, err)
		}
		b.first = false
	} else if _, err := b.f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	for i, c := range s.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", name, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	header := make([]any, len(s.cols))
	for i, c := range s.cols {
		header[i] = excelize.Cell{StyleID: b.header, Value: c.title}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 30}); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	rows, styles := s.rows, b.styles
	if s.total != nil {
		rows = append(rows[:len(rows):len(rows)], s.total)
	}
	for r, row := range rows {
		if len(row) != len(s.cols) {
			return fmt.Errorf("xlsx: sheet %q row %d has %d cells for %d columns", name, r+1, len(row), len(s.cols))
		}
		if s.total != nil && r == len(rows)-1 {
			styles = b.totals
		}
		cells := make([]any, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case nil:
			case changeCell:
				switch {
				case !v.Known:
					cells[i] = excelize.Cell{StyleID: styles[colText], Value: "—"}
				case v.Points:
					// Points as a number of points: 0.05 is 5 points.
					cells[i] = excelize.Cell{StyleID: b.change[true], Value: math.Round(report.Change(v).Signed()*1000) / 10}
				default:
					cells[i] = excelize.Cell{StyleID: b.change[false], Value: report.Change(v).Signed()}
				}
			case dateCell:
				cells[i] = excelize.Cell{StyleID: b.date, Value: time.Date(v.Year, v.Month, v.Day, 0, 0, 0, 0, time.UTC)}
			default:
				cells[i] = excelize.Cell{StyleID: styles[s.cols[i].kind], Value: v}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", name, err)
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", name, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	return nil
}

func (b *book) write(w io.Writer) error {
	defer b.f.Close()
	b.f.SetActiveSheet(0)
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

func writeBook(w io.Writer, l labels, sheets []sheet) error {
	b, err := newBook(l.points)
	if err != nil {
		return err
	}
	for _, s := range sheets {
		if err := b.add(s); err != nil {
			b.f.Close()
			return err
		}
	}
	return b.write(w)
}

// periodRows are the first rows of a summary sheet: the local dates the
// range covers (in the zone the range was built in), then the filter in
// force, one row per filter set (none when the report is the whole club's),
// so a workbook passed on still says whose figures it holds. With prev (the
// range compared with) the dates of the previous period stand in the third
// column. Every row has width cells.
func periodRows(l labels, r report.Range, prev *report.Range, f report.Filter, names report.FilterNames, width int) [][]any {
	loc := r.From.Location()
	first, last := r.Dates(loc)
	rows := [][]any{
		{l.from, dateCell(first)},
		{l.to, dateCell(last)},
		{l.zone, loc.String()},
	}
	if prev != nil {
		pFirst, pLast := prev.Dates(loc)
		rows[0] = append(rows[0], dateCell(pFirst))
		rows[1] = append(rows[1], dateCell(pLast))
	}
	if f.StaffID != 0 {
		rows = append(rows, []any{l.staff, names.Staff})
	}
	if f.TemplateID != 0 {
		rows = append(rows, []any{l.template, names.Template})
	}
	if f.Type != "" {
		rows = append(rows, []any{l.typ, l.typeName(f.Type)})
	}
	for i := range rows {
		for len(rows[i]) < width {
			rows[i] = append(rows[i], nil)
		}
	}
	return rows
}

// summaryCols are the summary sheet's columns: the figure and its value,
// and with a comparison the previous value and the change.
func summaryCols(l labels, compared bool, value colKind) []column {
	cols := []column{{l.figure, colText, 34}, {l.value, value, 14}}
	if compared {
		cols = append(cols, column{l.previous, value, 16}, column{l.change, colText, 12})
	}
	return cols
}

// figureRow is a headline figure's summary row: with a comparison, its
// previous value and the change.
func figureRow(label string, cur any, compared bool, prev any, ch report.Change) []any {
	if !compared {
		return []any{label, cur}
	}
	return []any{label, cur, prev, changeCell(ch)}
}

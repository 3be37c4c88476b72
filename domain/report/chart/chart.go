// Package chart renders report figures as PNG images for the bot: bars per
// staff member and the sales funnel. Pure Go (github.com/go-analyze/charts),
// fixed size, so Telegram shows every chart the same way.
//
// Text is drawn with Noto Sans, which go-analyze/charts embeds and which
// has Latin and Cyrillic glyphs, so Russian and Ukrainian names and labels
// render as letters, not boxes (chart_test.go checks exactly that).
package chart

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-analyze/charts"
)

// The size of every chart, in pixels.
const (
	Width  = 1000
	Height = 600
)

// MaxBars is the most bars one chart draws; at 600 pixels more would not
// be readable. Callers sort their rows (most important first) and pass at
// most this many, or the rest is left out.
const MaxBars = 25

// ErrNoData is returned for a chart with nothing to draw.
var ErrNoData = errors.New("chart: nothing to draw")

// BarRow is one bar group: a staff member and their values, one per series.
type BarRow struct {
	Label  string
	Values []float64
}

// StaffBars draws horizontal bars per staff member with the value written
// at the end of each bar, the first row on top. With series names (e.g.
// "Done", "Overdue") every row has one value per series and a legend is
// drawn; without, every row has exactly one value.
func StaffBars(title string, rows []BarRow, series ...string) ([]byte, error) {
	if len(rows) == 0 {
		return nil, ErrNoData
	}
	n := max(1, len(series))
	if len(rows) > MaxBars {
		rows = rows[:MaxBars]
	}
	values := make([][]float64, n)
	labels := make([]string, len(rows))
	// The chart's first category is at the bottom: fill from the end so
	// the first row is drawn on top.
	for s := range values {
		values[s] = make([]float64, len(rows))
	}
	for i, r := range rows {
		if len(r.Values) != n {
			return nil, fmt.Errorf("chart: row %q has %d values for %d series", r.Label, len(r.Values), n)
		}
		j := len(rows) - 1 - i
		labels[j] = printable(r.Label)
		for s, v := range r.Values {
			values[s][j] = v
		}
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = true
	opt.Title.Text = printable(title)
	opt.CategoryAxis.Labels = labels
	opt.ValueFormatter = formatNumber
	countAxis(&opt, values)
	opt.Padding = charts.Box{Top: 20, Right: 50, Bottom: 20, Left: 20}
	for _, name := range series {
		opt.Legend.SeriesNames = append(opt.Legend.SeriesNames, printable(name))
	}
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label.Show = charts.Ptr(true)
		opt.SeriesList[i].Label.ValueFormatter = formatNumber
	}
	return render(func(p *charts.Painter) error { return p.BarChart(opt) })
}

// FunnelBar is one funnel stage.
type FunnelBar struct {
	Label string
	Value float64
	// Conversion from the previous stage, 0..1; not drawn for the first.
	Conversion float64
}

// Funnel draws the stages as horizontal bars from the first (top, longest)
// to the last, each labelled with its clients and, from the second on, the
// conversion from the stage before: "12 (75%)".
func Funnel(title string, stages []FunnelBar) ([]byte, error) {
	if len(stages) == 0 {
		return nil, ErrNoData
	}
	if len(stages) > MaxBars {
		stages = stages[:MaxBars]
	}
	// go-analyze/charts tells a label formatter the series, not the data
	// point, so every stage is its own series with a value only in its own
	// row (null elsewhere) and the series are stacked: one bar per row, and
	// the formatter's index is the stage. It also gives each stage a colour.
	n := len(stages)
	values := make([][]float64, n)
	labels := make([]string, n)
	texts := make([]string, n)
	for i, s := range stages {
		j := n - 1 - i // first stage on top
		values[i] = make([]float64, n)
		for k := range values[i] {
			values[i][k] = charts.GetNullValue()
		}
		values[i][j], labels[j] = s.Value, printable(s.Label)
		texts[i] = formatNumber(s.Value)
		if i > 0 {
			texts[i] += " (" + strconv.FormatFloat(math.Round(s.Conversion*100), 'f', 0, 64) + "%)"
		}
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = true
	opt.StackSeries = charts.Ptr(true)
	opt.Title.Text = printable(title)
	opt.CategoryAxis.Labels = labels
	opt.ValueFormatter = formatNumber
	countAxis(&opt, values)
	opt.Padding = charts.Box{Top: 20, Right: 90, Bottom: 20, Left: 20}
	opt.BarSize = 0.7
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label.Show = charts.Ptr(true)
		opt.SeriesList[i].Label.LabelFormatter = func(index int, _ string, _ float64) (string, *charts.LabelStyle) {
			return texts[index], nil
		}
	}
	return render(func(p *charts.Painter) error { return p.BarChart(opt) })
}

func render(draw func(p *charts.Painter) error) ([]byte, error) {
	p := charts.NewPainter(charts.PainterOptions{
		OutputFormat: charts.ChartOutputPNG,
		Width:        Width,
		Height:       Height,
		Font:         charts.GetFont(charts.FontFamilyNotoSans),
	})
	if err := draw(p); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("chart: encode: %w", err)
	}
	return b, nil
}

// countAxis starts the value axis at 0 and, for small counts, steps it by
// whole numbers (a count of 2 needs no tick at 1.5).
func countAxis(opt *charts.BarChartOption, values [][]float64) {
	opt.ValueAxis[0].Min = charts.Ptr(0.0)
	top := 0.0
	for _, s := range values {
		for _, v := range s {
			if v != charts.GetNullValue() && v > top {
				top = v
			}
		}
	}
	if top <= 8 {
		opt.ValueAxis[0].Max = charts.Ptr(max(1, math.Ceil(top)+1))
		opt.ValueAxis[0].Unit = 1
	}
}

// printable drops the characters none of the chart fonts can draw (emoji in
// a template's name, say), which would otherwise come out as empty boxes.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == ' ' || hasGlyph(r) {
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// chartFonts are the fonts text is drawn with: Noto Sans, then the
// library's fallbacks for characters it lacks.
var chartFonts = []string{charts.FontFamilyNotoSans, "notosans-chartsymbols", charts.FontFamilyRoboto}

func hasGlyph(r rune) bool {
	for _, name := range chartFonts {
		if f := charts.GetFont(name); f != nil && f.Index(r) != 0 {
			return true
		}
	}
	return false
}

// formatNumber writes counts as integers and anything else with at most one
// decimal, never in exponent form.
func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

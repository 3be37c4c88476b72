package jobs

import (
	"errors"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report/chart"
)

// digestChart draws the digest's picture: yesterday's tasks per staff member
// (created / done / overdue), or, on a day without tasks, the funnel. A day
// with nothing to draw has no chart (name ""): the text says it all.
func digestChart(cat *i18n.Catalog, lang domain.Language, r digestReport) (png []byte, name string, err error) {
	date := i18n.Date(lang, r.Date.AddDays(-1).Start(r.Loc), r.Loc)
	var rows []chart.BarRow
	for _, s := range r.Yesterday.ByStaff {
		c := s.Counts
		if c.Created+c.Done+c.Overdue == 0 {
			continue
		}
		rows = append(rows, chart.BarRow{
			Label:  staffName(cat, lang, s.StaffID, s.Name),
			Values: []float64{float64(c.Created), float64(c.Done), float64(c.Overdue)},
		})
	}
	if len(rows) > 0 {
		png, err = chart.StaffBars(cat.T(lang, "digest.chart.staff", map[string]any{"Date": date}), rows,
			cat.T(lang, "digest.chart.created", nil), cat.T(lang, "digest.chart.done", nil), cat.T(lang, "digest.chart.overdue", nil))
		if err != nil {
			return nil, "", fmt.Errorf("digest chart: %w", err)
		}
		return png, "digest-" + r.Date.String() + ".png", nil
	}
	var stages []chart.FunnelBar
	for i, st := range r.Funnel.Stages {
		b := chart.FunnelBar{Label: st.Name, Value: float64(st.Clients)}
		if i > 0 {
			b.Conversion = r.Funnel.Stages[i-1].ConversionNext
		}
		stages = append(stages, b)
	}
	if len(stages) == 0 || stages[0].Value == 0 {
		return nil, "", nil
	}
	png, err = chart.Funnel(cat.T(lang, "digest.chart.funnel", map[string]any{"Date": date}), stages)
	if errors.Is(err, chart.ErrNoData) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("digest chart: %w", err)
	}
	return png, "funnel-" + r.Date.String() + ".png", nil
}

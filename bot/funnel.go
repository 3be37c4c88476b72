package bot

import (
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/chart"
)

// funnelCommand is "/funnel [FROM TO]" (owners and managers): the sales
// funnel of this month, or of the local dates FROM..TO, with the same
// period, filter, chart and workbook buttons as /report (report.go).
func (b *Bot) funnelCommand(r *request) error { return b.reportStart(r, kindFunnel) }

// funnelChart draws the funnel's stages; nil when nobody reached the first.
func funnelChart(title string, f report.Funnel) ([]byte, error) {
	if len(f.Stages) == 0 || f.Stages[0].Clients == 0 {
		return nil, nil
	}
	bars := make([]chart.FunnelBar, len(f.Stages))
	for i, s := range f.Stages {
		bars[i] = chart.FunnelBar{Label: s.Name, Value: float64(s.Clients)}
		if i > 0 {
			bars[i].Conversion = f.Stages[i-1].ConversionNext
		}
	}
	return chart.Funnel(title, bars)
}

// funnelText is the funnel's compact summary: each stage with its clients,
// the share of the previous stage that got there and the median days it
// took, how many skipped into it; the conversion from first to last; and
// the best slices by staff member and first template. Compared with the
// period before (f.Previous), each stage's clients and the conversion carry
// an arrow and the change, "—" where the previous value was 0.
func (r *request) funnelText(f report.Funnel, c report.Cohort, names filterNames) string {
	var sb strings.Builder
	r.reportHeader(&sb, kindFunnel, f.Range, f.Filter, names)
	if len(f.Stages) == 0 {
		sb.WriteString("\n" + r.t("report.funnel.no_stages", nil))
		return sb.String()
	}
	sb.WriteString("\n")
	for i, s := range f.Stages {
		clients := strconv.Itoa(s.Clients)
		if f.Previous != nil {
			clients += " " + r.change(f.StageChange(i))
		}
		data := map[string]any{"Name": esc(s.Name), "Clients": clients}
		id := "report.funnel.first"
		if i > 0 {
			prev := f.Stages[i-1]
			data["Percent"] = pct(r.lang, prev.ConversionNext)
			id = "report.funnel.stage"
			if prev.MedianDaysNext != nil {
				data["Days"], data["N"] = days(r.lang, *prev.MedianDaysNext), prev.MedianClients
				id = "report.funnel.stage_median"
			}
		}
		sb.WriteString("\n" + r.t(id, data))
		if s.Direct < s.Clients {
			sb.WriteString(" · " + r.t("report.funnel.direct", map[string]any{"Count": s.Direct}))
		}
	}
	total := pct(r.lang, f.Conversion)
	if f.Previous != nil {
		total += " " + r.change(f.ConversionChange())
	}
	sb.WriteString("\n\n" + r.t("report.funnel.total", map[string]any{"Percent": total}))
	if f.Previous != nil {
		sb.WriteString("\n" + r.t("report.compared", map[string]any{"Dates": r.reportDates(f.Previous.Range)}))
	}
	split := func(title string, rows []report.Split, label func(report.Split) string) {
		if len(rows) < 2 {
			return // one slice repeats the totals
		}
		sb.WriteString("\n\n<b>" + r.t(title, nil) + "</b>")
		for i, s := range rows {
			if i == reportTextRows {
				sb.WriteString("\n" + r.t("report.more", map[string]any{"Count": len(rows) - i}))
				break
			}
			sb.WriteString("\n" + r.t("report.funnel.split", map[string]any{
				"Name": esc(label(s)), "First": s.Clients[0], "Last": s.Clients[len(s.Clients)-1], "Percent": pct(r.lang, s.Conversion),
			}))
		}
	}
	split("report.funnel.by_staff", f.ByStaff, func(s report.Split) string { return r.staffLabel(s.ID, s.Name) })
	split("report.funnel.by_template", f.ByTemplate, func(s report.Split) string {
		if s.ID == 0 {
			return r.t("report.funnel.unknown", nil)
		}
		return s.Name
	})
	r.cohortText(&sb, c)
	return sb.String()
}

// cohortDays is the "within N days" of the cohort in the bot.
const cohortDays = 30

// cohortText adds the cohort view: of the clients first contacted in the
// period, how many reached each stage by now and within cohortDays, how
// many stopped there and their three most given reasons; compared with the
// previous period's cohort (c.Previous), the cohort's size and each stage's
// clients carry the change.
func (r *request) cohortText(sb *strings.Builder, c report.Cohort) {
	if c.Clients == 0 {
		return
	}
	clients := strconv.Itoa(c.Clients)
	if c.Previous != nil {
		clients += " " + r.change(report.CountChange(c.Clients, c.Previous.Clients))
	}
	sb.WriteString("\n\n<b>" + r.t("report.cohort.title", map[string]any{"Clients": clients}) + "</b>")
	for i, s := range c.Stages {
		n := strconv.Itoa(s.Clients)
		if c.Previous != nil {
			n += " " + r.change(c.StageChange(i))
		}
		sb.WriteString("\n" + r.t("report.cohort.stage", map[string]any{"Name": esc(s.Name), "Clients": n, "Days": c.WithinDays, "Within": s.Within}))
		if s.Lost == 0 {
			continue
		}
		sb.WriteString(" · " + r.t("report.cohort.lost", map[string]any{"Count": s.Lost}))
		var reasons []string
		for i, rs := range s.Reasons {
			if i == 3 {
				break
			}
			reasons = append(reasons, esc(rs.Name)+" "+strconv.Itoa(rs.Clients))
		}
		if len(reasons) > 0 {
			sb.WriteString(": " + strings.Join(reasons, ", "))
		}
	}
}

package bot

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/chart"
	"github.com/clubcrm/clubcrm/domain/report/xlsx"
)

// The reports in the bot (owners and managers): "/report" (the general CRM
// report) and "/funnel" (the sales funnel). Each is one message: a compact
// summary with buttons for the period, the filters (staff member, template,
// task type), the chart (a PNG, sent as a new message) and the workbook (an
// XLSX document). Taps on period and filter buttons redraw the message in
// place. What the screen shows travels in the buttons' callback data:
//
//	rv|<kind g|f>|<period>|<staff>|<template>|<type>          the report
//	rl|<kind>|<period>|<staff>|<template>|<type>|<s|t|y>|<page>  pick a filter
//	rc|<kind>|<period>|<staff>|<template>|<type>              send the chart
//	rx|<kind>|<period>|<staff>|<template>|<type>              send the workbook
//
// period is td, yd, tw, lw, tm, lm, tq, lq, ty, ly (today … last year) or YYYYMMDD-YYYYMMDD;
// staff and template are ids (0: all); type is p, b, c, i or - (all). Every
// tap re-checks that the person manages the club, and the store refuses a
// staff member or template of another club, so forged data shows nothing.

// reportRoutes registers the report commands and buttons (routes.go).
func (b *Bot) reportRoutes(rt *router) {
	rt.managerCommand("report", b.reportCommand)
	rt.managerCommand("funnel", b.funnelCommand)
	rt.action(callback.ActionReportShow, b.reportShow)         // rv|<view>
	rt.action(callback.ActionReportFilter, b.reportFilterMenu) // rl|<view>|<s|t|y>|<page>
	rt.action(callback.ActionReportChart, b.reportChart)       // rc|<view>
	rt.action(callback.ActionReportWorkbook, b.reportWorkbook) // rx|<view>
}

// Report kinds in callback data.
const (
	kindGeneral = "g"
	kindFunnel  = "f"
)

// reportView is what a report screen shows.
type reportView struct {
	kind     string
	period   string // a code of reportPeriods, or YYYYMMDD-YYYYMMDD
	staff    int64
	template int64
	typ      domain.TaskType // "" for all
}

// reportPeriods are the period buttons, in order, by callback code.
var reportPeriods = []struct {
	code string
	p    report.Period
}{
	{"td", report.PeriodToday}, {"yd", report.PeriodYesterday}, {"tw", report.PeriodThisWeek},
	{"lw", report.PeriodLastWeek}, {"tm", report.PeriodThisMonth}, {"lm", report.PeriodLastMonth},
	{"tq", report.PeriodThisQuarter}, {"lq", report.PeriodLastQuarter}, {"ty", report.PeriodThisYear}, {"ly", report.PeriodLastYear},
}

// reportTypeCodes are the type filter's callback codes.
var reportTypeCodes = map[string]domain.TaskType{
	"p": domain.TypePersonalCall, "b": domain.TypeBulkCall, "c": domain.TypeClientTask, "i": domain.TypeInternal, "-": "",
}

func typeCode(t domain.TaskType) string {
	for c, tt := range reportTypeCodes {
		if tt == t {
			return c
		}
	}
	return "-"
}

// customPeriodLayout is how custom dates travel in callback data.
const customPeriodLayout = "20060102"

// args encodes the view for callback data.
func (v reportView) args(more ...any) []any {
	return append([]any{v.kind, v.period, v.staff, v.template, typeCode(v.typ)}, more...)
}

// parseReportView decodes the first five arguments of report callback data.
func parseReportView(d callback.Data) (reportView, error) {
	var v reportView
	var err error
	if v.kind, err = d.Str(0); err != nil {
		return v, err
	}
	if v.kind != kindGeneral && v.kind != kindFunnel {
		return v, errBadArg
	}
	if v.period, err = d.Str(1); err != nil {
		return v, err
	}
	if v.staff, err = d.Int(2); err != nil {
		return v, err
	}
	if v.template, err = d.Int(3); err != nil {
		return v, err
	}
	code, err := d.Str(4)
	if err != nil {
		return v, err
	}
	t, ok := reportTypeCodes[code]
	if !ok {
		return v, errBadArg
	}
	v.typ = t
	return v, nil
}

// rangeAt resolves the view's period at now in the club's zone.
func (v reportView) rangeAt(now time.Time, loc *time.Location) (report.Range, error) {
	for _, p := range reportPeriods {
		if p.code == v.period {
			return report.PeriodRange(p.p, now, loc), nil
		}
	}
	from, to, ok := strings.Cut(v.period, "-")
	if !ok {
		return report.Range{}, errBadArg
	}
	f, err1 := time.Parse(customPeriodLayout, from)
	t, err2 := time.Parse(customPeriodLayout, to)
	if err1 != nil || err2 != nil {
		return report.Range{}, errBadArg
	}
	return report.CustomRange(report.DateOf(f), report.DateOf(t), loc)
}

func (v reportView) filter() report.Filter {
	return report.Filter{StaffID: v.staff, TemplateID: v.template, Type: v.typ}
}

// reportCommand is "/report [FROM TO]": the general report of this month,
// or of the local dates FROM..TO (YYYY-MM-DD) when given.
func (b *Bot) reportCommand(r *request) error { return b.reportStart(r, kindGeneral) }

func (b *Bot) reportStart(r *request, kind string) error {
	v := reportView{kind: kind, period: "tm"}
	if args := strings.Fields(r.args); len(args) > 0 {
		if len(args) != 2 {
			return reportDatesError{}
		}
		from, err1 := report.ParseDate(args[0])
		to, err2 := report.ParseDate(args[1])
		if err1 != nil || err2 != nil {
			return reportDatesError{}
		}
		if _, err := report.CustomRange(from, to, r.loc); err != nil {
			return err
		}
		v.period = fmt.Sprintf("%04d%02d%02d-%04d%02d%02d", from.Year, from.Month, from.Day, to.Year, to.Month, to.Day)
	}
	text, kb, err := b.reportScreen(r, v)
	if err != nil {
		return err
	}
	_, err = r.reply(text, kb)
	return err
}

// reportDatesError: /report with arguments that are not two dates.
type reportDatesError struct{}

func (reportDatesError) Error() string { return "report: arguments are not two dates" }

func (reportDatesError) Localized() (string, map[string]any) { return "report.err.dates", nil }

// reportAction decodes a report button's view after checking rights.
func reportAction(r *request) (reportView, error) {
	if err := domain.CanManageClub(r.staff); err != nil {
		return reportView{}, err
	}
	return parseReportView(r.data)
}

// reportShow redraws the report for the tapped period or filter ("rv").
func (b *Bot) reportShow(r *request) error {
	v, err := reportAction(r)
	if err != nil {
		return err
	}
	text, kb, err := b.reportScreen(r, v)
	if err != nil {
		return err
	}
	_, err = r.show(text, kb)
	return err
}

// reportScreen computes the view's report and renders its summary and
// keyboard.
func (b *Bot) reportScreen(r *request, v reportView) (string, [][]chat.Button, error) {
	rng, err := v.rangeAt(b.clock.Now(), r.loc)
	if err != nil {
		return "", nil, err
	}
	names, err := b.reportFilterNames(r, v)
	if err != nil {
		return "", nil, err
	}
	var text string
	if v.kind == kindFunnel {
		f, err := b.reportFunnelCompared(r, rng, v.filter())
		if err != nil {
			return "", nil, err
		}
		c, err := b.db.ReportCohort(r.ctx, r.club.ID, rng, v.filter(), cohortDays)
		if err != nil {
			return "", nil, err
		}
		prevCohort, err := b.db.ReportCohort(r.ctx, r.club.ID, rng.Previous(r.loc), v.filter(), cohortDays)
		if err != nil {
			return "", nil, err
		}
		c.Compare(prevCohort)
		if err := b.localizeReports(r, &c); err != nil {
			return "", nil, err
		}
		text = r.funnelText(f, c, names)
	} else {
		g, err := b.reportGeneralCompared(r, rng, v.filter())
		if err != nil {
			return "", nil, err
		}
		text = r.generalText(g, names)
	}
	return text, r.reportKeyboard(v, names), nil
}

// reportGeneralCompared is the general report of rng compared with the
// period before (report.Range.Previous): the same report function twice.
func (b *Bot) reportGeneralCompared(r *request, rng report.Range, f report.Filter) (report.General, error) {
	g, err := b.db.ReportGeneral(r.ctx, r.club.ID, rng, f)
	if err != nil {
		return g, err
	}
	prev, err := b.db.ReportGeneral(r.ctx, r.club.ID, rng.Previous(r.loc), f)
	if err != nil {
		return g, err
	}
	g.Compare(prev)
	return g, b.localizeReports(r, &g)
}

// reportFunnelCompared is the funnel of rng compared with the period before.
func (b *Bot) reportFunnelCompared(r *request, rng report.Range, f report.Filter) (report.Funnel, error) {
	fn, err := b.db.ReportFunnel(r.ctx, r.club.ID, rng, f)
	if err != nil {
		return fn, err
	}
	prev, err := b.db.ReportFunnel(r.ctx, r.club.ID, rng.Previous(r.loc), f)
	if err != nil {
		return fn, err
	}
	fn.Compare(prev)
	return fn, b.localizeReports(r, &fn)
}

// filterNames are the names of the filter's staff member and template, for
// the summary and the buttons.
type filterNames struct {
	staff, template string
}

func (b *Bot) reportFilterNames(r *request, v reportView) (filterNames, error) {
	var n filterNames
	if v.staff != 0 {
		s, err := b.db.StaffGet(r.ctx, r.club.ID, v.staff)
		if err != nil {
			return n, err
		}
		n.staff = s.Name
	}
	if v.template != 0 {
		t, err := b.db.TemplateGet(r.ctx, r.club.ID, v.template)
		if err != nil {
			return n, err
		}
		n.template = t.NameIn(r.lang)
	}
	return n, nil
}

// reportKeyboard: the periods (the shown one marked), the three filters,
// the chart and the workbook.
func (r *request) reportKeyboard(v reportView, names filterNames) [][]chat.Button {
	var kb [][]chat.Button
	var periods []chat.Button
	for _, p := range reportPeriods {
		label := r.t("report.period."+p.code, nil)
		if p.code == v.period {
			label = "• " + label
		}
		w := v
		w.period = p.code
		periods = append(periods, btn(label, callback.ActionReportShow, w.args()...))
	}
	kb = append(kb, periods[:3], periods[3:6], periods[6:])
	staff, tmpl, typ := r.t("report.filter.all_staff", nil), r.t("report.filter.all_templates", nil), r.t("report.filter.all_types", nil)
	if names.staff != "" {
		staff = clip(names.staff, 20)
	}
	if names.template != "" {
		tmpl = clip(names.template, 20)
	}
	if v.typ != "" {
		typ = r.t("type."+string(v.typ), nil)
	}
	kb = append(kb, row(
		btn("👤 "+staff, callback.ActionReportFilter, v.args("s", 0)...),
		btn("🗂 "+tmpl, callback.ActionReportFilter, v.args("t", 0)...),
		btn("🏷 "+typ, callback.ActionReportFilter, v.args("y", 0)...),
	))
	kb = append(kb, row(btn("📊 "+r.t("report.btn.chart", nil), callback.ActionReportChart, v.args()...), btn("📄 "+r.t("report.btn.xlsx", nil), callback.ActionReportWorkbook, v.args()...)))
	return kb
}

// reportFilterPage is how many choices a filter list shows at once.
const reportFilterPage = 20

// reportFilterMenu lists the choices of one filter ("rl|<view>|<s|t|y>|<page>"):
// all, then the club's active staff, live templates or the four types. A
// choice redraws the report with it.
func (b *Bot) reportFilterMenu(r *request) error {
	v, err := reportAction(r)
	if err != nil {
		return err
	}
	what, err := r.data.Str(5)
	if err != nil {
		return err
	}
	page, err := r.data.Int(6)
	if err != nil {
		return err
	}
	if page > maxPage {
		return errBadArg
	}
	type choice struct {
		label string
		view  reportView
	}
	all := v
	var title string
	var choices []choice
	switch what {
	case "s":
		title, all.staff = r.t("report.pick.staff", nil), 0
		list, err := b.db.StaffList(r.ctx, r.club.ID)
		if err != nil {
			return err
		}
		for _, s := range list {
			w := v
			w.staff = s.ID
			choices = append(choices, choice{s.Name, w})
		}
	case "t":
		title, all.template = r.t("report.pick.template", nil), 0
		list, err := b.db.TemplateList(r.ctx, r.club.ID)
		if err != nil {
			return err
		}
		for _, t := range list {
			w := v
			w.template = t.ID
			choices = append(choices, choice{t.NameIn(r.lang), w})
		}
	case "y":
		title, all.typ = r.t("report.pick.type", nil), ""
		for _, t := range domain.TaskTypes {
			w := v
			w.typ = t
			choices = append(choices, choice{r.t("type."+string(t), nil), w})
		}
	default:
		return errBadArg
	}
	start := int(page) * reportFilterPage
	if start > len(choices) {
		start = 0
		page = 0
	}
	end := min(start+reportFilterPage, len(choices))
	kb := [][]chat.Button{row(btn(r.t("report.filter.all", nil), callback.ActionReportShow, all.args()...))}
	for i := start; i < end; i += 2 {
		line := row(btn(clip(choices[i].label, 30), callback.ActionReportShow, choices[i].view.args()...))
		if i+1 < end {
			line = append(line, btn(clip(choices[i+1].label, 30), callback.ActionReportShow, choices[i+1].view.args()...))
		}
		kb = append(kb, line)
	}
	var nav []chat.Button
	if page > 0 {
		nav = append(nav, btn("‹", callback.ActionReportFilter, v.args(what, page-1)...))
	}
	if end < len(choices) {
		nav = append(nav, btn("›", callback.ActionReportFilter, v.args(what, page+1)...))
	}
	if len(nav) > 0 {
		kb = append(kb, nav)
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionReportShow, v.args()...)))
	_, err = r.show("<b>"+esc(title)+"</b>", kb)
	return err
}

// reportChart sends the view's chart as a new message ("rc"): tasks by
// staff member for the general report, the funnel for the funnel.
func (b *Bot) reportChart(r *request) error {
	v, err := reportAction(r)
	if err != nil {
		return err
	}
	rng, err := v.rangeAt(b.clock.Now(), r.loc)
	if err != nil {
		return err
	}
	var (
		png   []byte
		title string
	)
	if v.kind == kindFunnel {
		f, err := b.db.ReportFunnel(r.ctx, r.club.ID, rng, v.filter())
		if err != nil {
			return err
		}
		if err := b.localizeReports(r, &f); err != nil {
			return err
		}
		title = r.reportTitle(v.kind, rng, f.Filter, f.FilterNames)
		png, err = funnelChart(title, f)
		if err != nil {
			return err
		}
	} else {
		g, err := b.db.ReportGeneral(r.ctx, r.club.ID, rng, v.filter())
		if err != nil {
			return err
		}
		title = r.reportTitle(v.kind, rng, g.Filter, g.FilterNames)
		if png, err = r.generalChart(title, g); err != nil {
			return err
		}
	}
	if png == nil {
		r.answer(r.t("report.chart.empty", nil))
		return nil
	}
	r.answer("")
	kb, err := r.reportKeyboardAgain(v)
	if err != nil {
		return err
	}
	_, err = r.via.Send(r.ctx, r.to, chat.Message{Text: esc(title), HTML: true, PNG: png, PNGName: reportFileName(v, rng, r.loc) + ".png", Buttons: kb})
	return err
}

// reportKeyboardAgain is, on a channel with one keyboard per chat (Viber),
// the report screen's keyboard for the chart or workbook sent after it: a
// message without one would hide it, and the person would lose the report
// they were reading. nil where buttons stay under their own message.
func (r *request) reportKeyboardAgain(v reportView) ([][]chat.Button, error) {
	if r.caps.InlineButtons {
		return nil, nil
	}
	names, err := r.b.reportFilterNames(r, v)
	if err != nil {
		return nil, err
	}
	return r.reportKeyboard(v, names), nil
}

// generalChart draws created / done / overdue per staff member; nil when
// nobody has any.
func (r *request) generalChart(title string, g report.General) ([]byte, error) {
	var rows []chart.BarRow
	for _, s := range g.ByStaff {
		c := s.Counts
		if c.Created+c.Done+c.Overdue == 0 {
			continue
		}
		rows = append(rows, chart.BarRow{
			Label:  r.staffLabel(s.StaffID, s.Name),
			Values: []float64{float64(c.Created), float64(c.Done), float64(c.Overdue)},
		})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if len(rows) > chart.MaxBars { // the busiest fit; the workbook has everyone
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Values[0]+rows[i].Values[1] > rows[j].Values[0]+rows[j].Values[1] })
		rows = rows[:chart.MaxBars]
	}
	return chart.StaffBars(title, rows, r.t("report.created", nil), r.t("report.done", nil), r.t("report.overdue", nil))
}

// reportWorkbook sends the view's report as an XLSX document ("rx"), with
// headings in the person's language and the headline figures compared with
// the period before.
func (b *Bot) reportWorkbook(r *request) error {
	v, err := reportAction(r)
	if err != nil {
		return err
	}
	rng, err := v.rangeAt(b.clock.Now(), r.loc)
	if err != nil {
		return err
	}
	var (
		buf   bytes.Buffer
		title string
	)
	if v.kind == kindFunnel {
		f, err := b.reportFunnelCompared(r, rng, v.filter())
		if err != nil {
			return err
		}
		title = r.reportTitle(v.kind, rng, f.Filter, f.FilterNames)
		if err := xlsx.Funnel(&buf, f, b.cat, r.lang); err != nil {
			return err
		}
	} else {
		g, err := b.reportGeneralCompared(r, rng, v.filter())
		if err != nil {
			return err
		}
		title = r.reportTitle(v.kind, rng, g.Filter, g.FilterNames)
		if err := xlsx.General(&buf, g, b.cat, r.lang); err != nil {
			return err
		}
	}
	r.answer("")
	kb, err := r.reportKeyboardAgain(v)
	if err != nil {
		return err
	}
	_, err = r.via.Send(r.ctx, r.to, chat.Message{
		Text: esc(title), HTML: true,
		Document: buf.Bytes(), DocName: reportFileName(v, rng, r.loc) + ".xlsx",
		Buttons: kb,
	})
	return err
}

// reportFileName names a chart or workbook by kind, local dates and the
// filter in force, so a filtered file never passes for the whole club's:
// "report-2026-03-01-2026-03-31", "report-2026-03-01-2026-03-31-staff12-template5-personal_call".
func reportFileName(v reportView, rng report.Range, loc *time.Location) string {
	first, last := rng.Dates(loc)
	name := "report"
	if v.kind == kindFunnel {
		name = "funnel"
	}
	name += "-" + first.String() + "-" + last.String()
	if v.staff != 0 {
		name += fmt.Sprintf("-staff%d", v.staff)
	}
	if v.template != 0 {
		name += fmt.Sprintf("-template%d", v.template)
	}
	if v.typ != "" {
		name += "-" + string(v.typ)
	}
	return name
}

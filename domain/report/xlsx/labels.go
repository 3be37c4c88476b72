package xlsx

import (
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// labels are the workbook's headings in one language, from the catalogs
// (domain/i18n/locales/report.*.toml: report.sheet.* and report.col.*; task
// types from common.*.toml). Sheet names there are at most 31 characters and
// avoid []:*?/\ (Excel's rules; a test checks every language).
type labels struct {
	// sheets
	summary, byStaff, byTemplate, byType, byResult, answers, funnel, funnelStaff, funnelTemplate string
	staffResult, templateResult                                                                  string
	// columns and rows
	figure, value, previous, change, from, to, zone      string
	created, done, overdue, cancelled, callsIn, callsOut string
	staff, template, typ, retired, result, count, share  string
	field, answersN, stage, clients, direct, convNext    string
	medianDays, medianN, conversion, firstToLast, nobody string
	unknown, yes, total, points                          string
	missedSheet, missed, calledBack, inTarget, medianMin string
	missedBack, missedInTarget                           string // the summary's missed-call rows
	leads, leadsAnswered, leadsInTarget, leadsEscalated  string // the summary's lead rows
	types                                                map[domain.TaskType]string
}

// labelsFor reads the labels in lang; the catalog answers in English for a
// language it does not have.
func labelsFor(t report.Translator, lang domain.Language) labels {
	s := func(id string) string { return t.T(lang, "report.sheet."+id, nil) }
	c := func(id string) string { return t.T(lang, "report.col."+id, nil) }
	l := labels{
		summary: s("summary"), byStaff: s("by_staff"), byTemplate: s("by_template"), byType: s("by_type"), byResult: s("by_result"),
		answers: s("answers"), funnel: s("funnel"), funnelStaff: s("funnel_staff"), funnelTemplate: s("funnel_template"),
		staffResult: s("staff_result"), templateResult: s("template_result"),
		figure: c("figure"), value: c("value"), previous: c("previous"), change: c("change"), from: c("from"), to: c("to"), zone: c("zone"),
		created: c("created"), done: c("done"), overdue: c("overdue"), cancelled: c("cancelled"), callsIn: c("calls_in"), callsOut: c("calls_out"),
		staff: c("staff"), template: c("template"), typ: c("type"), retired: c("retired"), result: c("result"), count: c("count"), share: c("share"),
		field: c("field"), answersN: c("answers"), stage: c("stage"), clients: c("clients"), direct: c("direct"),
		convNext: c("conv_next"), medianDays: c("median_days"), medianN: c("median_n"), conversion: c("conversion"),
		firstToLast: c("first_to_last"), nobody: c("nobody"), unknown: c("unknown"), yes: c("yes"), total: c("total"),
		missedSheet: s("missed"), missed: c("missed"), calledBack: c("called_back"), inTarget: c("in_target"), medianMin: c("median_min"),
		missedBack: c("missed_back"), missedInTarget: c("missed_in_target"),
		leads: c("leads"), leadsAnswered: c("leads_answered"), leadsInTarget: c("leads_in_target"), leadsEscalated: c("leads_escalated"),
		points: t.T(lang, "report.change.points", map[string]any{"N": ""}),
		types:  map[domain.TaskType]string{},
	}
	for _, typ := range domain.TaskTypes {
		l.types[typ] = t.T(lang, "type."+string(typ), nil)
	}
	return l
}

func (l labels) staffName(id int64, name string) string {
	if id == 0 {
		return l.nobody
	}
	return name
}

func (l labels) typeName(t domain.TaskType) string {
	if n, ok := l.types[t]; ok {
		return n
	}
	return string(t)
}

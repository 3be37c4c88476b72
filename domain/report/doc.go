// Package report defines the club's reports: the general CRM report and the
// sales funnel, the periods they cover and the filters that narrow them.
//
// It holds types, the period arithmetic and the comparison with the period
// before (compare.go: Change, its arrow-and-percent text through a
// Translator); the figures are computed in SQL by domain/postgres
// (ReportGeneral, ReportFunnel, ReportCohort) and rendered by the chart and
// xlsx subpackages, the bot and the CLI. Standard library and domain only.
//
// Periods are half-open ranges of instants between local midnights in the
// club's IANA zone, so a day is 23 or 25 hours long on daylight-saving days;
// weeks start on Monday. The exact meaning of every figure (what "overdue in
// a period" is, how the funnel treats skipped stages) is written on the
// types below and in docs/reports.md.
package report

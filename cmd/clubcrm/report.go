package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/domain/report/xlsx"
)

const reportUsage = "report general|funnel|cohort --club ID --from YYYY-MM-DD --to YYYY-MM-DD " +
	"[--staff ID] [--template ID] [--type personal_call|bulk_call|client_task|internal] [--days N (cohort)] [--format text|csv|xlsx|json] [--lang ru|uk|en] [--out FILE]"

// reportArgs is a parsed `clubcrm report` command line.
type reportArgs struct {
	kind     string // general, funnel or cohort
	days     int    // cohort: within how many days of first contact
	clubID   int64
	from, to report.Date
	filter   report.Filter
	format   string
	lang     domain.Language // "" for the club's language
	out      string
}

// runReport is `clubcrm report general|funnel|cohort ...`: the general CRM
// report, the sales funnel or its cohort view of a club for the local dates
// --from..--to inclusive, in the club's time zone, compared with the period
// before (report.Range.Previous: the same report function called for that
// range), as text or an XLSX workbook (which needs --out) in the club's
// language or --lang, or as CSV or JSON. Mistakes in the command line are
// usage errors; an unknown club, staff member or template is one line and
// exit status 1.
func runReport(ctx context.Context, e *cmdEnv, args []string) error {
	a, err := parseReportArgs(e, args)
	if err != nil {
		return err
	}
	db, err := openAdminDB(ctx, e, "report")
	if err != nil {
		return err
	}
	defer db.Close()

	club, err := db.ClubGet(ctx, a.clubID)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("report: club %d not found", a.clubID)
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	loc, err := club.Location()
	if err != nil {
		return fmt.Errorf("report: club %d: %w", club.ID, err)
	}
	r, err := report.CustomRange(a.from, a.to, loc)
	if err != nil {
		return usagef("report: %v", err)
	}
	prev := r.Previous(loc)
	cat, err := i18n.New()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	out := reportOut{cat: cat, lang: club.Language, club: club}
	if a.lang != "" {
		out.lang = a.lang
	}

	var write func(w io.Writer) error
	switch a.kind {
	case "general":
		g, err := db.ReportGeneral(ctx, club.ID, r, a.filter)
		if err != nil {
			return reportErr(err)
		}
		p, err := db.ReportGeneral(ctx, club.ID, prev, a.filter)
		if err != nil {
			return reportErr(err)
		}
		g.Compare(p)
		write = func(w io.Writer) error { return out.general(w, a.format, g) }
	case "funnel":
		f, err := db.ReportFunnel(ctx, club.ID, r, a.filter)
		if err != nil {
			return reportErr(err)
		}
		p, err := db.ReportFunnel(ctx, club.ID, prev, a.filter)
		if err != nil {
			return reportErr(err)
		}
		f.Compare(p)
		write = func(w io.Writer) error { return out.funnel(w, a.format, f) }
	case "cohort":
		c, err := db.ReportCohort(ctx, club.ID, r, a.filter, a.days)
		if err != nil {
			return reportErr(err)
		}
		p, err := db.ReportCohort(ctx, club.ID, prev, a.filter, a.days)
		if err != nil {
			return reportErr(err)
		}
		c.Compare(p)
		write = func(w io.Writer) error { return out.cohort(w, a.format, c) }
	}
	if a.out == "" {
		return write(e.stdout)
	}
	return writeFileAtomic(a.out, write)
}

func parseReportArgs(e *cmdEnv, args []string) (reportArgs, error) {
	var a reportArgs
	if len(args) > 0 && isHelpFlag(args[0]) {
		args = []string{"general", args[0]} // every kind takes the same flags
	}
	if len(args) == 0 || (args[0] != "general" && args[0] != "funnel" && args[0] != "cohort") {
		return a, usagef("report needs general, funnel or cohort (usage: clubcrm %s)", reportUsage)
	}
	a.kind = args[0]
	fs := flag.NewFlagSet("report "+a.kind, flag.ContinueOnError)
	fs.Int64Var(&a.clubID, "club", 0, "club id")
	from := fs.String("from", "", "first local date, YYYY-MM-DD")
	to := fs.String("to", "", "last local date, YYYY-MM-DD (inclusive)")
	fs.Int64Var(&a.filter.StaffID, "staff", 0, "only this staff member")
	fs.Int64Var(&a.filter.TemplateID, "template", 0, "only this template")
	typ := fs.String("type", "", "only this task type")
	fs.IntVar(&a.days, "days", 30, "cohort: within how many days of first contact")
	fs.StringVar(&a.format, "format", "text", "text, csv, xlsx or json")
	fs.StringVar(&a.out, "out", "", "write to this file instead of standard output")
	lang := fs.String("lang", "", "language of the text and xlsx formats: ru, uk or en (default: the club's)")
	if err := e.parseFlags(fs, args[1:]); err != nil {
		return a, err
	}
	if fs.NArg() > 0 {
		return a, usagef("report: unexpected argument %q (usage: clubcrm %s)", fs.Arg(0), reportUsage)
	}
	if a.clubID <= 0 {
		return a, usagef("report: --club ID is required (usage: clubcrm %s)", reportUsage)
	}
	if *from == "" || *to == "" {
		return a, usagef("report: --from and --to are required (usage: clubcrm %s)", reportUsage)
	}
	var err error
	if a.from, err = report.ParseDate(*from); err != nil {
		return a, usagef("report: --from: %v", err)
	}
	if a.to, err = report.ParseDate(*to); err != nil {
		return a, usagef("report: --to: %v", err)
	}
	if a.to.Before(a.from) {
		return a, usagef("report: --from %s is after --to %s", a.from, a.to)
	}
	if *typ != "" {
		t, err := domain.ParseTaskType(*typ)
		if err != nil {
			return a, usagef("report: --type: %v", err)
		}
		a.filter.Type = t
	}
	if *lang != "" {
		l, ok := domain.ParseLanguage(*lang)
		if !ok || string(l) != *lang {
			return a, usagef("report: --lang must be ru, uk or en, not %q", *lang)
		}
		a.lang = l
	}
	if a.filter.StaffID < 0 || a.filter.TemplateID < 0 {
		return a, usagef("report: --staff and --template must be ids")
	}
	if a.kind == "cohort" && (a.days < 1 || a.days > 3660) {
		return a, usagef("report: --days must be 1..3660")
	}
	switch a.format {
	case "text", "csv", "json":
	case "xlsx":
		if a.kind == "cohort" {
			return a, usagef("report: the cohort has no xlsx format yet; use text, csv or json")
		}
		if a.out == "" {
			return a, usagef("report: --format xlsx needs --out FILE")
		}
	default:
		return a, usagef("report: --format must be text, csv, xlsx or json, not %q", a.format)
	}
	return a, nil
}

// reportErr turns a store error into one line for the operator.
func reportErr(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return fmt.Errorf("report: %s", de.Msg)
	}
	return fmt.Errorf("report: %w", err)
}

// reportOut writes a report in one format; the text and xlsx formats in
// lang, from the catalogs.
type reportOut struct {
	cat  *i18n.Catalog
	lang domain.Language
	club domain.Club
}

func (o reportOut) general(w io.Writer, format string, g report.General) error {
	switch format {
	case "json":
		return writeJSON(w, g)
	case "csv":
		return generalCSV(w, g)
	case "xlsx":
		return xlsx.General(w, g, o.cat, o.lang)
	}
	return o.generalText(w, g)
}

func (o reportOut) funnel(w io.Writer, format string, f report.Funnel) error {
	switch format {
	case "json":
		return writeJSON(w, f)
	case "csv":
		return funnelCSV(w, f)
	case "xlsx":
		return xlsx.Funnel(w, f, o.cat, o.lang)
	}
	return o.funnelText(w, f)
}

func (o reportOut) cohort(w io.Writer, format string, c report.Cohort) error {
	switch format {
	case "json":
		return writeJSON(w, c)
	case "csv":
		return cohortCSV(w, c)
	}
	return o.cohortText(w, c)
}

// writeFileAtomic writes to a temporary file next to path and renames it
// into place, so a failed report never leaves half a file behind.
func writeFileAtomic(path string, write func(w io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("report: --out %s is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".clubcrm-report-*")
	if err != nil {
		return outFileError(path, err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return outFileError(path, err)
	}
	if err := tmp.Close(); err != nil {
		return outFileError(path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return outFileError(path, err)
	}
	return nil
}

// outFileError names the path the operator gave with --out, not the
// temporary file beside it that the report is written to first (which is
// gone by the time they read the message).
func outFileError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	default:
		return fmt.Errorf("report: %w", err)
	}
	return fmt.Errorf("report: --out %s: %w", path, err)
}

package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// reportCmdSetup makes a club, fills it with `clubcrm gen` and returns the
// environment, the club id and the last 30 local days as --from/--to.
func reportCmdSetup(t *testing.T) (env map[string]string, db *postgres.DB, club string, from, to string) {
	t.Helper()
	env, db = cmdDB(t)
	// Bare: gen fills a club that has no plan of its own yet.
	club = fmt.Sprint(pgtest.Club(t, db, pgtest.ClubOpts{Slug: "rep", Name: "Report club", Language: domain.LangUK, Bare: true}).ID)
	out, errOut, err := runCmd(t, env, "gen", "--club", club, "--tasks", "3000", "--clients", "300", "--staff", "5", "--years", "1", "--seed", "3")
	if err != nil || !strings.HasPrefix(out, "filled club "+club) || !strings.Contains(out, "3000 tasks") {
		t.Fatalf("gen: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	today := report.DateOf(time.Now().In(kyiv))
	return env, db, club, today.AddDays(-29).String(), today.String()
}

func TestReportCommand(t *testing.T) {
	t.Parallel()
	env, db, club, from, to := reportCmdSetup(t)
	// Independently of the report's SQL: tasks whose creation falls on the
	// local dates from..to in Kyiv.
	created := pgtest.Count(t, db, `SELECT count(*) FROM tasks
WHERE club_id = $1 AND (created_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $2::date AND $3::date`, club, from, to)
	if created == 0 {
		t.Fatal("the generated club has no tasks in the last 30 days")
	}

	out, _, err := runCmd(t, env, "report", "general", "--club", club, "--from", from, "--to", to, "--format", "json")
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	var g report.General
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("json output does not decode: %v\n%s", err, out)
	}
	if g.Totals.Created != created || len(g.ByStaff) < 5 || len(g.ByType) != 4 {
		t.Fatalf("json: created %d (want %d), %d staff rows, %d types", g.Totals.Created, created, len(g.ByStaff), len(g.ByType))
	}

	// The period before: the 30 local days up to from, counted the same
	// independent way, in the JSON's "previous" and beside every headline
	// figure of the text.
	fromDate, _ := report.ParseDate(from)
	prevCreated := pgtest.Count(t, db, `SELECT count(*) FROM tasks
WHERE club_id = $1 AND (created_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $2::date AND $3::date`, club, fromDate.AddDays(-30).String(), fromDate.AddDays(-1).String())
	if g.Previous == nil || g.Previous.Totals.Created != prevCreated {
		t.Fatalf("json previous = %+v, want created %d", g.Previous, prevCreated)
	}
	createdChange := report.CountChange(created, prevCreated).Text(i18n.MustNew(), domain.LangUK)

	// Text in the club's language (Ukrainian), compared with the period before.
	out, _, err = runCmd(t, env, "report", "general", "--club", club, "--from", from, "--to", to)
	if err != nil || !strings.Contains(out, "Загальний звіт: клуб "+club) ||
		!strings.Contains(out, fmt.Sprintf("Завдання: створено %d (%s), виконано %d (", created, createdChange, g.Totals.Done)) ||
		!strings.Contains(out, "Порівняно з періодом з "+fromDate.AddDays(-30).String()+" по "+fromDate.AddDays(-1).String()) ||
		!strings.Contains(out, "Особистий дзвінок") || strings.Contains(out, "personal_call") {
		t.Fatalf("text: %v\n%s", err, out)
	}
	// --lang overrides the club's language.
	out, _, err = runCmd(t, env, "report", "general", "--club", club, "--from", from, "--to", to, "--lang", "en")
	if err != nil || !strings.Contains(out, "General report: club "+club) ||
		!strings.Contains(out, fmt.Sprintf("Tasks: created %d (%s), done %d (", created, report.CountChange(created, prevCreated).Text(i18n.MustNew(), domain.LangEN), g.Totals.Done)) ||
		!strings.Contains(out, "Personal call") {
		t.Fatalf("text --lang en: %v\n%s", err, out)
	}

	out, _, err = runCmd(t, env, "report", "general", "--club", club, "--from", from, "--to", to, "--format", "csv")
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 10 || strings.Join(rows[0], ",") != "section,id,name,metric,value" {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	resultsRecorded := pgtest.Count(t, db, `SELECT count(*) FROM task_results
WHERE club_id = $1 AND (recorded_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $2::date AND $3::date`, club, from, to)
	cells := 0
	for _, x := range g.ResultsByStaff {
		cells += x.Count
	}
	if cells != resultsRecorded || len(g.ResultsByTemplate) == 0 {
		t.Errorf("staff x result adds up to %d, want the %d results recorded", cells, resultsRecorded)
	}
	if !containsRow(rows, "total", "0", "", "created", fmt.Sprint(created)) {
		t.Errorf("csv has no total created %d row:\n%s", created, out)
	}
	if !containsRow(rows, "total", "0", "", "created_previous", fmt.Sprint(prevCreated)) ||
		!containsRow(rows, "period", "", "", "previous_from", fromDate.AddDays(-30).String()) {
		t.Errorf("csv has no previous created %d row:\n%s", prevCreated, out)
	}

	path := filepath.Join(t.TempDir(), "general.xlsx")
	if _, _, err := runCmd(t, env, "report", "general", "--club", club, "--from", from, "--to", to, "--format", "xlsx", "--out", path); err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 8 || sheets[0] != "Підсумки" || sheets[5] != "Співробітники × результати" { // the club's language
		t.Errorf("xlsx sheets = %q", sheets)
	}
	if v, _ := f.GetCellValue("Підсумки", "B5"); v != fmt.Sprint(created) {
		t.Errorf("xlsx created = %q, want %d", v, created)
	}
	if v, _ := f.GetCellValue("Підсумки", "C5"); v != fmt.Sprint(prevCreated) {
		t.Errorf("xlsx previous created = %q, want %d", v, prevCreated)
	}
}

func TestReportCommandFunnel(t *testing.T) {
	t.Parallel()
	env, _, club, from, to := reportCmdSetup(t)
	out, _, err := runCmd(t, env, "report", "funnel", "--club", club, "--from", from, "--to", to, "--format", "json")
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	var fn report.Funnel
	if err := json.Unmarshal([]byte(out), &fn); err != nil || len(fn.Stages) != 4 || fn.Stages[0].Clients == 0 {
		t.Fatalf("funnel json: %v\n%s", err, out)
	}
	if fn.Previous == nil || len(fn.Previous.Clients) != 4 {
		t.Fatalf("funnel json has no previous period: %+v", fn.Previous)
	}
	out, _, err = runCmd(t, env, "report", "funnel", "--club", club, "--from", from, "--to", to, "--type", "personal_call", "--lang", "en")
	if err != nil || !strings.Contains(out, "Sales funnel: club "+club) || !strings.Contains(out, "By first template") ||
		!strings.Contains(out, "Filter: type Personal call") || !strings.Contains(out, "Previous period") {
		t.Fatalf("text: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, env, "report", "funnel", "--club", club, "--from", from, "--to", to, "--format", "csv")
	if err != nil || !strings.Contains(out, "stage,") || !strings.Contains(out, "clients:gen_bought") ||
		!strings.Contains(out, fmt.Sprintf("stage,%d,%s,clients_previous,%d", fn.Stages[0].StageID, fn.Stages[0].Name, fn.Previous.Clients[0])) {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "funnel.xlsx")
	if _, _, err := runCmd(t, env, "report", "funnel", "--club", club, "--from", from, "--to", to, "--format", "xlsx", "--out", path); err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	if _, err := excelize.OpenFile(path); err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
}

func TestReportCommandCohort(t *testing.T) {
	t.Parallel()
	env, _, club, from, to := reportCmdSetup(t)
	out, _, err := runCmd(t, env, "report", "cohort", "--club", club, "--from", from, "--to", to, "--days", "14", "--format", "json")
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	var c report.Cohort
	if err := json.Unmarshal([]byte(out), &c); err != nil || len(c.Stages) != 4 || c.WithinDays != 14 || c.Clients != c.Stages[0].Clients {
		t.Fatalf("cohort json: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, env, "report", "cohort", "--club", club, "--from", from, "--to", to)
	if err != nil || !strings.Contains(out, "Когорта: клуб "+club) || !strings.Contains(out, "За 30 дн.") || !strings.Contains(out, "Попередній період") {
		t.Fatalf("text: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, env, "report", "cohort", "--club", club, "--from", from, "--to", to, "--days", "0"); err == nil {
		t.Fatal("--days 0 accepted")
	}
}

// A filtered report names its filter in every format: the text heading,
// the CSV and the workbook's summary sheet.
func TestReportCommandNamesTheFilter(t *testing.T) {
	t.Parallel()
	env, db, club, from, to := reportCmdSetup(t)
	var staffID int64
	var staffName string
	if err := db.Pool().QueryRow(context.Background(), `SELECT id, name FROM staff WHERE club_id = $1 ORDER BY id LIMIT 1`, club).Scan(&staffID, &staffName); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--club", club, "--from", from, "--to", to, "--staff", fmt.Sprint(staffID), "--type", "personal_call"}
	out, _, err := runCmd(t, env, append([]string{"report", "general"}, flags...)...)
	if err != nil || !strings.Contains(out, fmt.Sprintf("Фільтр: співробітник %s (%d), тип Особистий дзвінок", staffName, staffID)) {
		t.Fatalf("text does not name the filter: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, env, append([]string{"report", "funnel", "--format", "csv"}, flags...)...)
	if err != nil || !strings.Contains(out, fmt.Sprintf("filter,%d,%s,staff,%d", staffID, staffName, staffID)) || !strings.Contains(out, "filter,,personal_call,type,personal_call") {
		t.Fatalf("csv does not name the filter: %v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "general.xlsx")
	if _, _, err := runCmd(t, env, append([]string{"report", "general", "--format", "xlsx", "--out", path}, flags...)...); err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	defer f.Close()
	if a, _ := f.GetCellValue("Підсумки", "A5"); a != "Співробітник" {
		t.Errorf("xlsx summary A5 = %q, want the staff filter", a)
	}
	if b, _ := f.GetCellValue("Підсумки", "B5"); b != staffName {
		t.Errorf("xlsx summary B5 = %q, want %q", b, staffName)
	}
	if b, _ := f.GetCellValue("Підсумки", "B6"); b != "Особистий дзвінок" {
		t.Errorf("xlsx summary B6 = %q, want the type", b)
	}
}

func TestReportCommandRefusesBadInput(t *testing.T) {
	t.Parallel()
	env, db, club, from, to := reportCmdSetup(t)
	other := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "other", Name: "Other"})
	otherStaff := pgtest.Staff(t, db, other, pgtest.StaffOpts{Name: "Stranger", NoAccount: true}).ID
	base := []string{"report", "general", "--club", club, "--from", from, "--to", to}
	tests := []struct {
		name  string
		args  []string
		usage bool   // a usage error (exit 2) rather than a failure (exit 1)
		want  string // in the message
	}{
		{"no kind", []string{"report"}, true, "general, funnel or cohort"},
		{"unknown kind", []string{"report", "sales", "--club", club}, true, "general, funnel or cohort"},
		{"no club", []string{"report", "general", "--from", from, "--to", to}, true, "--club"},
		{"no dates", []string{"report", "general", "--club", club}, true, "--from and --to"},
		{"bad date", []string{"report", "general", "--club", club, "--from", "2026-02-30", "--to", to}, true, "2026-02-30"},
		{"dotted date", []string{"report", "general", "--club", club, "--from", "01.03.2026", "--to", to}, true, "YYYY-MM-DD"},
		{"from after to", []string{"report", "general", "--club", club, "--from", to, "--to", from}, true, "after"},
		{"too long", []string{"report", "general", "--club", club, "--from", "2001-01-01", "--to", to}, true, "longer than"},
		{"bad type", append(base, "--type", "meeting"), true, "meeting"},
		{"bad format", append(base, "--format", "pdf"), true, "pdf"},
		{"xlsx to stdout", append(base, "--format", "xlsx"), true, "--out"},
		{"stray argument", append(base, "extra"), true, "extra"},
		{"bad flag", append(base, "--colour"), true, "colour"},
		{"unknown language", append(base, "--lang", "de"), true, "--lang must be ru, uk or en"},
		{"language in capitals", append(base, "--lang", "EN"), true, "--lang"},
		{"unknown club", []string{"report", "general", "--club", "999999", "--from", from, "--to", to}, false, "club 999999 not found"},
		{"another club's staff", append(base, "--staff", fmt.Sprint(otherStaff)), false, "not found"},
		{"funnel: unknown template", []string{"report", "funnel", "--club", club, "--from", from, "--to", to, "--template", "999999"}, false, "template 999999 not found"},
	}
	for _, tc := range tests {
		out, _, err := runCmd(t, env, tc.args...)
		var ue usageError
		switch {
		case err == nil:
			t.Errorf("%s: no error; output:\n%s", tc.name, out)
		case errors.As(err, &ue) != tc.usage:
			t.Errorf("%s: usage error = %v, want %v: %v", tc.name, !tc.usage, tc.usage, err)
		case !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error %q, want one line containing %q", tc.name, err, tc.want)
		}
	}
	// A failed xlsx report leaves no file behind.
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if _, _, err := runCmd(t, env, "report", "general", "--club", "999999", "--from", from, "--to", to, "--format", "xlsx", "--out", path); err == nil {
		t.Fatal("unknown club: no error")
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(matches) != 0 {
		t.Fatalf("files left behind: %v", matches)
	}
}

func TestGenCommandRefusesBadInput(t *testing.T) {
	t.Parallel()
	env, _, club, _, _ := reportCmdSetup(t)
	for _, tc := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"gen"}, true, "--club"},
		{[]string{"gen", "--club", club, "--tasks", "0"}, true, "tasks"},
		{[]string{"gen", "--club", club, "--years", "-1"}, true, "years"},
		{[]string{"gen", "--club", club, "--tasks", "ten"}, true, "ten"},
		{[]string{"gen", "--club", "999999", "--tasks", "10"}, false, "club 999999 not found"},
		{[]string{"gen", "--club", club, "--tasks", "10"}, false, "already has"},
	} {
		_, _, err := runCmd(t, env, tc.args...)
		var ue usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("gen %q: error %v (usage %v), want %q (usage %v)", tc.args, err, errors.As(err, &ue), tc.want, tc.usage)
		}
	}
}

func containsRow(rows [][]string, want ...string) bool {
	for _, r := range rows {
		if strings.Join(r, "\x00") == strings.Join(want, "\x00") {
			return true
		}
	}
	return false
}

// A bad --out names the path the operator gave, never the temporary file
// the report is first written to, and leaves nothing behind.
func TestReportOutErrorsNameThePathGiven(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	dir := t.TempDir()
	for _, c := range []struct{ out, want string }{
		{filepath.Join(dir, "missing", "r.csv"), "report: --out " + filepath.Join(dir, "missing", "r.csv") + ": no such file or directory"},
		{dir, "report: --out " + dir + " is a directory"},
	} {
		_, _, err := runCmd(t, env, "report", "general", "--club", fmt.Sprint(f.Club.ID), "--from", "2026-01-01", "--to", "2026-01-31",
			"--format", "csv", "--out", c.out)
		if err == nil || err.Error() != c.want {
			t.Errorf("--out %s: %v, want %q", c.out, err, c.want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".clubcrm-report-*")); len(left) > 0 {
		t.Fatalf("left behind %v", left)
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

var storedLine = regexp.MustCompile(`(?m)^stored (\d+) report months of club (\d+) in \S+ \(`)

// storedMonths is the count of the "stored N report months" line of out.
func storedMonths(t *testing.T, out string) int {
	t.Helper()
	m := storedLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no \"stored N report months\" line in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// gen stores the past months of the club it filled, so a report right
// after it reads them; `report months` stores what an import changed since,
// and a report over stored months says what reading every row says.
func TestGenAndReportMonthsStoreTheClubsMonths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, db := cmdDB(t)
	c := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "months", Name: "Months", Bare: true})
	club := fmt.Sprint(c.ID)

	out, errOut, err := runCmd(t, env, "gen", "--club", club, "--tasks", "2000", "--clients", "200", "--staff", "4", "--years", "1", "--seed", "5")
	if err != nil || !strings.HasPrefix(out, "filled club "+club) {
		t.Fatalf("gen: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	stored := pgtest.Count(t, db, `SELECT count(*) FROM report_periods WHERE club_id = $1`, c.ID)
	if n := storedMonths(t, out); n < 11 || n != stored {
		t.Fatalf("gen says it stored %d months; %d are stored, want the 11 or 12 whole months of a year", n, stored)
	}

	out, _, err = runCmd(t, env, "report", "months", "--club", club)
	if err != nil || storedMonths(t, out) != 0 {
		t.Fatalf("report months with nothing new: %v\n%s", err, out)
	}
	// An import writes a task into a stored month.
	var internal int64
	if err := db.Pool().QueryRow(ctx, `SELECT id FROM templates WHERE club_id = $1 AND key = 'gen_internal'`, c.ID).Scan(&internal); err != nil {
		t.Fatal(err)
	}
	pgtest.Task(t, db, c, pgtest.TaskOpts{Template: internal, Title: "Imported", Created: time.Now().AddDate(0, -3, 0)})
	out, _, err = runCmd(t, env, "report", "months", "--club", club)
	if err != nil || storedMonths(t, out) != 1 {
		t.Fatalf("report months after an import: %v\n%s", err, out)
	}

	// The last six months and the six before, from the stored months and
	// from every row.
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	today := report.DateOf(time.Now().In(kyiv))
	from := report.Date{Year: today.Year, Month: today.Month - 5, Day: 1}
	from = report.DateOf(time.Date(from.Year, from.Month, 1, 12, 0, 0, 0, time.UTC))
	out, _, err = runCmd(t, env, "report", "general", "--club", club, "--from", from.String(), "--to", today.String(), "--format", "json")
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var got report.General
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	raw := postgres.New(db.Pool(), postgres.WithoutReportMonths())
	r, _ := report.CustomRange(from, today, kyiv)
	want, err := raw.ReportGeneral(ctx, c.ID, r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	prev, err := raw.ReportGeneral(ctx, c.ID, r.Previous(kyiv), report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want.Compare(prev)
	sameJSON(t, "general", got, want)

	out, _, err = runCmd(t, env, "report", "funnel", "--club", club, "--from", from.String(), "--to", today.String(), "--format", "json")
	if err != nil {
		t.Fatalf("funnel: %v", err)
	}
	var gotF report.Funnel
	if err := json.Unmarshal([]byte(out), &gotF); err != nil {
		t.Fatal(err)
	}
	wantF, err := raw.ReportFunnel(ctx, c.ID, r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	prevF, err := raw.ReportFunnel(ctx, c.ID, r.Previous(kyiv), report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	wantF.Compare(prevF)
	sameJSON(t, "funnel", gotF, wantF)
}

// sameJSON fails the test when the report read from stored months and the
// one read from every row differ.
func sameJSON(t *testing.T, what string, stored, raw any) {
	t.Helper()
	a, _ := json.Marshal(stored)
	b, _ := json.Marshal(raw)
	if string(a) != string(b) {
		t.Fatalf("%s report over stored months differs from every row:\nstored: %s\nraw:    %s", what, a, b)
	}
}

func TestReportMonthsCommandRefusesBadInput(t *testing.T) {
	t.Parallel()
	env, _ := cmdDB(t)
	for _, tc := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"report", "months"}, true, "--club ID is required"},
		{[]string{"report", "months", "--club", "1", "extra"}, true, `unexpected argument "extra"`},
		{[]string{"report", "months", "--club", "x"}, true, "report months"},
		{[]string{"report", "months", "--club", "999999"}, false, "club 999999 not found"},
	} {
		_, _, err := runCmd(t, env, tc.args...)
		var ue usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v (usage %v), want one line with %q (usage %v)", tc.args, err, errors.As(err, &ue), tc.want, tc.usage)
		}
	}
}

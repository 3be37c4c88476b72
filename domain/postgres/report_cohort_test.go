package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

// cohortRow is a cohort stage as the tests spell it.
type cohortRow struct {
	clients, within, lost int
	reasons               string // "name:clients ..." in order
}

func cohortRows(c report.Cohort) []cohortRow {
	out := make([]cohortRow, len(c.Stages))
	for i, s := range c.Stages {
		out[i] = cohortRow{clients: s.Clients, within: s.Within, lost: s.Lost}
		for j, r := range s.Reasons {
			if j > 0 {
				out[i].reasons += " "
			}
			out[i].reasons += fmt.Sprintf("%s:%d", r.Name, r.Clients)
		}
	}
	return out
}

// The cohort funnel over the funnel tests' dataset (report_funnel_test.go),
// with refusals added, every figure counted by hand. Now is 10 April 2026.
//
// First contact ever (earliest funnel result): Eva 02-25 (before March: not
// in the March cohort), Anna 03-02, Boris 03-03, Clara 03-05 (booked,
// passing contact), Dmytro 03-09, Hanna 04-01 00:10 Kyiv (April in Kyiv,
// 31 March in UTC). By now: Anna and Boris bought, Clara stopped at booked,
// Dmytro at contact.
//
// Refusals (a result of no stage, reason from a dictionary): Dmytro far
// 03-15; Clara schedule 03-20 and far 03-21, and far 03-01 (before her
// first contact: not counted); Anna far 03-11 (she bought: no loss); Zoe of
// club B.
func TestReportCohort(t *testing.T) {
	t.Parallel()
	db, s := setupFunnel(t)
	a := s.a
	ctx := context.Background()
	reasons := a.dictionary("reasons", "Refusal reasons")
	far := a.dictValue(reasons, "far", "Far", 0, false)
	schedule := a.dictValue(reasons, "schedule", "Schedule", 1, false)
	refusal := a.result("refusal", "Refusal", 9)
	field := a.field(refusal, "reason", "Reason", "choice", reasons)
	client := func(name string) int64 {
		var id int64
		if err := db.Pool().QueryRow(ctx, `SELECT id FROM clients WHERE club_id = $1 AND name = $2`, a.id, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	refuse := func(name string, value int64, at string) {
		c := client(name)
		task := a.task(repTask{template: s.inbound, typ: "personal_call", client: c, assignee: s.olga, status: "done", created: at, done: at, result: refusal})
		a.choose(a.taskResult(task, refusal, c, s.olga, at), field, value)
	}
	refuse("Dmytro", far, "2026-03-15 10:00")
	refuse("Clara", schedule, "2026-03-20 10:00")
	refuse("Clara", far, "2026-03-21 10:00")
	refuse("Clara", far, "2026-03-01 10:00")
	refuse("Anna", far, "2026-03-11 10:00")

	march := days(t, a, "2026-03-01", "2026-03-31")
	c, err := db.ReportCohort(ctx, a.id, march, report.Filter{}, 3)
	if err != nil {
		t.Fatalf("ReportCohort: %v", err)
	}
	// Within 3 days of first contact: Anna contact 03-02 and booked 03-04;
	// Boris contact only (the rest on 03-08); Clara contact and booked at
	// once; Dmytro contact.
	want := []cohortRow{
		{clients: 4, within: 4, lost: 1, reasons: "Far:1"},
		{clients: 3, within: 2, lost: 1, reasons: "Far:1 Schedule:1"},
		{clients: 2, within: 0},
		{clients: 2, within: 0},
	}
	if got := cohortRows(c); fmt.Sprint(got) != fmt.Sprint(want) || c.Clients != 4 {
		t.Errorf("March cohort (%d clients):\n got %v\nwant %v", c.Clients, got, want)
	}
	if !repApprox(c.Stages[0].ConversionNext, 0.75) || !repApprox(c.Stages[1].ConversionNext, 2.0/3) || c.Stages[3].ConversionNext != 0 {
		t.Errorf("conversions %v %v %v", c.Stages[0].ConversionNext, c.Stages[1].ConversionNext, c.Stages[3].ConversionNext)
	}

	// Ivan's results only: first contacts Boris 03-03, Anna 03-06
	// (attended, passing contact and booked), Dmytro 03-09.
	c, err = db.ReportCohort(ctx, a.id, march, report.Filter{StaffID: s.ivan}, 30)
	if err != nil {
		t.Fatal(err)
	}
	want = []cohortRow{{clients: 3, within: 3, lost: 1, reasons: "Far:1"}, {clients: 2, within: 2}, {clients: 2, within: 2}, {clients: 2, within: 2}}
	if got := cohortRows(c); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Ivan's cohort:\n got %v\nwant %v", got, want)
	}

	// The local day boundary: Hanna's 00:10 on 1 April in Kyiv is April's.
	c, err = db.ReportCohort(ctx, a.id, days(t, a, "2026-04-01", "2026-04-30"), report.Filter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := cohortRows(c); c.Clients != 1 || got[0] != (cohortRow{clients: 1, within: 1, lost: 1}) {
		t.Errorf("April cohort: %d clients, %v", c.Clients, got)
	}

	if _, err := db.ReportCohort(ctx, a.id, march, report.Filter{}, 0); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("0 days: %v", err)
	}
	if _, err := db.ReportCohort(ctx, a.id, march, report.Filter{StaffID: s.b.staff("Intruder", "staff", true)}, 3); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another club's staff member: %v", err)
	}
}

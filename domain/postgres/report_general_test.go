package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// generalSet is the hand-built dataset of the general report tests. Every
// expected figure below is counted by hand from this list, not by SQL.
//
// Club A (Europe/Kyiv; UTC+2, UTC+3 from 03:00 on 29 March 2026 to 04:00 on
// 25 October 2026). Local times. Staff Olga, Ivan, Petro (no tasks at
// all), Rita (inactive). Templates: call (personal call), check (client
// task), internal, bulk (no tasks), old (retired, personal call, one task),
// older (retired, no tasks).
//
//	T1  call     Olga  created 03-01 00:30  due 03-02 12:00  done 03-02 10:00 thinking      (done on time)
//	T2  call     Olga  created 02-28 23:30  due 03-01 12:00  done 03-03 09:00 trial_booked  (done late)
//	T3  call     Ivan  created 03-29 00:10  due 03-29 23:50  open                           (the 23-hour day)
//	T4  call     Ivan  created 03-31 23:50  due 04-01 10:00  open
//	T5  check    Ivan  created 04-01 00:10                   open
//	T6  check    Olga  created 03-10 10:00  due 03-11 10:00  cancelled 03-11 09:00           (before due)
//	T7  check    Olga  created 03-10 11:00  due 03-11 10:00  cancelled 03-12 09:00           (after due)
//	T8  call     Ivan  created 03-05 10:00  due 03-06 10:00  in progress: closed 03-05 12:00 thinking, reopened
//	T9  call     Olga  created 03-06 10:00  due 03-07 10:00  closed 03-06 12:00 trial_booked, reopened,
//	                                                          closed again 03-08 10:00 bought
//	T10 internal —     created 03-15 09:00  due 03-16 09:00  open (unassigned)
//	T11 internal Rita  created 03-02 09:00                   done 03-02 10:00 (no result)
//	T12 internal Olga  created 03-20 10:00                   done 03-20 11:00, deleted 03-21
//	T13 call     Ivan  created 03-25 10:00  due 03-27 10:00  done 03-26 10:00 refusal (reason far)
//	T14 call     Olga  created 03-26 10:00  due 03-28 10:00  done 03-27 10:00 refusal (reason schedule)
//	T15 call     Ivan  created 03-27 10:00                   done 03-27 11:00 refusal (reason far)
//	T16 check    Olga  created 03-12 10:00                   done 03-12 15:00 trial_booked (yoga, dance)
//	T17 old      Ivan  created 03-03 10:00                   done 03-03 11:00 thinking
//	T19 call     Olga  created 10-25 23:30  open             (the 25-hour day)
//	T20 call     Olga  created 10-25 00:30  open
//
// Directions answers: T2 boxing (an archived value), T9's first close yoga,
// T16 yoga + dance.
//
//	C1 Olga  out 03-01 00:20        C5 Ivan  out 04-01 00:05
//	C2 Olga  out 02-28 23:50        C6 —     in  03-10 12:00
//	C3 Ivan  in  03-29 23:30 (T3)   C7 Olga  in  03-06 12:00 (T9)
//	C4 Ivan  out 03-31 23:59        C8 Ivan  out 03-30 00:10
//
// Club B has its own staff, task, result, answer and call in March; none of
// it may appear in club A's reports.
type generalSet struct {
	a, b                          *repClub
	olga, ivan, petro, rita, bob  int64
	call, check, internal, bulk   int64
	old, bCall                    int64
	booked, bought, thinking, ref int64
	reason, directions            int64
	far, schedule, other          int64
	yoga, dance, swim, boxing     int64
	bThinking                     int64
}

func newGeneralSet(t *testing.T, db *postgres.DB) generalSet {
	t.Helper()
	s := generalSet{a: repNewClub(t, db, "alpha"), b: repNewClub(t, db, "beta")}
	a := s.a
	s.olga = a.staff("Olga", "staff", true)
	s.ivan = a.staff("Ivan", "staff", true)
	s.petro = a.staff("Petro", "manager", true)
	s.rita = a.staff("Rita", "staff", false)
	a.staff("Gone", "staff", false) // inactive, no figures: never listed

	s.call = a.template("call", "Call", "personal_call", 0, false)
	s.check = a.template("check", "Check purchase", "client_task", 1, false)
	s.internal = a.template("internal", "Internal", "internal", 2, false)
	s.bulk = a.template("bulk", "Bulk call", "bulk_call", 3, false)
	s.old = a.template("old", "Old promo", "personal_call", 4, true)
	a.template("older", "Older promo", "personal_call", 5, true)

	s.booked = a.result("trial_booked", "Trial booked", 0)
	a.result("trial_attended", "Trial attended", 1)
	s.bought = a.result("bought", "Bought", 2)
	s.thinking = a.result("thinking", "Thinking", 3)
	s.ref = a.result("refusal", "Refusal", 4)

	reasons := a.dictionary("reasons", "Reasons")
	s.far = a.dictValue(reasons, "far", "Too far", 0, false)
	s.schedule = a.dictValue(reasons, "schedule", "Schedule", 1, false)
	s.other = a.dictValue(reasons, "other", "Other", 2, false)
	s.reason = a.field(s.ref, "reason", "Reason", "choice", reasons)
	dirs := a.dictionary("directions", "Directions")
	s.yoga = a.dictValue(dirs, "yoga", "Yoga", 0, false)
	s.dance = a.dictValue(dirs, "dance", "Dance", 1, false)
	s.swim = a.dictValue(dirs, "swim", "Swimming", 2, false)
	s.boxing = a.dictValue(dirs, "boxing", "Boxing", 3, true)
	a.dictValue(dirs, "karate", "Karate", 4, true) // archived, never chosen: never listed
	s.directions = a.field(s.booked, "directions", "Directions", "multichoice", dirs)
	a.field(s.booked, "note", "Note", "text", 0) // not a dictionary field: no tally

	k := a.client("Client K")
	call := func(assignee int64, created, due string) repTask {
		return repTask{template: s.call, typ: "personal_call", client: k, assignee: assignee, created: created, due: due}
	}
	done := func(tk repTask, at string, result int64) repTask {
		tk.status, tk.done, tk.result = "done", at, result
		return tk
	}

	t1 := a.task(done(call(s.olga, "2026-03-01 00:30", "2026-03-02 12:00"), "2026-03-02 10:00", s.thinking))
	a.taskResult(t1, s.thinking, k, s.olga, "2026-03-02 10:00")
	t2 := a.task(done(call(s.olga, "2026-02-28 23:30", "2026-03-01 12:00"), "2026-03-03 09:00", s.booked))
	a.choose(a.taskResult(t2, s.booked, k, s.olga, "2026-03-03 09:00"), s.directions, s.boxing)
	t3 := a.task(call(s.ivan, "2026-03-29 00:10", "2026-03-29 23:50"))
	a.task(call(s.ivan, "2026-03-31 23:50", "2026-04-01 10:00"))
	a.task(repTask{template: s.check, typ: "client_task", client: k, assignee: s.ivan, created: "2026-04-01 00:10"})
	a.task(repTask{template: s.check, typ: "client_task", client: k, assignee: s.olga, status: "cancelled",
		created: "2026-03-10 10:00", due: "2026-03-11 10:00", cancelled: "2026-03-11 09:00"})
	a.task(repTask{template: s.check, typ: "client_task", client: k, assignee: s.olga, status: "cancelled",
		created: "2026-03-10 11:00", due: "2026-03-11 10:00", cancelled: "2026-03-12 09:00"})
	t8 := call(s.ivan, "2026-03-05 10:00", "2026-03-06 10:00")
	t8.status = "in_progress"
	a.taskResult(a.task(t8), s.thinking, k, s.ivan, "2026-03-05 12:00")
	t9 := a.task(done(call(s.olga, "2026-03-06 10:00", "2026-03-07 10:00"), "2026-03-08 10:00", s.bought))
	a.choose(a.taskResult(t9, s.booked, k, s.olga, "2026-03-06 12:00"), s.directions, s.yoga)
	a.taskResult(t9, s.bought, k, s.olga, "2026-03-08 10:00")
	a.task(repTask{template: s.internal, typ: "internal", created: "2026-03-15 09:00", due: "2026-03-16 09:00"})
	a.task(repTask{template: s.internal, typ: "internal", assignee: s.rita, status: "done", created: "2026-03-02 09:00", done: "2026-03-02 10:00"})
	a.task(repTask{template: s.internal, typ: "internal", assignee: s.olga, status: "done", created: "2026-03-20 10:00", done: "2026-03-20 11:00", deleted: "2026-03-21 10:00"})
	t13 := a.task(done(call(s.ivan, "2026-03-25 10:00", "2026-03-27 10:00"), "2026-03-26 10:00", s.ref))
	a.choose(a.taskResult(t13, s.ref, k, s.ivan, "2026-03-26 10:00"), s.reason, s.far)
	t14 := a.task(done(call(s.olga, "2026-03-26 10:00", "2026-03-28 10:00"), "2026-03-27 10:00", s.ref))
	a.choose(a.taskResult(t14, s.ref, k, s.olga, "2026-03-27 10:00"), s.reason, s.schedule)
	t15 := a.task(done(call(s.ivan, "2026-03-27 10:00", ""), "2026-03-27 11:00", s.ref))
	a.choose(a.taskResult(t15, s.ref, k, s.ivan, "2026-03-27 11:00"), s.reason, s.far)
	t16 := a.task(repTask{template: s.check, typ: "client_task", client: k, assignee: s.olga, status: "done",
		created: "2026-03-12 10:00", done: "2026-03-12 15:00", result: s.booked})
	a.choose(a.taskResult(t16, s.booked, k, s.olga, "2026-03-12 15:00"), s.directions, s.yoga, s.dance)
	t17 := a.task(repTask{template: s.old, typ: "personal_call", client: k, assignee: s.ivan, status: "done",
		created: "2026-03-03 10:00", done: "2026-03-03 11:00", result: s.thinking})
	a.taskResult(t17, s.thinking, k, s.ivan, "2026-03-03 11:00")
	a.task(call(s.olga, "2026-10-25 23:30", ""))
	a.task(call(s.olga, "2026-10-25 00:30", ""))

	a.call("out", k, s.olga, 0, "2026-03-01 00:20")
	a.call("out", k, s.olga, 0, "2026-02-28 23:50")
	a.call("in", k, s.ivan, t3, "2026-03-29 23:30")
	a.call("out", k, s.ivan, 0, "2026-03-31 23:59")
	a.call("out", k, s.ivan, 0, "2026-04-01 00:05")
	a.call("in", k, 0, 0, "2026-03-10 12:00")
	a.call("in", k, s.olga, t9, "2026-03-06 12:00")
	a.call("out", k, s.ivan, 0, "2026-03-30 00:10")

	// Club B: the same shapes in the same month.
	b := s.b
	s.bob = b.staff("Bob", "staff", true)
	s.bCall = b.template("call", "Call", "personal_call", 0, false)
	s.bThinking = b.result("thinking", "Thinking", 0)
	bReasons := b.dictionary("reasons", "Reasons")
	bFar := b.dictValue(bReasons, "far", "Too far", 0, false)
	bReason := b.field(s.bThinking, "reason", "Reason", "choice", bReasons)
	bk := b.client("Client B")
	bt := b.task(repTask{template: s.bCall, typ: "personal_call", client: bk, assignee: s.bob, status: "done",
		created: "2026-03-10 10:00", due: "2026-03-10 09:00", done: "2026-03-10 11:00", result: s.bThinking})
	b.choose(b.taskResult(bt, s.bThinking, bk, s.bob, "2026-03-10 11:00"), bReason, bFar)
	b.call("in", bk, s.bob, bt, "2026-03-10 11:30")
	return s
}

// April 10th: March is wholly in the past.
var generalNow = time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)

func setupGeneral(t *testing.T) (*postgres.DB, generalSet) {
	t.Helper()
	db := pgtest.New(t, postgres.WithClock(clocktest.New(generalNow)))
	return db, newGeneralSet(t, db)
}

func days(t *testing.T, c *repClub, from, to string) report.Range {
	t.Helper()
	f, err := report.ParseDate(from)
	if err != nil {
		t.Fatal(err)
	}
	l, err := report.ParseDate(to)
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.CustomRange(f, l, c.loc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func cnt(created, done, overdue, cancelled int) report.Counts {
	return report.Counts{Created: created, Done: done, Overdue: overdue, Cancelled: cancelled}
}

func TestReportGeneralMarch(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	g, err := db.ReportGeneral(context.Background(), s.a.id, days(t, s.a, "2026-03-01", "2026-03-31"), report.Filter{})
	if err != nil {
		t.Fatalf("ReportGeneral: %v", err)
	}
	if want := cnt(14, 9, 6, 2); g.Totals != want {
		t.Errorf("totals = %+v, want %+v", g.Totals, want)
	}
	if g.CallsIn != 3 || g.CallsOut != 3 {
		t.Errorf("calls in/out = %d/%d, want 3/3", g.CallsIn, g.CallsOut)
	}
	checkStaff(t, g.ByStaff, []report.StaffRow{
		{StaffID: s.ivan, Name: "Ivan", Counts: cnt(6, 3, 2, 0), CallsIn: 1, CallsOut: 2},
		{StaffID: s.olga, Name: "Olga", Counts: cnt(6, 5, 3, 2), CallsIn: 1, CallsOut: 1},
		{StaffID: s.petro, Name: "Petro"},
		{StaffID: s.rita, Name: "Rita", Counts: cnt(1, 1, 0, 0)},
		{StaffID: 0, Name: "", Counts: cnt(1, 0, 1, 0), CallsIn: 1},
	})
	checkTemplates(t, g.ByTemplate, []report.TemplateRow{
		{TemplateID: s.call, Name: "Call", Type: domain.TypePersonalCall, Counts: cnt(8, 6, 4, 0)},
		{TemplateID: s.check, Name: "Check purchase", Type: domain.TypeClientTask, Counts: cnt(3, 1, 1, 2)},
		{TemplateID: s.internal, Name: "Internal", Type: domain.TypeInternal, Counts: cnt(2, 1, 1, 0)},
		{TemplateID: s.bulk, Name: "Bulk call", Type: domain.TypeBulkCall},
		{TemplateID: s.old, Name: "Old promo", Type: domain.TypePersonalCall, Retired: true, Counts: cnt(1, 1, 0, 0)},
	})
	checkTypes(t, g.ByType, []report.TypeRow{
		{Type: domain.TypePersonalCall, Counts: cnt(9, 7, 4, 0)},
		{Type: domain.TypeBulkCall},
		{Type: domain.TypeClientTask, Counts: cnt(3, 1, 1, 2)},
		{Type: domain.TypeInternal, Counts: cnt(2, 1, 1, 0)},
	})
	checkResults(t, g.ByResult, []report.ResultRow{
		{ResultID: s.booked, Name: "Trial booked", Count: 3, Share: 0.3},
		{ResultID: s.bought, Name: "Bought", Count: 1, Share: 0.1},
		{ResultID: s.thinking, Name: "Thinking", Count: 3, Share: 0.3},
		{ResultID: s.ref, Name: "Refusal", Count: 3, Share: 0.3},
	})
	checkFields(t, g.Fields, []report.FieldTally{
		{FieldID: s.directions, Name: "Directions", ResultName: "Trial booked", Multi: true, Answers: 3, Values: []report.ValueTally{
			{ValueID: s.yoga, Name: "Yoga", Count: 2, Share: 2.0 / 3},
			{ValueID: s.dance, Name: "Dance", Count: 1, Share: 1.0 / 3},
			{ValueID: s.swim, Name: "Swimming", Count: 0, Share: 0},
			{ValueID: s.boxing, Name: "Boxing", Count: 1, Share: 1.0 / 3},
		}},
		{FieldID: s.reason, Name: "Reason", ResultName: "Refusal", Answers: 3, Values: []report.ValueTally{
			{ValueID: s.far, Name: "Too far", Count: 2, Share: 2.0 / 3},
			{ValueID: s.schedule, Name: "Schedule", Count: 1, Share: 1.0 / 3},
			{ValueID: s.other, Name: "Other", Count: 0, Share: 0},
		}},
	})
}

// Single local days around midnight and across both DST changes.
func TestReportGeneralDayBoundaries(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	tests := []struct {
		day     string
		want    report.Counts
		in, out int
	}{
		{"2026-02-28", cnt(1, 0, 0, 0), 0, 1}, // T2 at 23:30, C2 at 23:50
		{"2026-03-01", cnt(1, 0, 1, 0), 0, 1}, // T1 at 00:30 (not T2 at 23:30 the day before), T2 due at 12:00, C1
		{"2026-03-29", cnt(1, 0, 1, 0), 1, 0}, // 23 hours: T3, C3 at 23:30; not C8 at 00:10 next day
		{"2026-03-30", cnt(0, 0, 0, 0), 0, 1}, // C8
		{"2026-03-31", cnt(1, 0, 0, 0), 0, 1}, // T4 at 23:50, C4 at 23:59
		{"2026-04-01", cnt(1, 0, 1, 0), 0, 1}, // T5 at 00:10, T4 due, C5 at 00:05
		{"2026-10-24", cnt(0, 0, 0, 0), 0, 0}, //
		{"2026-10-25", cnt(2, 0, 0, 0), 0, 0}, // 25 hours: T20 at 00:30 and T19 at 23:30
		{"2026-10-26", cnt(0, 0, 0, 0), 0, 0}, //
		{"2025-06-01", cnt(0, 0, 0, 0), 0, 0}, // nothing at all
	}
	for _, tc := range tests {
		t.Run(tc.day, func(t *testing.T) {
			g, err := db.ReportGeneral(context.Background(), s.a.id, days(t, s.a, tc.day, tc.day), report.Filter{})
			if err != nil {
				t.Fatalf("ReportGeneral: %v", err)
			}
			if g.Totals != tc.want || g.CallsIn != tc.in || g.CallsOut != tc.out {
				t.Fatalf("%s: totals %+v calls %d/%d, want %+v calls %d/%d", tc.day, g.Totals, g.CallsIn, g.CallsOut, tc.want, tc.in, tc.out)
			}
		})
	}
}

func TestReportGeneralEmptyPeriod(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	g, err := db.ReportGeneral(context.Background(), s.a.id, days(t, s.a, "2025-06-01", "2025-06-30"), report.Filter{})
	if err != nil {
		t.Fatalf("ReportGeneral: %v", err)
	}
	if g.Totals != (report.Counts{}) || g.CallsIn != 0 || g.CallsOut != 0 {
		t.Errorf("totals %+v calls %d/%d, want zeros", g.Totals, g.CallsIn, g.CallsOut)
	}
	checkStaff(t, g.ByStaff, []report.StaffRow{
		{StaffID: s.ivan, Name: "Ivan"}, {StaffID: s.olga, Name: "Olga"}, {StaffID: s.petro, Name: "Petro"},
	})
	checkTemplates(t, g.ByTemplate, []report.TemplateRow{
		{TemplateID: s.call, Name: "Call", Type: domain.TypePersonalCall},
		{TemplateID: s.check, Name: "Check purchase", Type: domain.TypeClientTask},
		{TemplateID: s.internal, Name: "Internal", Type: domain.TypeInternal},
		{TemplateID: s.bulk, Name: "Bulk call", Type: domain.TypeBulkCall},
	})
	checkTypes(t, g.ByType, []report.TypeRow{
		{Type: domain.TypePersonalCall}, {Type: domain.TypeBulkCall}, {Type: domain.TypeClientTask}, {Type: domain.TypeInternal},
	})
	if g.ByResult == nil || len(g.ByResult) != 0 || g.Fields == nil || len(g.Fields) != 0 {
		t.Errorf("results %v fields %v, want empty (non-nil) slices", g.ByResult, g.Fields)
	}
}

// While March is still running (now = 29 March, 12:00 local) a deadline
// later that day (T3 at 23:50) is not missed yet.
func TestReportGeneralOverdueUsesNow(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	now := s.a.at("2026-03-29 12:00")
	during := postgres.New(db.Pool(), postgres.WithClock(clocktest.New(now)))
	g, err := during.ReportGeneral(context.Background(), s.a.id, report.PeriodRange(report.PeriodThisMonth, now, s.a.loc), report.Filter{})
	if err != nil {
		t.Fatalf("ReportGeneral: %v", err)
	}
	if g.Totals.Overdue != 5 {
		t.Errorf("overdue = %d, want 5 (T2, T7, T8, T9, T10)", g.Totals.Overdue)
	}
	if got := staffRow(g.ByStaff, s.ivan).Counts.Overdue; got != 1 {
		t.Errorf("Ivan's overdue = %d, want 1 (T8)", got)
	}
}

func TestReportGeneralFilters(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	march := days(t, s.a, "2026-03-01", "2026-03-31")
	ctx := context.Background()

	t.Run("staff", func(t *testing.T) {
		g, err := db.ReportGeneral(ctx, s.a.id, march, report.Filter{StaffID: s.olga})
		if err != nil {
			t.Fatalf("ReportGeneral: %v", err)
		}
		if want := cnt(6, 5, 3, 2); g.Totals != want || g.CallsIn != 1 || g.CallsOut != 1 {
			t.Errorf("totals %+v calls %d/%d, want %+v calls 1/1", g.Totals, g.CallsIn, g.CallsOut, want)
		}
		checkStaff(t, g.ByStaff, []report.StaffRow{{StaffID: s.olga, Name: "Olga", Counts: cnt(6, 5, 3, 2), CallsIn: 1, CallsOut: 1}})
		checkResults(t, g.ByResult, []report.ResultRow{
			{ResultID: s.booked, Name: "Trial booked", Count: 3, Share: 0.5},
			{ResultID: s.bought, Name: "Bought", Count: 1, Share: 1.0 / 6},
			{ResultID: s.thinking, Name: "Thinking", Count: 1, Share: 1.0 / 6},
			{ResultID: s.ref, Name: "Refusal", Count: 1, Share: 1.0 / 6},
		})
		if len(g.Fields) != 2 || g.Fields[1].Answers != 1 || g.Fields[1].Values[1].Count != 1 || g.Fields[1].Values[0].Count != 0 {
			t.Errorf("Olga's reason tally = %+v, want 1 answer: schedule", g.Fields)
		}
	})

	t.Run("template", func(t *testing.T) {
		g, err := db.ReportGeneral(ctx, s.a.id, march, report.Filter{TemplateID: s.check})
		if err != nil {
			t.Fatalf("ReportGeneral: %v", err)
		}
		if want := cnt(3, 1, 1, 2); g.Totals != want || g.CallsIn+g.CallsOut != 0 {
			t.Errorf("totals %+v calls %d/%d, want %+v and no calls", g.Totals, g.CallsIn, g.CallsOut, want)
		}
		checkStaff(t, g.ByStaff, []report.StaffRow{
			{StaffID: s.ivan, Name: "Ivan"},
			{StaffID: s.olga, Name: "Olga", Counts: cnt(3, 1, 1, 2)},
			{StaffID: s.petro, Name: "Petro"},
		})
		checkTemplates(t, g.ByTemplate, []report.TemplateRow{{TemplateID: s.check, Name: "Check purchase", Type: domain.TypeClientTask, Counts: cnt(3, 1, 1, 2)}})
		checkTypes(t, g.ByType, []report.TypeRow{{Type: domain.TypeClientTask, Counts: cnt(3, 1, 1, 2)}})
		checkResults(t, g.ByResult, []report.ResultRow{{ResultID: s.booked, Name: "Trial booked", Count: 1, Share: 1}})
		checkFields(t, g.Fields, []report.FieldTally{
			{FieldID: s.directions, Name: "Directions", ResultName: "Trial booked", Multi: true, Answers: 1, Values: []report.ValueTally{
				{ValueID: s.yoga, Name: "Yoga", Count: 1, Share: 1},
				{ValueID: s.dance, Name: "Dance", Count: 1, Share: 1},
				{ValueID: s.swim, Name: "Swimming", Count: 0, Share: 0},
			}},
		})
	})

	t.Run("type", func(t *testing.T) {
		g, err := db.ReportGeneral(ctx, s.a.id, march, report.Filter{Type: domain.TypeInternal})
		if err != nil {
			t.Fatalf("ReportGeneral: %v", err)
		}
		if want := cnt(2, 1, 1, 0); g.Totals != want || g.CallsIn+g.CallsOut != 0 {
			t.Errorf("totals %+v calls %d/%d, want %+v and no calls", g.Totals, g.CallsIn, g.CallsOut, want)
		}
		checkStaff(t, g.ByStaff, []report.StaffRow{
			{StaffID: s.ivan, Name: "Ivan"}, {StaffID: s.olga, Name: "Olga"}, {StaffID: s.petro, Name: "Petro"},
			{StaffID: s.rita, Name: "Rita", Counts: cnt(1, 1, 0, 0)},
			{StaffID: 0, Counts: cnt(1, 0, 1, 0)},
		})
		checkTemplates(t, g.ByTemplate, []report.TemplateRow{{TemplateID: s.internal, Name: "Internal", Type: domain.TypeInternal, Counts: cnt(2, 1, 1, 0)}})
		checkTypes(t, g.ByType, []report.TypeRow{{Type: domain.TypeInternal, Counts: cnt(2, 1, 1, 0)}})
		checkResults(t, g.ByResult, []report.ResultRow{})
		checkFields(t, g.Fields, []report.FieldTally{})
	})

	t.Run("type and staff", func(t *testing.T) {
		g, err := db.ReportGeneral(ctx, s.a.id, march, report.Filter{StaffID: s.ivan, Type: domain.TypePersonalCall})
		if err != nil {
			t.Fatalf("ReportGeneral: %v", err)
		}
		if want := cnt(6, 3, 2, 0); g.Totals != want || g.CallsIn != 1 || g.CallsOut != 0 {
			t.Errorf("totals %+v calls %d/%d, want %+v calls 1/0 (C3 on T3)", g.Totals, g.CallsIn, g.CallsOut, want)
		}
		checkStaff(t, g.ByStaff, []report.StaffRow{{StaffID: s.ivan, Name: "Ivan", Counts: cnt(6, 3, 2, 0), CallsIn: 1}})
		checkTemplates(t, g.ByTemplate, []report.TemplateRow{
			{TemplateID: s.call, Name: "Call", Type: domain.TypePersonalCall, Counts: cnt(5, 2, 2, 0)},
			{TemplateID: s.old, Name: "Old promo", Type: domain.TypePersonalCall, Retired: true, Counts: cnt(1, 1, 0, 0)},
		})
		checkResults(t, g.ByResult, []report.ResultRow{
			{ResultID: s.thinking, Name: "Thinking", Count: 2, Share: 0.5},
			{ResultID: s.ref, Name: "Refusal", Count: 2, Share: 0.5},
		})
		checkFields(t, g.Fields, []report.FieldTally{
			{FieldID: s.reason, Name: "Reason", ResultName: "Refusal", Answers: 2, Values: []report.ValueTally{
				{ValueID: s.far, Name: "Too far", Count: 2, Share: 1},
				{ValueID: s.schedule, Name: "Schedule", Count: 0, Share: 0},
				{ValueID: s.other, Name: "Other", Count: 0, Share: 0},
			}},
		})
	})
}

// Club B's rows are never in A's figures (TestReportGeneralMarch proves
// that by its totals), and B's own report has only B's rows.
func TestReportGeneralOtherClub(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	g, err := db.ReportGeneral(context.Background(), s.b.id, days(t, s.b, "2026-03-01", "2026-03-31"), report.Filter{})
	if err != nil {
		t.Fatalf("ReportGeneral: %v", err)
	}
	if want := cnt(1, 1, 1, 0); g.Totals != want || g.CallsIn != 1 || g.CallsOut != 0 {
		t.Errorf("club B totals %+v calls %d/%d, want %+v calls 1/0", g.Totals, g.CallsIn, g.CallsOut, want)
	}
	checkStaff(t, g.ByStaff, []report.StaffRow{{StaffID: s.bob, Name: "Bob", Counts: cnt(1, 1, 1, 0), CallsIn: 1}})
	checkResults(t, g.ByResult, []report.ResultRow{{ResultID: s.bThinking, Name: "Thinking", Count: 1, Share: 1}})
	if len(g.Fields) != 1 || g.Fields[0].Answers != 1 || len(g.Fields[0].Values) != 1 {
		t.Errorf("club B fields = %+v, want its one reason answer", g.Fields)
	}
}

func TestReportGeneralRefusesBadInput(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	ctx := context.Background()
	march := days(t, s.a, "2026-03-01", "2026-03-31")
	tests := []struct {
		name string
		club int64
		r    report.Range
		f    report.Filter
		want error
	}{
		{"unknown club", 999999, march, report.Filter{}, domain.ErrNotFound},
		{"another club's staff", s.a.id, march, report.Filter{StaffID: s.bob}, domain.ErrNotFound},
		{"another club's template", s.a.id, march, report.Filter{TemplateID: s.bCall}, domain.ErrNotFound},
		{"forged staff id", s.a.id, march, report.Filter{StaffID: 1 << 40}, domain.ErrNotFound},
		{"negative template id", s.a.id, march, report.Filter{TemplateID: -1}, domain.ErrInvalid},
		{"unknown type", s.a.id, march, report.Filter{Type: "meeting"}, domain.ErrInvalid},
		{"zero range", s.a.id, report.Range{}, report.Filter{}, domain.ErrInvalid},
		{"inverted range", s.a.id, report.Range{From: march.To, To: march.From}, report.Filter{}, domain.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ReportGeneral(ctx, tc.club, tc.r, tc.f)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			_, err = db.ReportFunnel(ctx, tc.club, tc.r, tc.f)
			if !errors.Is(err, tc.want) {
				t.Fatalf("funnel error = %v, want %v", err, tc.want)
			}
		})
	}
}

func staffRow(rows []report.StaffRow, id int64) report.StaffRow {
	for _, r := range rows {
		if r.StaffID == id {
			return r
		}
	}
	return report.StaffRow{Name: fmt.Sprintf("(staff %d missing)", id)}
}

func checkStaff(t *testing.T, got, want []report.StaffRow) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by staff:\n got %+v\nwant %+v", got, want)
	}
}

func checkTemplates(t *testing.T, got, want []report.TemplateRow) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by template:\n got %+v\nwant %+v", got, want)
	}
}

func checkTypes(t *testing.T, got, want []report.TypeRow) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("by type:\n got %+v\nwant %+v", got, want)
	}
}

func checkResults(t *testing.T, got, want []report.ResultRow) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.ResultID == w.ResultID && g.Name == w.Name && g.Count == w.Count && repApprox(g.Share, w.Share)
	}
	if !ok {
		t.Errorf("by result:\n got %+v\nwant %+v", got, want)
	}
}

func checkFields(t *testing.T, got, want []report.FieldTally) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.FieldID == w.FieldID && g.Name == w.Name && g.ResultName == w.ResultName && g.Multi == w.Multi &&
			g.Answers == w.Answers && len(g.Values) == len(w.Values)
		for j := 0; ok && j < len(g.Values); j++ {
			gv, wv := g.Values[j], w.Values[j]
			ok = gv.ValueID == wv.ValueID && gv.Name == wv.Name && gv.Count == wv.Count && repApprox(gv.Share, wv.Share)
		}
	}
	if !ok {
		t.Errorf("fields:\n got %+v\nwant %+v", got, want)
	}
}

// Results crossed with who recorded them and with their task's template,
// counted by hand from generalSet's March: Olga thinking T1, trial_booked
// T2, T9, T16, bought T9, refusal T14; Ivan thinking T8, T17, refusal T13,
// T15. Templates: call thinking T1, T8, trial_booked T2, T9, bought T9,
// refusal T13-T15; check trial_booked T16; old (retired) thinking T17.
// Club B's result is not here.
func TestReportGeneralResultCells(t *testing.T) {
	t.Parallel()
	db, s := setupGeneral(t)
	g, err := db.ReportGeneral(context.Background(), s.a.id, days(t, s.a, "2026-03-01", "2026-03-31"), report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	cells := func(cs []report.ResultCell) string {
		out := ""
		for _, c := range cs {
			out += fmt.Sprintf("%s/%d:%d ", c.Name, c.ResultID, c.Count)
		}
		return out
	}
	// Within a row, results in plan order: trial_booked, bought, thinking, refusal.
	wantStaff := fmt.Sprintf("Ivan/%d:2 Ivan/%d:2 Olga/%d:3 Olga/%d:1 Olga/%d:1 Olga/%d:1 ", s.thinking, s.ref, s.booked, s.bought, s.thinking, s.ref)
	if got := cells(g.ResultsByStaff); got != wantStaff {
		t.Errorf("staff x result:\n got %s\nwant %s", got, wantStaff)
	}
	wantTemplates := fmt.Sprintf("Call/%d:2 Call/%d:1 Call/%d:2 Call/%d:3 Check purchase/%d:1 Old promo/%d:1 ", s.booked, s.bought, s.thinking, s.ref, s.booked, s.thinking)
	if got := cells(g.ResultsByTemplate); got != wantTemplates {
		t.Errorf("template x result:\n got %s\nwant %s", got, wantTemplates)
	}
}

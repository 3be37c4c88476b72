package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// funnelSet is the hand-built dataset of the funnel tests. Stages, in
// order: contact (thinking, callback), booked (trial_booked), attended
// (trial_attended), bought (bought); an archived stage "legacy" (legacy).
// Templates: inbound and outreach (personal calls), check (client task).
// Local times in Kyiv, March 2026 unless said otherwise; every result is on
// its own task, created just before it.
//
//	Anna   first task inbound 02-20. thinking 03-02 10:00 Olga, trial_booked 03-04 10:00 Olga,
//	       trial_attended 03-06 10:00 Ivan, bought 03-10 10:00 Ivan (on a check task).
//	Boris  first task outreach 03-01. thinking 03-03 10:00 Ivan, bought 03-08 10:00 Ivan
//	       (skips booked and attended).
//	Clara  first task inbound 03-01. trial_booked 03-05 10:00 Olga and again 03-07 10:00 Olga
//	       (skips contact; reaches booked twice).
//	Dmytro first task outreach 03-02. thinking 03-09 10:00 Ivan, callback 03-12 10:00 Ivan
//	       (contact twice).
//	Eva    first task check 02-20. trial_booked 02-25 Olga (before March), trial_attended
//	       03-31 23:50 Olga (on a check task; the last minutes of March).
//	Hanna  first task inbound 03-31. thinking 04-01 00:10 (after March in Kyiv, not in UTC).
//	Fedir  not_relevant 03-15 (a result in no stage).
//	Greta  legacy 03-15 (a result of an archived stage).
//
// Club B has the same stage keys and a client who buys in March.
type funnelSet struct {
	a, b                        *repClub
	olga, ivan                  int64
	inbound, outreach, check    int64
	contact, booked, attended   int64
	bought                      int64
	thinking, callback, bookedR int64
}

func newFunnelSet(t *testing.T, db *postgres.DB) funnelSet {
	t.Helper()
	s := funnelSet{a: repNewClub(t, db, "alpha"), b: repNewClub(t, db, "beta")}
	a := s.a
	s.olga = a.staff("Olga", "staff", true)
	s.ivan = a.staff("Ivan", "staff", true)
	s.inbound = a.template("inbound", "Inbound call", "personal_call", 0, false)
	s.outreach = a.template("outreach", "Outreach call", "personal_call", 1, false)
	s.check = a.template("check", "Check purchase", "client_task", 2, false)

	s.thinking = a.result("thinking", "Thinking", 0)
	s.callback = a.result("callback", "Call back", 1)
	s.bookedR = a.result("trial_booked", "Trial booked", 2)
	attendedR := a.result("trial_attended", "Trial attended", 3)
	boughtR := a.result("bought", "Bought", 4)
	notRelevant := a.result("not_relevant", "Not relevant", 5)
	legacy := a.result("legacy", "Legacy", 6)

	// Positions are deliberately not the insertion order: the plan's order wins.
	s.bought = a.stage("bought", "Bought", 40, false, boughtR)
	s.attended = a.stage("attended", "Trial attended", 30, false, attendedR)
	a.stage("legacy", "Legacy", 25, true, legacy)
	s.contact = a.stage("contact", "First contact", 10, false, s.thinking, s.callback)
	s.booked = a.stage("booked", "Trial booked", 20, false, s.bookedR)

	// result records result r for client c by staff st at local time at, on
	// a new task of template tmpl created an hour earlier.
	result := func(c, tmpl, r, st int64, created, at string) {
		typ := "personal_call"
		if tmpl == s.check {
			typ = "client_task"
		}
		task := a.task(repTask{template: tmpl, typ: typ, client: c, assignee: st, status: "done", created: created, done: at, result: r})
		a.taskResult(task, r, c, st, at)
	}
	first := func(c, tmpl int64, created string) { // the client's first task, still open
		typ := "personal_call"
		if tmpl == s.check {
			typ = "client_task"
		}
		a.task(repTask{template: tmpl, typ: typ, client: c, created: created})
	}

	anna := a.client("Anna")
	first(anna, s.inbound, "2026-02-20 10:00")
	result(anna, s.inbound, s.thinking, s.olga, "2026-03-02 09:00", "2026-03-02 10:00")
	result(anna, s.inbound, s.bookedR, s.olga, "2026-03-04 09:00", "2026-03-04 10:00")
	result(anna, s.outreach, attendedR, s.ivan, "2026-03-06 09:00", "2026-03-06 10:00")
	result(anna, s.check, boughtR, s.ivan, "2026-03-10 09:00", "2026-03-10 10:00")

	boris := a.client("Boris")
	first(boris, s.outreach, "2026-03-01 10:00")
	result(boris, s.outreach, s.thinking, s.ivan, "2026-03-03 09:00", "2026-03-03 10:00")
	result(boris, s.outreach, boughtR, s.ivan, "2026-03-08 09:00", "2026-03-08 10:00")

	clara := a.client("Clara")
	first(clara, s.inbound, "2026-03-01 11:00")
	result(clara, s.inbound, s.bookedR, s.olga, "2026-03-05 09:00", "2026-03-05 10:00")
	result(clara, s.inbound, s.bookedR, s.olga, "2026-03-07 09:00", "2026-03-07 10:00")

	dmytro := a.client("Dmytro")
	first(dmytro, s.outreach, "2026-03-02 10:00")
	result(dmytro, s.outreach, s.thinking, s.ivan, "2026-03-09 09:00", "2026-03-09 10:00")
	result(dmytro, s.outreach, s.callback, s.ivan, "2026-03-12 09:00", "2026-03-12 10:00")

	eva := a.client("Eva")
	first(eva, s.check, "2026-02-20 09:00")
	result(eva, s.inbound, s.bookedR, s.olga, "2026-02-25 09:00", "2026-02-25 10:00")
	result(eva, s.check, attendedR, s.olga, "2026-03-31 23:00", "2026-03-31 23:50")

	hanna := a.client("Hanna")
	first(hanna, s.inbound, "2026-03-31 10:00")
	result(hanna, s.inbound, s.thinking, s.olga, "2026-03-31 23:00", "2026-04-01 00:10")

	fedir := a.client("Fedir")
	result(fedir, s.inbound, notRelevant, s.olga, "2026-03-15 09:00", "2026-03-15 10:00")
	greta := a.client("Greta")
	result(greta, s.inbound, legacy, s.olga, "2026-03-15 09:00", "2026-03-15 10:00")

	b := s.b
	bob := b.staff("Bob", "staff", true)
	bCall := b.template("call", "Call", "personal_call", 0, false)
	bBought := b.result("bought", "Bought", 0)
	b.stage("contact", "First contact", 10, false)
	b.stage("bought", "Bought", 40, false, bBought)
	bk := b.client("Zoe")
	bt := b.task(repTask{template: bCall, typ: "personal_call", client: bk, assignee: bob, status: "done",
		created: "2026-03-10 09:00", done: "2026-03-10 10:00", result: bBought})
	b.taskResult(bt, bBought, bk, bob, "2026-03-10 10:00")
	return s
}

func setupFunnel(t *testing.T) (*postgres.DB, funnelSet) {
	t.Helper()
	db := pgtest.New(t, postgres.WithClock(clocktest.New(generalNow)))
	return db, newFunnelSet(t, db)
}

func fptr(v float64) *float64 { return &v }

func TestReportFunnelMarch(t *testing.T) {
	t.Parallel()
	db, s := setupFunnel(t)
	fn, err := db.ReportFunnel(context.Background(), s.a.id, days(t, s.a, "2026-03-01", "2026-03-31"), report.Filter{})
	if err != nil {
		t.Fatalf("ReportFunnel: %v", err)
	}
	// contact: Anna, Boris, Dmytro directly; Clara and Eva passed it on the
	// way to a later stage. booked: Anna, Clara directly; Boris, Eva passed.
	// attended: Anna, Eva directly; Boris passed. bought: Anna, Boris.
	// Medians, only over clients who passed both stages on different local
	// days (Clara and Eva passed contact and booked at the same moment, Boris
	// booked, attended and bought): contact→booked over Anna 2, Boris 5 =
	// 3.5; booked→attended over Anna 2; attended→bought over Anna 4.
	checkStages(t, fn.Stages, []report.Stage{
		{StageID: s.contact, Key: "contact", Name: "First contact", Clients: 5, Direct: 3, ConversionNext: 0.8, MedianDaysNext: fptr(3.5), MedianClients: 2},
		{StageID: s.booked, Key: "booked", Name: "Trial booked", Clients: 4, Direct: 2, ConversionNext: 0.75, MedianDaysNext: fptr(2), MedianClients: 1},
		{StageID: s.attended, Key: "attended", Name: "Trial attended", Clients: 3, Direct: 2, ConversionNext: 2.0 / 3, MedianDaysNext: fptr(4), MedianClients: 1},
		{StageID: s.bought, Key: "bought", Name: "Bought", Clients: 2, Direct: 2},
	})
	if !repApprox(fn.Conversion, 0.4) {
		t.Errorf("first→last conversion = %v, want 0.4", fn.Conversion)
	}
	// Owners (earliest funnel result in March): Anna, Clara, Eva → Olga; Boris, Dmytro → Ivan.
	checkSplits(t, "by staff", fn.ByStaff, []report.Split{
		{ID: s.olga, Name: "Olga", Clients: []int{3, 3, 2, 1}, Conversion: 1.0 / 3},
		{ID: s.ivan, Name: "Ivan", Clients: []int{2, 1, 1, 1}, Conversion: 0.5},
	})
	// First tasks: Anna, Clara inbound; Boris, Dmytro outreach; Eva check.
	checkSplits(t, "by template", fn.ByTemplate, []report.Split{
		{ID: s.inbound, Name: "Inbound call", Clients: []int{2, 2, 1, 1}, Conversion: 0.5},
		{ID: s.outreach, Name: "Outreach call", Clients: []int{2, 1, 1, 1}, Conversion: 0.5},
		{ID: s.check, Name: "Check purchase", Clients: []int{1, 1, 1, 0}, Conversion: 0},
	})
}

func TestReportFunnelFilters(t *testing.T) {
	t.Parallel()
	db, s := setupFunnel(t)
	march := days(t, s.a, "2026-03-01", "2026-03-31")
	ctx := context.Background()

	t.Run("staff", func(t *testing.T) {
		// Ivan's results only: Anna attended 03-06 and bought 03-10; Boris
		// thinking 03-03 and bought 03-08; Dmytro thinking and callback.
		// contact→booked: Anna 0 (left out), Boris 5 days; booked→attended:
		// 0, 0 (no median); attended→bought: Anna 4, Boris 0 (left out).
		fn, err := db.ReportFunnel(ctx, s.a.id, march, report.Filter{StaffID: s.ivan})
		if err != nil {
			t.Fatalf("ReportFunnel: %v", err)
		}
		checkStages(t, fn.Stages, []report.Stage{
			{StageID: s.contact, Key: "contact", Name: "First contact", Clients: 3, Direct: 2, ConversionNext: 2.0 / 3, MedianDaysNext: fptr(5), MedianClients: 1},
			{StageID: s.booked, Key: "booked", Name: "Trial booked", Clients: 2, Direct: 0, ConversionNext: 1},
			{StageID: s.attended, Key: "attended", Name: "Trial attended", Clients: 2, Direct: 1, ConversionNext: 1, MedianDaysNext: fptr(4), MedianClients: 1},
			{StageID: s.bought, Key: "bought", Name: "Bought", Clients: 2, Direct: 2},
		})
		checkSplits(t, "by staff", fn.ByStaff, []report.Split{{ID: s.ivan, Name: "Ivan", Clients: []int{3, 2, 2, 2}, Conversion: 2.0 / 3}})
	})

	t.Run("template", func(t *testing.T) {
		// Results on check tasks only: Anna bought 03-10 (Ivan), Eva attended 03-31 (Olga).
		fn, err := db.ReportFunnel(ctx, s.a.id, march, report.Filter{TemplateID: s.check})
		if err != nil {
			t.Fatalf("ReportFunnel: %v", err)
		}
		checkStages(t, fn.Stages, []report.Stage{
			{StageID: s.contact, Key: "contact", Name: "First contact", Clients: 2, Direct: 0, ConversionNext: 1},
			{StageID: s.booked, Key: "booked", Name: "Trial booked", Clients: 2, Direct: 0, ConversionNext: 1},
			{StageID: s.attended, Key: "attended", Name: "Trial attended", Clients: 2, Direct: 1, ConversionNext: 0.5},
			{StageID: s.bought, Key: "bought", Name: "Bought", Clients: 1, Direct: 1},
		})
		checkSplits(t, "by staff", fn.ByStaff, []report.Split{
			{ID: s.ivan, Name: "Ivan", Clients: []int{1, 1, 1, 1}, Conversion: 1},
			{ID: s.olga, Name: "Olga", Clients: []int{1, 1, 1, 0}, Conversion: 0},
		})
		checkSplits(t, "by template", fn.ByTemplate, []report.Split{
			{ID: s.check, Name: "Check purchase", Clients: []int{1, 1, 1, 0}, Conversion: 0},
			{ID: s.inbound, Name: "Inbound call", Clients: []int{1, 1, 1, 1}, Conversion: 1},
		})
	})

	t.Run("type", func(t *testing.T) {
		// Personal calls only: everything but Anna's purchase and Eva's attendance.
		fn, err := db.ReportFunnel(ctx, s.a.id, march, report.Filter{Type: domain.TypePersonalCall})
		if err != nil {
			t.Fatalf("ReportFunnel: %v", err)
		}
		got := []int{}
		direct := []int{}
		for _, st := range fn.Stages {
			got, direct = append(got, st.Clients), append(direct, st.Direct)
		}
		if fmtInts(got) != "[4 3 2 1]" || fmtInts(direct) != "[3 2 1 1]" {
			t.Errorf("clients %v direct %v, want [4 3 2 1] and [3 2 1 1]", got, direct)
		}
	})
}

func TestReportFunnelEmptyPeriod(t *testing.T) {
	t.Parallel()
	db, s := setupFunnel(t)
	fn, err := db.ReportFunnel(context.Background(), s.a.id, days(t, s.a, "2025-06-01", "2025-06-30"), report.Filter{})
	if err != nil {
		t.Fatalf("ReportFunnel: %v", err)
	}
	checkStages(t, fn.Stages, []report.Stage{
		{StageID: s.contact, Key: "contact", Name: "First contact"},
		{StageID: s.booked, Key: "booked", Name: "Trial booked"},
		{StageID: s.attended, Key: "attended", Name: "Trial attended"},
		{StageID: s.bought, Key: "bought", Name: "Bought"},
	})
	if fn.Conversion != 0 || fn.ByStaff == nil || len(fn.ByStaff) != 0 || fn.ByTemplate == nil || len(fn.ByTemplate) != 0 {
		t.Errorf("empty funnel: conversion %v, splits %v %v; want 0 and empty slices", fn.Conversion, fn.ByStaff, fn.ByTemplate)
	}
}

// Hanna's thinking at 00:10 on 1 April (21:10 UTC on 31 March) belongs to
// April; Eva's attendance at 23:50 on 31 March to March.
func TestReportFunnelLocalMidnight(t *testing.T) {
	t.Parallel()
	db, s := setupFunnel(t)
	ctx := context.Background()
	for _, tc := range []struct {
		day  string
		want string // clients per stage
	}{
		{"2026-03-31", "[1 1 1 0]"}, // Eva
		{"2026-04-01", "[1 0 0 0]"}, // Hanna
	} {
		fn, err := db.ReportFunnel(ctx, s.a.id, days(t, s.a, tc.day, tc.day), report.Filter{})
		if err != nil {
			t.Fatalf("ReportFunnel %s: %v", tc.day, err)
		}
		var got []int
		for _, st := range fn.Stages {
			got = append(got, st.Clients)
		}
		if fmtInts(got) != tc.want {
			t.Errorf("%s: clients %v, want %s", tc.day, got, tc.want)
		}
	}
}

// Club B's funnel has only its own client, and a club with no stages gets
// an empty funnel rather than an error.
func TestReportFunnelOtherClubAndNoStages(t *testing.T) {
	t.Parallel()
	db, s := setupFunnel(t)
	ctx := context.Background()
	march := days(t, s.a, "2026-03-01", "2026-03-31")
	fn, err := db.ReportFunnel(ctx, s.b.id, march, report.Filter{})
	if err != nil {
		t.Fatalf("ReportFunnel B: %v", err)
	}
	if len(fn.Stages) != 2 || fn.Stages[0].Clients != 1 || fn.Stages[0].Direct != 0 || fn.Stages[1].Clients != 1 || !repApprox(fn.Conversion, 1) {
		t.Errorf("club B funnel = %+v, want its one client at both stages", fn.Stages)
	}
	empty := repNewClub(t, db, "gamma")
	fn, err = db.ReportFunnel(ctx, empty.id, march, report.Filter{})
	if err != nil {
		t.Fatalf("ReportFunnel without stages: %v", err)
	}
	if len(fn.Stages) != 0 || len(fn.ByStaff) != 0 || fn.Conversion != 0 {
		t.Errorf("funnel without stages = %+v, want empty", fn)
	}
}

func fmtInts(v []int) string { return fmt.Sprint(v) }

func checkStages(t *testing.T, got, want []report.Stage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("stages: got %d, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		medianOK := (g.MedianDaysNext == nil) == (w.MedianDaysNext == nil) &&
			(g.MedianDaysNext == nil || repApprox(*g.MedianDaysNext, *w.MedianDaysNext))
		if g.StageID != w.StageID || g.Key != w.Key || g.Name != w.Name || g.Clients != w.Clients || g.Direct != w.Direct || g.MedianClients != w.MedianClients ||
			!repApprox(g.ConversionNext, w.ConversionNext) || !medianOK {
			t.Errorf("stage %d:\n got %+v (median %v)\nwant %+v (median %v)", i, g, deref(g.MedianDaysNext), w, deref(w.MedianDaysNext))
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func checkSplits(t *testing.T, what string, got, want []report.Split) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.ID == w.ID && g.Name == w.Name && fmtInts(g.Clients) == fmtInts(w.Clients) && repApprox(g.Conversion, w.Conversion)
	}
	if !ok {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

package postgres_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// TestReportGeneralMissedCalls builds missed calls, their call-back tasks
// and the results recorded on them by hand, on the day Kyiv moves its
// clocks forward (29 March 2026, 03:00 → 04:00), and checks the report's
// missed-call figures against the same figures computed here from those
// rows: calls at the period's edges, an answered call, a missed call that
// shares a task whose only result came before it, and another club's
// missed calls.
func TestReportGeneralMissedCalls(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	c := repNewClub(t, db, "missed")
	other := repNewClub(t, db, "missed-other")

	const targetMin = 30
	callBack := c.template("call_back", "Call back", "personal_call", 1, false)
	c.exec(`INSERT INTO phone_settings (club_id, provider, callback_template_id, callback_target_min) VALUES ($1, 'binotel', $2, $3)`,
		c.id, callBack, targetMin)
	anna, bohdan := c.staff("Anna", "staff", true), c.staff("Bohdan", "staff", true)
	client := c.client("Olena")
	res := c.result("reached", "Reached", 1)

	type result struct {
		staff int64
		at    string
	}
	type missed struct {
		at   string
		task int64 // its call-back task
	}
	// Three call-back tasks; t1 is shared by two missed calls.
	t1 := c.task(repTask{template: callBack, typ: "personal_call", client: client, assignee: anna, created: "2026-03-28 23:00"})
	t2 := c.task(repTask{template: callBack, typ: "personal_call", client: client, assignee: bohdan, created: "2026-03-29 02:50"})
	t3 := c.task(repTask{template: callBack, typ: "personal_call", client: client, assignee: anna, created: "2026-03-29 10:00"})
	t4 := c.task(repTask{template: callBack, typ: "personal_call", client: client, created: "2026-03-29 12:00"}) // unassigned
	results := map[int64][]result{
		t1: {{bohdan, "2026-03-29 00:20"}, {anna, "2026-03-29 00:40"}},
		t2: {{bohdan, "2026-03-29 04:10"}}, // 20 real minutes after 02:50: the clocks jumped
		t3: {{anna, "2026-03-29 11:00"}},
	}
	calls := []missed{
		{at: "2026-03-28 23:59", task: t1}, // the day before: out
		{at: "2026-03-29 00:00", task: t1}, // the first minute: in, called back at 00:20 by Bohdan
		{at: "2026-03-29 02:50", task: t2}, // across the clock change
		{at: "2026-03-29 10:00", task: t3}, // called back late (60 minutes)
		{at: "2026-03-29 12:00", task: t4}, // nobody's, never called back
		{at: "2026-03-29 23:59", task: t1}, // t1's results came before it: not called back, Anna's task
		{at: "2026-03-30 00:00", task: t3}, // the next day: out
	}
	for task, rs := range results {
		for _, r := range rs {
			c.taskResult(task, res, client, r.staff, r.at)
		}
	}
	for _, m := range calls {
		c.exec(`INSERT INTO calls (club_id, direction, client_id, task_id, called_at, missed) VALUES ($1, 'in', $2, $3, $4, true)`,
			c.id, client, m.task, c.at(m.at))
	}
	// Calls that are not missed calls of this club.
	c.call("in", client, anna, t3, "2026-03-29 10:05")
	c.call("out", client, anna, t3, "2026-03-29 11:00")
	oc := other.client("Other")
	ot := other.template("call_back", "Call back", "personal_call", 1, false)
	ostaff := other.staff("Other", "staff", true)
	otask := other.task(repTask{template: ot, typ: "personal_call", client: oc, assignee: ostaff, created: "2026-03-29 09:00"})
	other.exec(`INSERT INTO calls (club_id, direction, client_id, task_id, called_at, missed) VALUES ($1, 'in', $2, $3, $4, true)`,
		other.id, oc, otask, other.at("2026-03-29 09:00"))
	other.taskResult(otask, other.result("r", "R", 1), oc, ostaff, "2026-03-29 09:05")

	// The figures, computed from the rows above with Go's time arithmetic.
	assignee := map[int64]int64{t1: anna, t2: bohdan, t3: anna, t4: 0}
	from := time.Date(2026, 3, 29, 0, 0, 0, 0, c.loc)
	to := time.Date(2026, 3, 30, 0, 0, 0, 0, c.loc)
	type fig struct {
		staff int64
		back  *time.Duration
	}
	var figs []fig
	for _, m := range calls {
		at := c.at(m.at)
		if at.Before(from) || !at.Before(to) {
			continue
		}
		f := fig{staff: assignee[m.task]}
		var first *result
		for _, r := range results[m.task] {
			if !c.at(r.at).Before(at) && (first == nil || c.at(r.at).Before(c.at(first.at))) {
				first = &r
			}
		}
		if first != nil {
			d := c.at(first.at).Sub(at)
			f.staff, f.back = first.staff, &d
		}
		figs = append(figs, f)
	}
	want := func(keep func(fig) bool) report.MissedCounts {
		var w report.MissedCounts
		var mins []float64
		for _, f := range figs {
			if !keep(f) {
				continue
			}
			w.Missed++
			if f.back != nil {
				w.CalledBack++
				mins = append(mins, f.back.Minutes())
				if *f.back <= targetMin*time.Minute {
					w.InTarget++
				}
			}
		}
		if len(mins) > 0 {
			sort.Float64s(mins)
			med := mins[len(mins)/2]
			if len(mins)%2 == 0 {
				med = (mins[len(mins)/2-1] + mins[len(mins)/2]) / 2
			}
			w.MedianMinutes = &med
		}
		return w
	}
	same := func(what string, got, want report.MissedCounts) {
		t.Helper()
		eq := (got.MedianMinutes == nil) == (want.MedianMinutes == nil) && (got.MedianMinutes == nil || repApprox(*got.MedianMinutes, *want.MedianMinutes))
		if got.Missed != want.Missed || got.CalledBack != want.CalledBack || got.InTarget != want.InTarget || !eq {
			t.Errorf("%s: got %s, want %s", what, showMissed(got), showMissed(want))
		}
	}

	r := report.DayRange(report.Date{Year: 2026, Month: 3, Day: 29}, report.Date{Year: 2026, Month: 3, Day: 29}, c.loc)
	g, err := db.ReportGeneral(ctx, c.id, r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	all := want(func(fig) bool { return true })
	same("totals", g.Missed.Totals, all)
	// A sanity check of the computation itself: five missed calls in the
	// day, three called back (20, 20 and 60 minutes), two of them in time.
	if all.Missed != 5 || all.CalledBack != 3 || all.InTarget != 2 || *all.MedianMinutes != 20 {
		t.Fatalf("the expected figures are not what the rows say: %s", showMissed(all))
	}
	names := map[int64]string{anna: "Anna", bohdan: "Bohdan", 0: ""}
	if len(g.Missed.ByStaff) != 3 {
		t.Fatalf("by staff: %+v, want Anna, Bohdan and nobody", g.Missed.ByStaff)
	}
	for _, s := range g.Missed.ByStaff {
		if s.Name != names[s.ID] {
			t.Errorf("staff %d is named %q", s.ID, s.Name)
		}
		same("staff "+s.Name, s.Counts, want(func(f fig) bool { return f.staff == s.ID }))
	}
	// Filtered by a staff member: only the missed calls they called back or hold.
	g, err = db.ReportGeneral(ctx, c.id, r, report.Filter{StaffID: anna})
	if err != nil {
		t.Fatal(err)
	}
	same("filtered by Anna", g.Missed.Totals, want(func(f fig) bool { return f.staff == anna }))
	// Template and type filters select missed calls by their call-back task.
	elsewhere := c.template("check_in", "Check in", "client_task", 2, false)
	for _, fc := range []struct {
		name string
		f    report.Filter
		keep bool
	}{
		{"the call-back template", report.Filter{TemplateID: callBack}, true},
		{"the personal-call type", report.Filter{Type: domain.TypePersonalCall}, true},
		{"another template", report.Filter{TemplateID: elsewhere}, false},
		{"another type", report.Filter{Type: domain.TypeInternal}, false},
	} {
		g, err := db.ReportGeneral(ctx, c.id, r, fc.f)
		if err != nil {
			t.Fatalf("%s: %v", fc.name, err)
		}
		same("filtered by "+fc.name, g.Missed.Totals, want(func(fig) bool { return fc.keep }))
	}
	// Missed calls are still not calls made.
	if g, _ := db.ReportGeneral(ctx, c.id, r, report.Filter{}); g.CallsIn != 1 || g.CallsOut != 1 {
		t.Errorf("calls made: in %d out %d, want 1 and 1", g.CallsIn, g.CallsOut)
	}
	// The other club sees only its own missed call.
	og, err := db.ReportGeneral(ctx, other.id, report.DayRange(report.Date{Year: 2026, Month: 3, Day: 29}, report.Date{Year: 2026, Month: 3, Day: 29}, other.loc), report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if og.Missed.Totals.Missed != 1 || og.Missed.Totals.CalledBack != 1 || og.Missed.Totals.InTarget != 0 {
		t.Errorf("other club: %s, want 1 missed, 1 called back, none in target (it has no phone settings)", showMissed(og.Missed.Totals))
	}
}

func showMissed(c report.MissedCounts) string {
	m := "nil"
	if c.MedianMinutes != nil {
		m = time.Duration(*c.MedianMinutes * float64(time.Minute)).String()
	}
	return "missed " + itoa(int64(c.Missed)) + " called back " + itoa(int64(c.CalledBack)) + " in target " + itoa(int64(c.InTarget)) + " median " + m
}

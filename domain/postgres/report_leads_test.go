package postgres_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// TestReportGeneralLeads builds three leads whose response times the test
// chooses, and checks the report's lead figures against the same figures
// computed here from those choices.
func TestReportGeneralLeads(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clk := clocktest.New(t0)
	db := pgtest.New(t, postgres.WithClock(clk))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "rl")
	pgtest.Exec(t, db, `INSERT INTO lead_settings (club_id, template_id, assignee_role, response_target_min) VALUES ($1, $2, 'staff', 20)`,
		f.Club.ID, f.Templates["call"])

	type lead struct {
		source   string
		arrive   time.Duration // after t0
		answer   time.Duration // after arrival; 0: never
		taskID   int64
		staffID  int64 // who answers, or the assignee
		escalate bool
	}
	leads := []*lead{
		{source: "site", arrive: 0, answer: 5 * time.Minute},
		{source: "site", arrive: time.Minute, answer: 30 * time.Minute},
		{source: "fb", arrive: 2 * time.Minute},
	}
	for i, l := range leads {
		clk.Set(t0.Add(l.arrive))
		id := leadAdd(t, db, f.Club.ID, "r"+itoa(int64(i)), inbound.Lead{Name: "L", Phone: "+38066222000" + itoa(int64(i)), Source: l.source})
		res, err := db.LeadProcess(ctx, f.Club.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		l.taskID = res.TaskID
		l.staffID = assigneeOf(t, db, f.Club.ID, l.taskID).ID
	}
	// At 25 minutes the first two targets (20 minutes) have passed: the first
	// lead was answered at 5, the other two not yet.
	clk.Set(t0.Add(5 * time.Minute))
	if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: leads[0].taskID, ResultID: f.Results["thinking"], Actor: assigneeOf(t, db, f.Club.ID, leads[0].taskID)}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(25 * time.Minute))
	for _, l := range leads {
		esc, err := db.LeadEscalate(ctx, f.Club.ID, l.taskID)
		if err != nil {
			t.Fatal(err)
		}
		l.escalate = esc.Due
	}
	clk.Set(t0.Add(31 * time.Minute))
	if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: leads[1].taskID, ResultID: f.Results["thinking"], Actor: assigneeOf(t, db, f.Club.ID, leads[1].taskID)}); err != nil {
		t.Fatal(err)
	}

	// The figures, computed from the choices above.
	want := func(keep func(*lead) bool) report.LeadCounts {
		var c report.LeadCounts
		var mins []float64
		for _, l := range leads {
			if !keep(l) {
				continue
			}
			c.Leads++
			if l.escalate {
				c.Escalated++
			}
			if l.answer > 0 {
				c.Answered++
				mins = append(mins, l.answer.Minutes())
				if l.answer <= 20*time.Minute {
					c.InTarget++
				}
			}
		}
		if len(mins) > 0 {
			sum := 0.0
			for _, m := range mins {
				sum += m
			}
			avg := sum / float64(len(mins))
			med := mins[0]
			if len(mins) == 2 {
				med = (mins[0] + mins[1]) / 2
			}
			c.AvgMinutes, c.MedianMinutes = &avg, &med
		}
		return c
	}
	same := func(what string, got, want report.LeadCounts) {
		t.Helper()
		eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || abs(*a-*b) < 1e-9) }
		if got.Leads != want.Leads || got.Answered != want.Answered || got.InTarget != want.InTarget || got.Escalated != want.Escalated ||
			!eq(got.MedianMinutes, want.MedianMinutes) || !eq(got.AvgMinutes, want.AvgMinutes) {
			t.Errorf("%s: got %s, want %s", what, show(got), show(want))
		}
	}
	r := report.DayRange(report.Date{Year: 2026, Month: 3, Day: 2}, report.Date{Year: 2026, Month: 3, Day: 2}, time.UTC)
	g, err := db.ReportGeneral(ctx, f.Club.ID, r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	same("totals", g.Leads.Totals, want(func(*lead) bool { return true }))
	if len(g.Leads.BySource) != 2 || len(g.Leads.ByStaff) != 2 {
		t.Fatalf("splits: %+v", g.Leads)
	}
	for _, s := range g.Leads.BySource {
		same("source "+s.Key, s.Counts, want(func(l *lead) bool { return l.source == s.Key }))
	}
	for _, s := range g.Leads.ByStaff {
		if s.Name == "" {
			t.Errorf("staff %d has no name", s.ID)
		}
		same("staff "+s.Name, s.Counts, want(func(l *lead) bool { return l.staffID == s.ID }))
	}
	// Filtered by a staff member: only their leads.
	g, err = db.ReportGeneral(ctx, f.Club.ID, r, report.Filter{StaffID: leads[1].staffID})
	if err != nil {
		t.Fatal(err)
	}
	same("filtered", g.Leads.Totals, want(func(l *lead) bool { return l.staffID == leads[1].staffID }))
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func show(c report.LeadCounts) string {
	f := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return time.Duration(*p * float64(time.Minute)).String()
	}
	return "leads " + itoa(int64(c.Leads)) + " answered " + itoa(int64(c.Answered)) + " in target " + itoa(int64(c.InTarget)) +
		" escalated " + itoa(int64(c.Escalated)) + " median " + f(c.MedianMinutes) + " avg " + f(c.AvgMinutes)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

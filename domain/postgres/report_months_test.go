package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// Stored months must never change a report. Every report here is asked
// twice on the same database: from the store as it runs (stored months
// where usable, the rest raw) and from a handle made WithoutReportMonths,
// which reads every row (the oracle); the two must be equal, over any
// range and filter, after any change to the history, before the months
// are built again (the changed months are read raw) and after.
//
// The clubs hold a year of synthetic history up to about now, on the real
// clock: the builder stores months by the database's now().

// monthsClub is a club with a year of synthetic history.
type monthsClub struct {
	name    string
	club    domain.Club
	id      int64
	loc     *time.Location
	owner   domain.Staff
	staff   []int64 // by id; staff[0] is the owner
	filters []report.Filter
}

type monthsFixture struct {
	t      *testing.T
	ctx    context.Context
	clk    *clocktest.Clock
	db     *postgres.DB // reads stored months
	oracle *postgres.DB // reads every row
}

func newMonthsFixture(t *testing.T) *monthsFixture {
	t.Helper()
	clk := clocktest.New(time.Now())
	db := pgtest.New(t, postgres.WithClock(clk))
	oracle := postgres.New(db.Pool(), postgres.WithClock(clk), postgres.WithoutReportMonths())
	return &monthsFixture{t: t, ctx: context.Background(), clk: clk, db: db, oracle: oracle}
}

// fill makes a bare club in zone and fills it with a year of history
// ending ago before now.
func (f *monthsFixture) fill(name, zone string, tasks, clients int, seed int64, ago time.Duration) *monthsClub {
	f.t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		f.t.Fatalf("zone %s: %v", zone, err)
	}
	c := &monthsClub{name: name, loc: loc}
	c.club = pgtest.Club(f.t, f.db, pgtest.ClubOpts{Slug: name, Name: name, TimeZone: zone, Bare: true})
	c.id = c.club.ID
	in := postgres.SyntheticInput{ClubID: c.id, Tasks: tasks, Clients: clients, Staff: 5, Years: 1, Seed: seed, Now: f.clk.Now().Add(-ago)}
	if _, err := f.db.SyntheticFill(f.ctx, in); err != nil {
		f.t.Fatalf("fill %s: %v", name, err)
	}
	c.staff = f.ids(`SELECT id FROM staff WHERE club_id = $1 ORDER BY id`, c.id)
	if c.owner, err = f.db.StaffGet(f.ctx, c.id, c.staff[0]); err != nil || c.owner.Role != domain.RoleOwner {
		f.t.Fatalf("owner of %s: %+v, %v", name, c.owner, err)
	}
	firstCall := f.id(`SELECT id FROM templates WHERE club_id = $1 AND key = 'gen_first_call'`, c.id)
	c.filters = []report.Filter{
		{},
		{StaffID: c.staff[1]},
		{TemplateID: firstCall},
		{Type: domain.TypePersonalCall},
		{StaffID: c.staff[2], Type: domain.TypeClientTask},
	}
	// Some history the generator does not write: missed calls, and calls
	// logged without a task (from the phone, by nobody).
	f.exec(`
INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, called_at, missed)
SELECT club_id, CASE WHEN id % 3 = 0 THEN 'out' ELSE 'in' END, client_id,
       CASE WHEN id % 4 = 0 THEN NULL ELSE staff_id END, NULL, called_at + interval '7 hours', id % 3 = 1
FROM calls WHERE club_id = $1 AND id % 5 = 0`, c.id)
	return c
}

func (f *monthsFixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Pool().Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *monthsFixture) id(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Pool().QueryRow(f.ctx, sql, args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func (f *monthsFixture) ids(sql string, args ...any) []int64 {
	f.t.Helper()
	rows, err := f.db.Pool().Query(f.ctx, sql, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			f.t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// build stores the club's months as the daily job would.
// buildOnce is one ReportMonthsBuild: while a writer keeps changing stored
// periods, building until nothing is left would not end.
func (f *monthsFixture) buildOnce(c *monthsClub) int {
	f.t.Helper()
	n, err := f.db.ReportMonthsBuild(f.ctx, c.id)
	if err != nil {
		f.t.Fatalf("ReportMonthsBuild %s: %v", c.name, err)
	}
	return n
}

// build stores the club's months and days as the sweep would, a build at
// a time until one stores nothing, and returns how many it stored.
func (f *monthsFixture) build(c *monthsClub) int {
	f.t.Helper()
	total := 0
	for {
		n, err := f.db.ReportMonthsBuild(f.ctx, c.id)
		if err != nil {
			f.t.Fatalf("ReportMonthsBuild %s: %v", c.name, err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// month is the start of the local month k months before the current one.
func (f *monthsFixture) month(c *monthsClub, k int) time.Time {
	return monthDate(f.clk.Now(), c.loc, k).Start(c.loc)
}

func monthDate(now time.Time, loc *time.Location, k int) report.Date {
	today := report.DateOf(now.In(loc))
	return report.DateOf(time.Date(today.Year, today.Month-time.Month(k), 1, 12, 0, 0, 0, time.UTC))
}

type monthsRange struct {
	name string
	r    report.Range
}

// ranges are the periods people ask for, and custom ones cut anywhere.
func (f *monthsFixture) ranges(c *monthsClub) []monthsRange {
	now, loc := f.clk.Now(), c.loc
	today := report.DateOf(now.In(loc))
	month := func(k int) report.Date { return monthDate(now, loc, k) }
	day := func(d report.Date) report.Range { return report.DayRange(d, d, loc) }
	out := []monthsRange{
		{"last month", report.PeriodRange(report.PeriodLastMonth, now, loc)},
		{"last quarter", report.PeriodRange(report.PeriodLastQuarter, now, loc)},
		{"this year", report.PeriodRange(report.PeriodThisYear, now, loc)},
		{"last year", report.PeriodRange(report.PeriodLastYear, now, loc)},
		{"this month", report.PeriodRange(report.PeriodThisMonth, now, loc)},
		{"today", report.PeriodRange(report.PeriodToday, now, loc)},
		{"mid-month to mid-month", report.DayRange(month(7).AddDays(13), month(2).AddDays(16), loc)},
		{"12 whole months", report.DayRange(month(12), month(0).AddDays(-1), loc)},
		{"a year to today", report.DayRange(today.AddDays(-365), today, loc)},
		{"into this month", report.DayRange(month(4).AddDays(9), today.AddDays(3), loc)},
		{"one month exactly", report.DayRange(month(3), month(2).AddDays(-1), loc)},
		{"a day of a stored month", day(month(3).AddDays(14))},
	}
	// The days the clocks change, where a day is 23 or 25 hours.
	for _, d := range lastSundays(today.Year-1, today.Year) {
		if d.Before(today.AddDays(-360)) || !d.Before(today) {
			continue
		}
		out = append(out,
			monthsRange{"day " + d.String(), day(d)},
			monthsRange{"week around " + d.String(), report.DayRange(d.AddDays(-3), d.AddDays(3), loc)})
	}
	return out
}

// lastSundays are the last Sundays of March and October of the years: when
// Europe's clocks change.
func lastSundays(years ...int) []report.Date {
	var out []report.Date
	for _, y := range years {
		for _, m := range []time.Month{time.March, time.October} {
			d := time.Date(y, m, 31, 12, 0, 0, 0, time.UTC)
			for d.Weekday() != time.Sunday {
				d = d.AddDate(0, 0, -1)
			}
			out = append(out, report.DateOf(d))
		}
	}
	return out
}

// same asks both reports over every range and filter from the store and from
// the oracle, and reports every difference.
func (f *monthsFixture) same(c *monthsClub, ranges []monthsRange, filters []report.Filter) {
	f.t.Helper()
	for _, r := range ranges {
		for _, flt := range filters {
			got, err := f.db.ReportGeneral(f.ctx, c.id, r.r, flt)
			if err != nil {
				f.t.Fatalf("%s, %s: ReportGeneral: %v", c.name, r.name, err)
			}
			want, err := f.oracle.ReportGeneral(f.ctx, c.id, r.r, flt)
			if err != nil {
				f.t.Fatalf("%s, %s: oracle ReportGeneral: %v", c.name, r.name, err)
			}
			if d := structDiff(got, want); d != "" {
				f.t.Errorf("%s, %s, filter %+v: the general report read through stored months differs from reading every row:\n%s", c.name, r.name, flt, d)
			}
			gotF, err := f.db.ReportFunnel(f.ctx, c.id, r.r, flt)
			if err != nil {
				f.t.Fatalf("%s, %s: ReportFunnel: %v", c.name, r.name, err)
			}
			wantF, err := f.oracle.ReportFunnel(f.ctx, c.id, r.r, flt)
			if err != nil {
				f.t.Fatalf("%s, %s: oracle ReportFunnel: %v", c.name, r.name, err)
			}
			if d := funnelDiff(gotF, wantF); d != "" {
				f.t.Errorf("%s, %s, filter %+v: the funnel read through stored months differs from reading every row:\n%s", c.name, r.name, flt, d)
			}
		}
	}
}

// funnelDiff compares two funnels, the medians exactly: Go rounds each step
// of the days as PostgreSQL does (seconds as float8, then / 86400).
func funnelDiff(got, want report.Funnel) string {
	var b strings.Builder
	got.Stages = append([]report.Stage(nil), got.Stages...)
	want.Stages = append([]report.Stage(nil), want.Stages...)
	if len(got.Stages) == len(want.Stages) {
		for i := range got.Stages {
			g, w := got.Stages[i].MedianDaysNext, want.Stages[i].MedianDaysNext
			if (g == nil) != (w == nil) || (g != nil && *g != *w) {
				fmt.Fprintf(&b, "  stage %d: median days to the next %s, want %s\n", i+1, fmtDays(g), fmtDays(w))
			}
			got.Stages[i].MedianDaysNext, want.Stages[i].MedianDaysNext = nil, nil
		}
	}
	b.WriteString(structDiff(got, want))
	return b.String()
}

func fmtDays(d *float64) string {
	if d == nil {
		return "none"
	}
	return fmt.Sprintf("%.12f", *d)
}

// structDiff lists the fields of two structs of one type that differ, and
// of a slice the first rows that do.
func structDiff(got, want any) string {
	var b strings.Builder
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i), wv.Field(i)
		if reflect.DeepEqual(g.Interface(), w.Interface()) {
			continue
		}
		name := gv.Type().Field(i).Name
		if g.Kind() != reflect.Slice {
			fmt.Fprintf(&b, "  %s: %+v\n  want %+v\n", name, g.Interface(), w.Interface())
			continue
		}
		fmt.Fprintf(&b, "  %s: %d rows, want %d\n", name, g.Len(), w.Len())
		shown := 0
		for j := 0; j < max(g.Len(), w.Len()) && shown < 5; j++ {
			var ge, we any = "none", "none"
			if j < g.Len() {
				ge = g.Index(j).Interface()
			}
			if j < w.Len() {
				we = w.Index(j).Interface()
			}
			if !reflect.DeepEqual(ge, we) {
				fmt.Fprintf(&b, "    [%d] %+v\n    want %+v\n", j, ge, we)
				shown++
			}
		}
	}
	return b.String()
}

// storable is every whole local month of r the builder stores, and every
// whole day of r in the month still going: ended three days before the
// database's now, from the month of the club's oldest row.
func (f *monthsFixture) storable(c *monthsClub, r report.Range) []time.Time {
	f.t.Helper()
	var dbNow, oldest time.Time
	err := f.db.Pool().QueryRow(f.ctx, `
SELECT now(), least((SELECT min(created_at) FROM tasks WHERE club_id = $1),
                    (SELECT min(recorded_at) FROM task_results WHERE club_id = $1),
                    (SELECT min(called_at) FROM calls WHERE club_id = $1))`, c.id).Scan(&dbNow, &oldest)
	if err != nil {
		f.t.Fatalf("oldest row: %v", err)
	}
	d := report.DateOf(oldest.In(c.loc))
	first := report.Date{Year: d.Year, Month: d.Month, Day: 1}.Start(c.loc)
	horizon := dbNow.Add(-72 * time.Hour)
	h := report.DateOf(horizon.In(c.loc))
	going := report.Date{Year: h.Year, Month: h.Month, Day: 1}.Start(c.loc) // the month still going
	var out []time.Time
	for _, s := range report.Segments(r, c.loc) {
		if s.Month && !s.From.Before(first) && !s.To.After(horizon) {
			out = append(out, s.From)
			continue
		}
		for _, d := range report.Days(report.Segment{From: s.From, To: s.To}, c.loc) {
			if d.Day && !d.From.Before(going) && !d.To.After(horizon) {
				out = append(out, d.From)
			}
		}
	}
	return out
}

// plan is the stored months a report over r reads now.
func (f *monthsFixture) plan(c *monthsClub, r report.Range, funnel bool) []time.Time {
	f.t.Helper()
	months, err := f.db.ReportPlanMonths(f.ctx, c.id, r, funnel)
	if err != nil {
		f.t.Fatalf("plan: %v", err)
	}
	return months
}

func monthNames(loc *time.Location, ts []time.Time) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.In(loc).Format("2006-01-02"))
	}
	return "[" + strings.Join(s, " ") + "]"
}

// wantPlan checks which stored months reports over r read, the general
// report's and the funnel's.
func (f *monthsFixture) wantPlan(c *monthsClub, what string, r report.Range, general, funnel []time.Time) {
	f.t.Helper()
	if got, want := monthNames(c.loc, f.plan(c, r, false)), monthNames(c.loc, general); got != want {
		f.t.Errorf("%s: %s: the general report reads stored months %s, want %s", c.name, what, got, want)
	}
	if got, want := monthNames(c.loc, f.plan(c, r, true)), monthNames(c.loc, funnel); got != want {
		f.t.Errorf("%s: %s: the funnel reads stored months %s, want %s", c.name, what, got, want)
	}
}

// without is months less the ones in out.
func without(months []time.Time, out ...time.Time) []time.Time {
	var keep []time.Time
	for _, m := range months {
		drop := false
		for _, o := range out {
			drop = drop || m.Equal(o)
		}
		if !drop {
			keep = append(keep, m)
		}
	}
	return keep
}

// clean checks that no change is logged within a stored month: after a
// build, every month it stored is read from its figures.
func (f *monthsFixture) clean(c *monthsClub) {
	f.t.Helper()
	n := pgtest.Count(f.t, f.db, `
SELECT count(*) FROM report_dirty d
JOIN report_periods m ON m.club_id = d.club_id AND d.at >= m.period_start AND d.at < m.period_end
WHERE d.club_id = $1`, c.id)
	if n != 0 {
		f.t.Errorf("%s: %d changes logged in stored months after a build", c.name, n)
	}
}

// monthsOf is the stored periods the times fall in: the start of their
// local month, or of their local day in the month still going (going).
func monthsOf(loc *time.Location, going time.Time, ts ...time.Time) []time.Time {
	var out []time.Time
	seen := map[time.Time]bool{}
	for _, t := range ts {
		d := report.DateOf(t.In(loc))
		m := report.Date{Year: d.Year, Month: d.Month, Day: 1}.Start(loc)
		if !m.Before(going) {
			m = d.Start(loc)
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// going is the start of the club's month still going: the one of three
// days before the database's now, whose closed days are stored.
func (f *monthsFixture) going(c *monthsClub) time.Time {
	f.t.Helper()
	var dbNow time.Time
	if err := f.db.Pool().QueryRow(f.ctx, `SELECT now()`).Scan(&dbNow); err != nil {
		f.t.Fatalf("now: %v", err)
	}
	h := report.DateOf(dbNow.Add(-72 * time.Hour).In(c.loc))
	return report.Date{Year: h.Year, Month: h.Month, Day: 1}.Start(c.loc)
}

func (f *monthsFixture) times(sql string, args ...any) []time.Time {
	f.t.Helper()
	rows, err := f.db.Pool().Query(f.ctx, sql, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			f.t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, t)
	}
	return out
}

// change makes a change to the club's history and checks the reports: at
// once, with the months it touched read raw (dirty; none: a change that
// touches no stored figure, after which every month stays in use), and
// after the months are built again.
func (f *monthsFixture) change(c *monthsClub, name string, dirty []time.Time, apply func()) {
	f.t.Helper()
	ranges := f.ranges(c)
	year := ranges[7].r // 12 whole months
	all := f.storable(c, year)
	apply()
	f.wantPlan(c, name+", not built again", year, without(all, dirty...), without(all, dirty...))
	f.same(c, ranges, c.filters[:2])
	n := f.build(c)
	if want := len(all) - len(without(all, dirty...)); n < want {
		f.t.Errorf("%s: %s: built %d months, want at least %d", c.name, name, n, want)
	}
	f.same(c, ranges, c.filters[:2])
	f.clean(c)
	f.wantPlan(c, name+", built again", year, all, all)
}

func TestReportMonthsEqualRaw(t *testing.T) {
	t.Parallel()
	f := newMonthsFixture(t)
	kyiv := f.fill("kyiv", "Europe/Kyiv", 4000, 300, 11, 24*time.Hour)
	kath := f.fill("kathmandu", "Asia/Kathmandu", 1500, 120, 23, 5*24*time.Hour)
	for _, c := range []*monthsClub{kyiv, kath} {
		if n := f.build(c); n < 10 {
			t.Fatalf("%s: ReportMonthsBuild stored %d months of a year's history", c.name, n)
		}
		if n := f.build(c); n != 0 {
			t.Errorf("%s: a second build stored %d months, want none", c.name, n)
		}
		f.clean(c)
		// The long ranges read stored months, as many as there are.
		for _, r := range f.ranges(c) {
			f.wantPlan(c, r.name, r.r, f.storable(c, r.r), f.storable(c, r.r))
		}
		if len(f.storable(c, f.ranges(c)[7].r)) < 10 {
			t.Fatalf("%s: 12 whole months have %d stored", c.name, len(f.storable(c, f.ranges(c)[7].r)))
		}
		f.same(c, f.ranges(c), c.filters)
	}
	if t.Failed() {
		return
	}

	c := kyiv
	ctx := context.Background()
	field := func(result, key string) int64 {
		return f.id(`SELECT fl.id FROM result_fields fl JOIN results r ON r.club_id = fl.club_id AND r.id = fl.result_id
WHERE fl.club_id = $1 AND r.key = $2 AND fl.key = $3`, c.id, result, key)
	}
	values := func(field int64) []int64 {
		return f.ids(`SELECT dv.id FROM dictionary_values dv JOIN result_fields fl ON fl.club_id = dv.club_id AND fl.dictionary_id = dv.dictionary_id
WHERE fl.club_id = $1 AND fl.id = $2 ORDER BY dv.position`, c.id, field)
	}
	result := func(key string) int64 {
		return f.id(`SELECT id FROM results WHERE club_id = $1 AND key = $2`, c.id, key)
	}
	template := func(key string) int64 {
		return f.id(`SELECT id FROM templates WHERE club_id = $1 AND key = $2`, c.id, key)
	}
	// taskIn is the first live task (by id) matching cond whose column col
	// is in the stored months from 11 to 2 months back: a few hundred
	// tasks a month, so any kind of task is found whatever the date.
	taskIn := func(col string, cond string) int64 {
		return f.id(`SELECT id FROM tasks WHERE club_id = $1 AND `+col+` >= $2 AND `+col+` < $3 AND deleted_at IS NULL AND `+cond+` ORDER BY id LIMIT 1`,
			c.id, f.month(c, 11), f.month(c, 2))
	}
	timeOf := func(col string, task int64) time.Time {
		return f.times(`SELECT `+col+` FROM tasks WHERE id = $1`, task)[0]
	}
	clientResultMonths := func(client int64) []time.Time {
		return monthsOf(c.loc, f.going(c), f.times(`SELECT recorded_at FROM task_results WHERE club_id = $1 AND client_id = $2`, c.id, client)...)
	}
	// taskMonths is the months of the tasks' four times.
	taskMonths := func(ids ...int64) []time.Time {
		return monthsOf(c.loc, f.going(c), f.times(`SELECT t FROM tasks, unnest(ARRAY[created_at, done_at, cancelled_at, due_at]) t WHERE id = ANY($1) AND t IS NOT NULL`, ids)...)
	}

	task := taskIn("created_at", `task_type = 'personal_call' AND status = 'done'`)
	month := monthsOf(c.loc, f.going(c), timeOf("created_at", task))
	f.change(c, "a late result with answers, backdated into a stored month", month, func() {
		var client, staff int64
		if err := f.db.Pool().QueryRow(ctx, `SELECT client_id, assignee_id FROM tasks WHERE id = $1`, task).Scan(&client, &staff); err != nil {
			t.Fatal(err)
		}
		at := month[0].Add(20*24*time.Hour + 11*time.Hour)
		record := func(key string, at time.Time) int64 {
			return f.id(`INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, c.id, task, result(key), client, staff, at)
		}
		refusal := record("gen_refusal", at)
		reason := field("gen_refusal", "reason")
		f.exec(`INSERT INTO task_field_values (club_id, task_result_id, field_id, value_id) VALUES ($1, $2, $3, $4)`, c.id, refusal, reason, values(reason)[2])
		booked := record("gen_trial_booked", at.Add(time.Hour))
		dirs := field("gen_trial_booked", "directions")
		for _, v := range values(dirs)[1:3] {
			f.exec(`INSERT INTO task_field_values (club_id, task_result_id, field_id, value_id) VALUES ($1, $2, $3, $4)`, c.id, booked, dirs, v)
		}
		record("gen_bought", at.Add(5*24*time.Hour))
	})

	f.change(c, "an old open task cancelled now", nil, func() {
		task := taskIn("due_at", `task_type IN ('internal', 'client_task') AND status = 'new' AND assignee_id IS NOT NULL`)
		if _, err := f.db.TaskStatusSet(ctx, c.id, task, c.owner, domain.StatusCancelled); err != nil {
			t.Fatalf("cancel: %v", err)
		}
	})

	task = taskIn("due_at", `status IN ('new', 'in_progress') AND created_at < due_at - interval '1 hour'`)
	due := timeOf("due_at", task)
	f.change(c, "an old open task cancelled before its due time, backdated", monthsOf(c.loc, f.going(c), due, due.Add(-time.Hour)), func() {
		f.exec(`UPDATE tasks SET status = 'cancelled', cancelled_at = due_at - interval '1 hour' WHERE id = $1`, task)
	})

	f.change(c, "old overdue tasks closed now", nil, func() {
		task := taskIn("due_at", `task_type = 'personal_call' AND status = 'new' AND assignee_id IS NOT NULL`)
		if _, err := f.db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: c.id, TaskID: task, ResultID: result("gen_bought"), Actor: c.owner}); err != nil {
			t.Fatalf("record: %v", err)
		}
		task = taskIn("due_at", `task_type = 'internal' AND status IN ('new', 'in_progress') AND assignee_id IS NOT NULL`)
		if _, err := f.db.TaskStatusSet(ctx, c.id, task, c.owner, domain.StatusDone); err != nil {
			t.Fatalf("done: %v", err)
		}
	})

	task = taskIn("done_at", `task_type = 'internal' AND status = 'done' AND done_at <= due_at`)
	f.change(c, "an old task done in time reopened", monthsOf(c.loc, f.going(c), timeOf("done_at", task), timeOf("due_at", task)), func() {
		if _, err := f.db.TaskStatusSet(ctx, c.id, task, c.owner, domain.StatusInProgress); err != nil {
			t.Fatalf("reopen: %v", err)
		}
	})

	task = taskIn("created_at", `status = 'new' AND assignee_id IS NOT NULL AND assignee_id <> `+fmt.Sprint(c.staff[3]))
	f.change(c, "an old open task handed to someone else", taskMonths(task), func() {
		if _, err := f.db.TaskReassign(ctx, c.id, task, c.owner, c.staff[3]); err != nil {
			t.Fatalf("reassign: %v", err)
		}
	})

	task = taskIn("created_at", `status = 'done' AND client_id IS NULL AND done_at < due_at`)
	f.change(c, "an old task deleted", taskMonths(task), func() {
		if err := f.db.TaskDelete(ctx, c.id, task, c.owner); err != nil {
			t.Fatalf("delete: %v", err)
		}
	})

	// The client's first task decides the row they count in by template.
	firstTask := f.id(`
WITH f AS (
    SELECT id, client_id, template_id, created_at, row_number() OVER (PARTITION BY client_id ORDER BY created_at, id) AS n
    FROM tasks WHERE club_id = $1 AND client_id IS NOT NULL AND deleted_at IS NULL
)
SELECT a.id FROM f a JOIN f b ON b.client_id = a.client_id AND b.n = 2
WHERE a.n = 1 AND a.template_id <> b.template_id
  AND (SELECT count(DISTINCT date_trunc('month', tr.recorded_at)) FROM task_results tr
       WHERE tr.club_id = $1 AND tr.client_id = a.client_id AND tr.recorded_at >= $2 AND tr.recorded_at < $3) >= 2
ORDER BY a.id LIMIT 1`, c.id, f.month(c, 10), f.month(c, 2))
	client := f.id(`SELECT client_id FROM tasks WHERE id = $1`, firstTask)
	before, err := f.oracle.ReportFunnel(ctx, c.id, f.ranges(c)[7].r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	f.change(c, "the first task of a client with funnel results deleted", append(clientResultMonths(client), taskMonths(firstTask)...), func() {
		if err := f.db.TaskDelete(ctx, c.id, firstTask, c.owner); err != nil {
			t.Fatalf("delete: %v", err)
		}
	})
	after, err := f.oracle.ReportFunnel(ctx, c.id, f.ranges(c)[7].r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(before.ByTemplate, after.ByTemplate) {
		t.Errorf("deleting client %d's first task did not move them to another template: the case proves nothing", client)
	}

	// A client whose only live task is new: their stored months count them
	// under its template; deleting it must take them out of it.
	client = f.id(`SELECT client_id FROM task_results WHERE club_id = $1 AND recorded_at >= $2 AND recorded_at < $3 AND client_id <> $4 ORDER BY id LIMIT 1`,
		c.id, f.month(c, 9), f.month(c, 8), client)
	fresh := pgtest.Task(t, f.db, c.club, pgtest.TaskOpts{Template: template("gen_lapsed"), Client: client, Author: c.owner.ID, Assignee: c.staff[1]})
	old := f.ids(`SELECT id FROM tasks WHERE club_id = $1 AND client_id = $2 AND id <> $3 AND deleted_at IS NULL`, c.id, client, fresh.ID)
	f.change(c, "every old task of a client deleted but one created now", append(clientResultMonths(client), taskMonths(old...)...), func() {
		for _, id := range old {
			if err := f.db.TaskDelete(ctx, c.id, id, c.owner); err != nil {
				t.Fatalf("delete: %v", err)
			}
		}
	})
	f.change(c, "the client's only task, created now, deleted", clientResultMonths(client), func() {
		if err := f.db.TaskDelete(ctx, c.id, fresh.ID, c.owner); err != nil {
			t.Fatalf("delete: %v", err)
		}
	})

	f.change(c, "a task created now for a client who has no other", clientResultMonths(client), func() {
		pgtest.Task(t, f.db, c.club, pgtest.TaskOpts{Template: template("gen_check_purchase"), Client: client, Author: c.owner.ID})
	})
	f.change(c, "the deleted task, created before it, restored", clientResultMonths(client), func() {
		f.exec(`UPDATE tasks SET deleted_at = NULL WHERE id = $1`, fresh.ID)
	})

	out := taskIn("due_at", `status = 'new'`)
	f.change(c, "due times moved into and out of a stored month", monthsOf(c.loc, f.going(c), f.month(c, 8), timeOf("due_at", out)), func() {
		into := f.id(`SELECT id FROM tasks WHERE club_id = $1 AND due_at IS NULL AND status = 'new' AND deleted_at IS NULL ORDER BY id LIMIT 1`, c.id)
		f.exec(`UPDATE tasks SET due_at = $2 WHERE id = $1`, into, f.month(c, 8).Add(10*24*time.Hour))
		f.exec(`UPDATE tasks SET due_at = now() + interval '1 day' WHERE id = $1`, out)
	})

	f.change(c, "calls logged late, missed and answered, with and without a task", []time.Time{f.month(c, 9)}, func() {
		task := f.id(`SELECT id FROM tasks WHERE club_id = $1 AND task_type = 'personal_call' ORDER BY id LIMIT 1`, c.id)
		at := f.month(c, 9).Add(5*24*time.Hour + 9*time.Hour)
		f.exec(`
INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, called_at, missed)
SELECT club_id, d, client_id, s, t, $2, m
FROM tasks k CROSS JOIN LATERAL (VALUES ('in', NULL::bigint, NULL::bigint, true), ('in', $3::bigint, k.id, false),
                                        ('out', $3::bigint, NULL, false), ('out', NULL, k.id, false)) v(d, s, t, m)
WHERE k.id = $1`, task, at, c.staff[2])
	})

	// A task imported with an old time becomes the client's first.
	client = f.id(`SELECT client_id FROM task_results WHERE club_id = $1 AND recorded_at >= $2 AND recorded_at < $3 ORDER BY id DESC LIMIT 1`,
		c.id, f.month(c, 6), f.month(c, 5))
	f.change(c, "a task inserted with old times", append(clientResultMonths(client), f.month(c, 10)), func() {
		at := f.month(c, 10).Add(2 * 24 * time.Hour)
		f.exec(`
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, author_id, assignee_id, status, result_id, due_at, created_at, updated_at, taken_at, done_at)
VALUES ($1, 'client_task', $2, 'imported', $3, $4, $5, 'done', $7, $6::timestamptz + interval '1 day', $6, $6, $6, $6::timestamptz + interval '2 hours')`,
			c.id, template("gen_send_info"), client, c.staff[0], c.staff[4], at, result("gen_info_sent"))
	})

	// The funnel's stages change: the stored walks are of the old stages,
	// so the funnel reads every row until the months are built again; the
	// general figures stay in use.
	year := f.ranges(c)[7].r
	all := f.storable(c, year)
	f.exec(`UPDATE funnel_stages SET archived_at = now() WHERE club_id = $1 AND key = 'gen_attended'`, c.id)
	f.wantPlan(c, "a stage archived", year, all, nil)
	f.same(c, f.ranges(c), c.filters[:1])
	if n := f.build(c); n < len(all) {
		t.Errorf("after a stage was archived the build stored %d months, want all %d", n, len(all))
	}
	f.wantPlan(c, "a stage archived, built again", year, all, all)
	f.same(c, f.ranges(c), c.filters[:1])

	f.exec(`UPDATE funnel_stage_results SET stage_id = (SELECT id FROM funnel_stages WHERE club_id = $1 AND key = 'gen_booked')
WHERE club_id = $1 AND result_id = $2`, c.id, result("gen_going_to_buy"))
	f.wantPlan(c, "a result moved to another stage", year, all, nil)
	f.same(c, f.ranges(c), c.filters[:1])
	f.build(c)
	f.wantPlan(c, "a result moved to another stage, built again", year, all, all)
	f.same(c, f.ranges(c), c.filters[:1])

	// The club moves to another zone: its months are other instants, none
	// stored, until built again.
	f.exec(`UPDATE clubs SET time_zone = 'Europe/Warsaw' WHERE id = $1`, c.id)
	if c.loc, err = time.LoadLocation("Europe/Warsaw"); err != nil {
		t.Fatal(err)
	}
	year = f.ranges(c)[7].r
	all = f.storable(c, year)
	f.wantPlan(c, "the club moved to Warsaw", year, nil, nil)
	f.same(c, f.ranges(c), c.filters[:2])
	if n := f.build(c); n < len(all) {
		t.Errorf("after the zone changed the build stored %d months, want all %d", n, len(all))
	}
	f.wantPlan(c, "the club moved to Warsaw, built again", year, all, all)
	f.same(c, f.ranges(c), c.filters)
	f.clean(c)

	// Nothing of it reached the other club.
	f.clean(kath)
	for _, r := range f.ranges(kath) {
		f.wantPlan(kath, r.name+", at the end", r.r, f.storable(kath, r.r), f.storable(kath, r.r))
	}
	f.same(kath, f.ranges(kath), kath.filters[:2])
}

// Results keep arriving backdated into stored months while the months are
// built again and again: a result the builder did not see must leave its
// month dirty, so after a last build every report equals the raw one.
func TestReportMonthsBuildWhileWriting(t *testing.T) {
	t.Parallel()
	f := newMonthsFixture(t)
	c := f.fill("busy", "Europe/Kyiv", 2000, 150, 5, 24*time.Hour)
	if n := f.build(c); n < 10 {
		t.Fatalf("ReportMonthsBuild stored %d months of a year's history", n)
	}
	refusal := f.id(`SELECT id FROM results WHERE club_id = $1 AND key = 'gen_refusal'`, c.id)
	reason := f.id(`SELECT fl.id FROM result_fields fl WHERE fl.club_id = $1 AND fl.result_id = $2`, c.id, refusal)
	value := f.id(`SELECT dv.id FROM dictionary_values dv JOIN result_fields fl ON fl.club_id = dv.club_id AND fl.dictionary_id = dv.dictionary_id
WHERE fl.id = $1 ORDER BY dv.position LIMIT 1`, reason)
	tasks := f.ids(`SELECT id FROM tasks WHERE club_id = $1 AND task_type = 'personal_call' AND status = 'done' ORDER BY id LIMIT 50`, c.id)
	months := []time.Time{f.month(c, 2), f.month(c, 3), f.month(c, 4)}

	ctx, stop := context.WithCancel(f.ctx)
	defer stop()
	written := make(chan int, 1)
	errs := make(chan error, 1)
	go func() {
		n := 0
		defer func() { written <- n }()
		for i := 0; ctx.Err() == nil; i++ {
			// Each result and its answer in one transaction that stays
			// open a moment, so some commit after a builder took its
			// snapshot.
			at := months[i%len(months)].Add(time.Duration(i%20)*24*time.Hour + time.Duration(i%7)*time.Hour)
			err := pgx.BeginFunc(f.ctx, f.db.Pool(), func(tx pgx.Tx) error {
				var id int64
				if err := tx.QueryRow(f.ctx, `
INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
SELECT club_id, id, $2, client_id, assignee_id, $3 FROM tasks WHERE id = $1 RETURNING id`, tasks[i%len(tasks)], refusal, at).Scan(&id); err != nil {
					return err
				}
				time.Sleep(time.Duration(i%4) * time.Millisecond)
				_, err := tx.Exec(f.ctx, `INSERT INTO task_field_values (club_id, task_result_id, field_id, value_id) VALUES ($1, $2, $3, $4)`, c.id, id, reason, value)
				return err
			})
			if err != nil {
				errs <- err
				return
			}
			n++
		}
	}()
	rebuilt := 0
	for range 6 {
		time.Sleep(30 * time.Millisecond)
		rebuilt += f.buildOnce(c)
	}
	stop()
	if n := <-written; n < 20 {
		t.Errorf("the writer wrote %d results during the builds", n)
	}
	select {
	case err := <-errs:
		t.Fatalf("writer: %v", err)
	default:
	}
	if rebuilt == 0 {
		t.Error("no build stored a month the writer changed")
	}
	f.build(c)
	f.clean(c)
	ranges := f.ranges(c)
	f.wantPlan(c, "after the writes", ranges[7].r, f.storable(c, ranges[7].r), f.storable(c, ranges[7].r))
	f.same(c, ranges, c.filters[:2])
}

// Behind PgBouncer in transaction mode the database URL asks for the simple
// protocol, under which results come back as text: the stored funnel walks
// are read all the same.
func TestStoredFunnelOverTheSimpleProtocol(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	clk := clocktest.New(time.Now())
	db, err := postgres.Open(context.Background(), url+sep+"default_query_exec_mode=simple_protocol", postgres.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	oracle := postgres.New(db.Pool(), postgres.WithClock(clk), postgres.WithoutReportMonths())
	f := &monthsFixture{t: t, ctx: context.Background(), clk: clk, db: db, oracle: oracle}
	c := f.fill("simple", "Europe/Kyiv", 1500, 150, 31, 24*time.Hour)
	if n := f.build(c); n < 10 {
		t.Fatalf("stored %d periods of a year's history", n)
	}
	r := report.Range{From: f.month(c, 12), To: f.month(c, 1)}
	if len(f.plan(c, r, true)) == 0 {
		t.Fatal("the funnel over the year reads no stored month")
	}
	got, err := db.ReportFunnel(f.ctx, c.id, r, report.Filter{})
	if err != nil {
		t.Fatalf("funnel over stored months, simple protocol: %v", err)
	}
	want, err := oracle.ReportFunnel(f.ctx, c.id, r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := funnelDiff(got, want); d != "" {
		t.Errorf("the funnel read through stored months differs from reading every row:\n%s", d)
	}
	g, err := db.ReportGeneral(f.ctx, c.id, r, report.Filter{})
	if err != nil {
		t.Fatalf("general report over stored months, simple protocol: %v", err)
	}
	gw, err := oracle.ReportGeneral(f.ctx, c.id, r, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := structDiff(g, gw); d != "" {
		t.Errorf("the general report read through stored months differs from reading every row:\n%s", d)
	}
}

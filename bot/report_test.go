package bot

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
)

// reportSetup gives the harness's club a day of work (testNow, 26 Nov 2026
// in Kyiv): Staff alpha closed two calls (Thinking for Олена Петренко,
// Bought for Ivan Sirko); Colleague alpha has one open call two hours
// overdue. The funnel has two stages: contact (Thinking) and bought.
func reportSetup(t *testing.T) *harness {
	t.Helper()
	h := setup(t)
	ctx := context.Background()
	for i, res := range []string{"thinking", "bought"} {
		task := h.task(postgres.TaskCreateInput{ClientID: h.f.Clients[i], AssigneeID: h.f.Staff.ID, DueAt: at(24 * time.Hour)})
		if _, err := h.db.ResultRecord(ctx, postgres.ResultRecordInput{
			ClubID: h.f.Club.ID, TaskID: task.ID, ResultID: h.f.Results[res], Actor: h.f.Staff,
		}); err != nil {
			t.Fatalf("record %s: %v", res, err)
		}
	}
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Colleague.ID, DueAt: at(-2 * time.Hour)})
	for i, st := range []struct{ key, result string }{{"contact", "thinking"}, {"bought", "bought"}} {
		pgtest.Exec(t, h.db, `
WITH s AS (INSERT INTO funnel_stages (club_id, key, name, position) VALUES ($1, $2, $3, $4) RETURNING id)
INSERT INTO funnel_stage_results (club_id, stage_id, result_id) SELECT $1, s.id, $5 FROM s`,
			h.f.Club.ID, st.key, "Stage "+st.key, i, h.f.Results[st.result])
	}
	return h
}

func TestReportInTheBot(t *testing.T) {
	t.Parallel()
	h := reportSetup(t)

	h.say(h.manager, "/report")
	panel := h.last(h.manager)
	expect(t, "this month", panel.Text, "📊 CRM report", "Nov 1, 2026 – Nov 30, 2026",
		// Compared with October, which had nothing.
		"Tasks: created 3 (—) · done 2 (—) · overdue 1 (—) · cancelled 0 (—)", "Calls made: incoming 0 (—) · outgoing 2 (—) (personal calls closed with a result, /call)",
		"Arrows: change from Oct 1, 2026 – Oct 31, 2026",
		"Staff alpha — 2 / 2 / 0 / 0 / 2", "Colleague alpha — 1 / 0 / 1 / 0 / 0",
		"By template (created / done / overdue / cancelled)", "By type (created / done / overdue / cancelled)", "Personal call — 3 / 2 / 1 / 0",
		"Result thinking — 1 (50%)", "Result bought — 1 (50%)")
	if !h.hasButton(h.manager, "• This month") {
		t.Fatalf("the shown period is not marked: %v", panel.Buttons())
	}

	h.tap(h.manager, "Yesterday")
	expect(t, "yesterday", h.lastText(h.manager), "Nov 25, 2026", "Nothing happened in this period.")
	h.tap(h.manager, "This year")
	expect(t, "this year", h.lastText(h.manager), "Jan 1, 2026 – Dec 31, 2026", "Tasks: created 3 (—) · done 2 (—)")
	h.tap(h.manager, "Last quarter")
	expect(t, "last quarter", h.lastText(h.manager), "Jul 1, 2026 – Sep 30, 2026", "Nothing happened in this period.")
	h.tap(h.manager, "Today")
	expect(t, "today", h.lastText(h.manager), "Nov 26, 2026", "Tasks: created 3 (—) · done 2 (—)")

	// Filters: a staff member, then a type on top.
	h.tap(h.manager, "👤 All staff")
	expect(t, "staff picker", h.lastText(h.manager), "Whose work to show?")
	h.tap(h.manager, "Staff alpha")
	expect(t, "staff filter", h.lastText(h.manager), "Filter: Staff alpha", "Tasks: created 2 (—) · done 2 (—) · overdue 0 (—)")
	expectNot(t, "staff filter", h.lastText(h.manager), "Colleague alpha")
	h.tap(h.manager, "🏷 All types")
	h.tap(h.manager, "Internal task")
	expect(t, "type filter", h.lastText(h.manager), "Filter: Staff alpha · Internal task", "Nothing happened")
	h.tap(h.manager, "🏷 Internal task")
	h.tap(h.manager, "All")
	if h.last(h.manager).ID != panel.ID {
		t.Fatal("the report did not stay in one message")
	}

	// The chart: a 1000x600 PNG in a new message.
	h.tap(h.manager, "📊 Chart")
	photo := h.last(h.manager)
	if photo.Photo == nil || photo.ID == panel.ID {
		t.Fatalf("no chart sent: %+v", photo)
	}
	img, err := png.Decode(bytes.NewReader(photo.Photo.Bytes))
	if err != nil || img.Bounds().Dx() != 1000 || img.Bounds().Dy() != 600 {
		t.Fatalf("chart: %v %v", err, img)
	}
	// The staff filter is still on: the caption and the file name say so.
	expect(t, "chart caption", photo.Text, "CRM report · Nov 26, 2026 · Staff alpha")
	if want := fmt.Sprintf("report-2026-11-26-2026-11-26-staff%d.png", h.f.Staff.ID); photo.Photo.Name != want {
		t.Errorf("chart file %q, want %q", photo.Photo.Name, want)
	}

	// The workbook, in the manager's language, named and headed by the filter.
	h.tap(h.manager, "📄 Excel")
	doc := h.last(h.manager).Document
	if want := fmt.Sprintf("report-2026-11-26-2026-11-26-staff%d.xlsx", h.f.Staff.ID); doc == nil || doc.Name != want {
		t.Fatalf("no workbook %s sent: %+v", want, h.last(h.manager))
	}
	expect(t, "workbook caption", h.last(h.manager).Text, "Staff alpha")
	f, err := excelize.OpenReader(bytes.NewReader(doc.Bytes))
	if err != nil {
		t.Fatalf("workbook: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("By staff", "A1"); v != "Staff member" {
		t.Fatalf("workbook staff sheet A1 = %q", v)
	}
	if a, _ := f.GetCellValue("Summary", "A5"); a != "Staff member" {
		t.Fatalf("workbook summary does not name the filter: A5 = %q", a)
	}
	if v, _ := f.GetCellValue("Summary", "B5"); v != "Staff alpha" {
		t.Fatalf("workbook filter = %q, want Staff alpha", v)
	}
	if v, _ := f.GetCellValue("Summary", "B6"); v != "2" { // created, with the staff filter
		t.Fatalf("workbook created = %q, want 2", v)
	}
	h.noUnanswered()
}

func TestReportDatesInTheBot(t *testing.T) {
	t.Parallel()
	h := reportSetup(t)
	h.say(h.manager, "/report 2026-11-20 2026-11-26")
	expect(t, "custom", h.lastText(h.manager), "Nov 20, 2026 – Nov 26, 2026", "Tasks: created 3")
	h.say(h.manager, "/report 2026-11-26 2026-11-20")
	expect(t, "inverted", h.lastText(h.manager), h.text("bot.err.range_inverted", nil))
	h.say(h.manager, "/report yesterday")
	expect(t, "not dates", h.lastText(h.manager), h.text("report.err.dates", nil))
	h.say(h.manager, "/report 2026-02-30 2026-03-01")
	expect(t, "bad date", h.lastText(h.manager), h.text("report.err.dates", nil))
	h.say(h.manager, "/report 2020-01-01 2026-11-26")
	expect(t, "too long", h.lastText(h.manager), "The period is too long")
}

func TestFunnelInTheBot(t *testing.T) {
	t.Parallel()
	h := reportSetup(t)
	h.say(h.manager, "/funnel")
	// Олена reached contact; Ivan bought without a contact result, so he
	// passed contact on the way (2 clients there, 1 of them directly).
	// October had nothing: no percentage to compare with.
	expect(t, "funnel", h.lastText(h.manager), "🔻 Sales funnel", "Stage contact — 2 (—) · directly: 1",
		"Stage bought — 1 (—) (50% of the previous)", "From the first stage to the last: 50% (—)",
		"Arrows: change from Oct 1, 2026 – Oct 31, 2026",
		// The cohort: both clients were first contacted this month; Олена
		// stopped at contact.
		"Clients first contacted in this period: 2 (—)", "Stage contact — 2 (—) (within 30 d: 2) · stopped: 1",
		"Stage bought — 1 (—) (within 30 d: 1)")
	h.tap(h.manager, "📊 Chart")
	if p := h.last(h.manager).Photo; p == nil || !strings.HasPrefix(p.Name, "funnel-2026-11-01-2026-11-30") {
		t.Fatalf("no funnel chart: %+v", h.last(h.manager))
	}
	h.tap(h.manager, "📄 Excel")
	if d := h.last(h.manager).Document; d == nil || d.Name != "funnel-2026-11-01-2026-11-30.xlsx" {
		t.Fatalf("no funnel workbook: %+v", h.last(h.manager))
	}
	// A period with nothing: no chart, a toast instead.
	h.tap(h.manager, "Last month")
	before := h.sentCount(h.manager)
	h.tap(h.manager, "📊 Chart")
	if h.sentCount(h.manager) != before || h.lastAnswer() != h.text("report.chart.empty", nil) {
		t.Fatalf("empty funnel chart: %d messages, answer %q", h.sentCount(h.manager)-before, h.lastAnswer())
	}

	// Олена had a first call in October too: November compares with one
	// contact and a conversion of 0% there.
	h.clock.Set(testNow.AddDate(0, -1, 0))
	task := h.task(postgres.TaskCreateInput{ClientID: h.f.Clients[0], AssigneeID: h.f.Staff.ID, DueAt: at(-31 * 24 * time.Hour)})
	if _, err := h.db.ResultRecord(context.Background(), postgres.ResultRecordInput{
		ClubID: h.f.Club.ID, TaskID: task.ID, ResultID: h.f.Results["thinking"], Actor: h.f.Staff,
	}); err != nil {
		t.Fatalf("record in October: %v", err)
	}
	h.clock.Set(testNow)
	h.say(h.manager, "/funnel")
	expect(t, "funnel compared", h.lastText(h.manager), "Stage contact — 2 (↑100%) · directly: 1",
		"Stage bought — 1 (—) (50% of the previous)", "From the first stage to the last: 50% (↑50 pp)",
		// The cohort: Олена was first contacted in October now, so November's
		// cohort is Ivan alone, October's Олена alone.
		"Clients first contacted in this period: 1 (=)", "Stage bought — 1 (—) (within 30 d: 1)")
	h.tap(h.manager, "📄 Excel")
	doc := h.last(h.manager).Document
	if doc == nil {
		t.Fatalf("no funnel workbook: %+v", h.last(h.manager))
	}
	f, err := excelize.OpenReader(bytes.NewReader(doc.Bytes))
	if err != nil {
		t.Fatalf("workbook: %v", err)
	}
	defer f.Close()
	// The workbook compares too: the stage's clients in October and the change.
	if v, _ := f.GetCellValue("Funnel", "G2"); v != "1" {
		t.Errorf("workbook: contact in October = %q, want 1", v)
	}
	if v, _ := f.GetCellValue("Funnel", "H2", excelize.Options{RawCellValue: true}); v != "1" {
		t.Errorf("workbook: contact change = %q, want 1 (100%%)", v)
	}
	h.noUnanswered()
}

// Staff cannot get reports, not by command nor by forged buttons, and
// ids of another club or malformed data show nothing.
func TestReportRefusals(t *testing.T) {
	t.Parallel()
	h := reportSetup(t)
	for _, cmd := range []string{"/report", "/funnel"} {
		h.say(h.staff, cmd)
		if got := h.lastText(h.staff); got != h.text("bot.err.managers_only", nil) {
			t.Fatalf("staff %s: %q", cmd, got)
		}
	}
	for _, d := range []string{
		data("rv", "g", "tm", 0, 0, "-"), data("rl", "g", "tm", 0, 0, "-", "s", 0),
		data("rc", "f", "tm", 0, 0, "-"), data("rx", "g", "tm", 0, 0, "-"),
	} {
		h.say(h.staff, "/help")
		h.tapData(h.staff, 0, d)
		if got := h.lastAnswer(); got != h.text("bot.err.managers_only", nil) {
			t.Fatalf("staff %q answered %q", d, got)
		}
	}
	other := pgtest.NewClub(t, h.db, "beta")
	h.say(h.manager, "/report")
	for _, d := range []string{
		data("rv", "g", "tm", other.Staff.ID, 0, "-"),
		data("rx", "g", "tm", 0, other.Templates["call"], "-"),
		data("rc", "f", "tm", 999999, 0, "-"),
	} {
		h.tapData(h.manager, 0, d)
		if got := h.lastAnswer(); got != h.text("bot.err.not_found", nil) {
			t.Fatalf("%q answered %q", d, got)
		}
	}
	for _, d := range []string{
		data("rv", "z", "tm", 0, 0, "-"), data("rv", "g", "fortnight", 0, 0, "-"), data("rv", "g", "tm", 0, 0, "x"),
		data("rv", "g", "tm", -1, 0, "-"), data("rv", "g"), data("rl", "g", "tm", 0, 0, "-", "q", 0),
		data("rv", "g", "20261301-20261302", 0, 0, "-"),
	} {
		h.tapData(h.manager, 0, d)
		if got := h.lastAnswer(); got != h.text("bot.err.stale", nil) {
			t.Fatalf("%q answered %q", d, got)
		}
	}
	h.noUnanswered()
}

// The bot writes changes in brackets with report.Change.Text; from a
// previous value of 0 there is no percentage: "—".
func TestReportChange(t *testing.T) {
	t.Parallel()
	cat := i18n.MustNew()
	for _, c := range []struct {
		cur, prev int
		want      string
	}{{3, 2, "↑50%"}, {1, 4, "↓75%"}, {2, 2, "="}, {5, 0, "—"}, {0, 3, "↓100%"}} {
		if got := report.CountChange(c.cur, c.prev).Text(cat, "en"); got != c.want {
			t.Errorf("change(%d, %d) = %q, want %q", c.cur, c.prev, got, c.want)
		}
	}
}

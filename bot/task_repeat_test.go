package bot

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestTaskRepeatFromTheCard: the assignee of "Order water", due 20 October
// (before Kyiv leaves summer time), opens its card, taps Repeat, Every
// week, After 4 times (twice, nervously): the card says how it repeats
// and one rule is stored. They change it to end on 31 December through
// the calendar. Closing the task creates the next occurrence once, on the
// first Tuesday after now at 10:00 Kyiv time (winter time by then). On
// that one they stop repeating, and closing it creates nothing.
func TestTaskRepeatFromTheCard(t *testing.T) {
	t.Parallel()
	h := setup(t)
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 10, 20, 10, 0, 0, 0, kyiv)
	task := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Order water",
		AuthorID: h.f.Manager.ID, AssigneeID: h.f.Staff.ID, DueAt: &due})

	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("tc", task.ID, "-"))
	h.tap(h.staff, "🔁 Repeat")
	expect(t, "rule menu", h.lastText(h.staff), "Order water", "How should it repeat?")
	expectNot(t, "rule menu", h.lastText(h.staff), "Stop repeating")
	h.tap(h.staff, "Every week")
	expect(t, "end menu", h.lastText(h.staff), "Repeats every week. Until when?")
	h.doubleTap(h.staff, "After 4 times")
	expect(t, "card", h.lastText(h.staff), "Order water", "🔁 every week, 4 times in all")
	h.expectRows("rules after a double tap", 1, `SELECT count(*) FROM task_repeats WHERE series_id = $1 AND every_days = 7 AND times = 4`, task.ID)

	// Until a date, through the calendar: next month, the 31st.
	h.tap(h.staff, "🔁 Repeat")
	expect(t, "rule menu of a repeating task", h.lastText(h.staff), "🔁 every week, 4 times in all")
	h.tap(h.staff, "Every week")
	h.tap(h.staff, "Until a date…")
	expect(t, "calendar", h.lastText(h.staff), "The last day it may come on")
	h.tap(h.staff, "›")
	h.tap(h.staff, "31")
	expect(t, "card", h.lastText(h.staff), "🔁 every week, until 31.12")
	h.expectRows("rule replaced", 1, `SELECT count(*) FROM task_repeats WHERE series_id = $1 AND every_days = 7 AND times IS NULL AND until_date = '2026-12-31'`, task.ID)

	// Closing it: one next occurrence, 1 December 10:00 in Kyiv (UTC+2 by
	// then, though the series began at UTC+3).
	h.tap(h.staff, "✅ Done")
	next := time.Date(2026, 12, 1, 10, 0, 0, 0, kyiv)
	h.expectRows("next occurrence", 1, `SELECT count(*) FROM tasks WHERE series_id = $1 AND status = 'new' AND due_at = $2 AND title = 'Order water'`, task.ID, next)
	h.expectRows("open occurrences", 1, `SELECT count(*) FROM tasks WHERE coalesce(series_id, id) = $1 AND status = 'new'`, task.ID)

	// Stop repeating on the next one; closing it makes nothing.
	var nextID int64
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT id FROM tasks WHERE series_id = $1 AND status = 'new'`, task.ID).Scan(&nextID); err != nil {
		t.Fatal(err)
	}
	h.tapData(h.staff, 0, data("tc", nextID, "-"))
	expect(t, "next card", h.lastText(h.staff), "🔁 every week, until 31.12")
	h.tap(h.staff, "🔁 Repeat")
	h.tap(h.staff, "Stop repeating")
	h.expectAnswer("stopped", h.text("bot.repeat.stopped", nil))
	expectNot(t, "card after stop", h.lastText(h.staff), "🔁 every")
	h.tap(h.staff, "✅ Done")
	h.expectRows("after stop and close", 0, `SELECT count(*) FROM tasks WHERE coalesce(series_id, id) IN ($1, $2) AND status = 'new'`, task.ID, nextID)
	h.noUnanswered()
}

// TestTaskRepeatRefusals: forged and stale repeat buttons get the usual
// refusals and store nothing: another club's task, a closed task, a
// colleague's task, and arguments that are not a rule or an end.
func TestTaskRepeatRefusals(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	theirs, err := h.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: other.Club.ID,
		TemplateID: other.Templates["internal"], Title: "Secret of beta", AssigneeID: other.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	mine := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Mine", AssigneeID: h.f.Staff.ID, DueAt: at(time.Hour)})
	closed := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Closed", AssigneeID: h.f.Staff.ID, DueAt: at(time.Hour)})
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, closed.ID)
	colleagues := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Theirs", AssigneeID: h.f.Colleague.ID, DueAt: at(time.Hour)})

	h.say(h.staff, "/help")
	notFound, stale := h.text("bot.err.not_found", nil), h.text("bot.err.stale", nil)
	for _, c := range []struct {
		name, data, want string
	}{
		{"another club's task", data("rr", theirs.ID, "-", "d7", "n"), notFound},
		{"stop another club's task", data("rz", theirs.ID, "-"), notFound},
		{"a closed task", data("rr", closed.ID, "-", "d7", "n"), h.text("bot.err.task_closed", nil)},
		{"a colleague's task", data("rr", colleagues.ID, "-", "d7", "n"), h.text("bot.err.task_not_yours", nil)},
		{"stop a colleague's task", data("rz", colleagues.ID, "-"), h.text("bot.err.task_not_yours", nil)},
		{"no such rule", data("rr", mine.ID, "-", "q7", "n"), stale},
		{"every 0 days", data("rr", mine.ID, "-", "d0", "n"), stale},
		{"every 999 days", data("rr", mine.ID, "-", "d999", "n"), stale},
		{"weekdays out of range", data("rr", mine.ID, "-", "w300", "n"), stale},
		{"no such end", data("rr", mine.ID, "-", "d7", "z"), stale},
		{"after 0 times", data("rr", mine.ID, "-", "d7", "x0"), stale},
		{"until a past day", data("rr", mine.ID, "-", "d7", "u20200101"), stale},
		{"until a day that is no day", data("rr", mine.ID, "-", "d7", "u20261340"), stale},
	} {
		h.tapData(h.staff, 0, c.data)
		if got := h.lastAnswer(); got != c.want {
			t.Errorf("%s (%q): answered %q, want %q", c.name, c.data, got, c.want)
		}
	}
	h.expectRows("rules stored by refused taps", 0, `SELECT count(*) FROM task_repeats`)
	h.noUnanswered()
}

// TestTaskCardRepeatEnded: the card and the repeat menu say a task repeats
// (🔁, Stop repeating) only while its rule will make another occurrence
// after it, as closing it would (domain.Repeat.NextAfter): not once the
// rule's last day has passed in the club's zone, nor on the last of its
// times. Around Kyiv's spring DST change the end is read on Kyiv's
// calendar, not UTC's.
func TestTaskCardRepeatEnded(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	date := func(y int, m time.Month, d int) *time.Time {
		u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return &u
	}
	for _, c := range []struct {
		name    string
		due     time.Time
		rule    domain.Repeat
		now     time.Time
		repeats bool
	}{
		{"running: tomorrow is before the last day", time.Date(2026, 11, 26, 14, 0, 0, 0, kyiv),
			domain.Repeat{EveryDays: 1, Until: date(2026, 11, 28)}, testNow, true},
		{"ended yesterday", time.Date(2026, 11, 26, 14, 0, 0, 0, kyiv),
			domain.Repeat{EveryDays: 1, Until: date(2026, 11, 28)}, time.Date(2026, 11, 29, 10, 0, 0, 0, kyiv), false},
		{"the last of its times", time.Date(2026, 11, 26, 14, 0, 0, 0, kyiv),
			domain.Repeat{EveryDays: 7, Times: 1}, testNow, false},
		{"times left", time.Date(2026, 11, 26, 14, 0, 0, 0, kyiv),
			domain.Repeat{EveryDays: 7, Times: 2}, testNow, true},
		// Kyiv moved to UTC+3 at 03:00 on 28 March 2027: at 23:30 there
		// (20:30 UTC) tomorrow is still the last day; at 00:30 on the 29th
		// (still the 28th in UTC) the rule that ended on the 28th is over.
		{"DST day, last day tomorrow", time.Date(2027, 3, 28, 10, 0, 0, 0, kyiv),
			domain.Repeat{EveryDays: 1, Until: date(2027, 3, 29)}, time.Date(2027, 3, 28, 20, 30, 0, 0, time.UTC), true},
		{"DST day, ended at Kyiv's midnight", time.Date(2027, 3, 28, 10, 0, 0, 0, kyiv),
			domain.Repeat{EveryDays: 1, Until: date(2027, 3, 28)}, time.Date(2027, 3, 28, 21, 30, 0, 0, time.UTC), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			task := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Order water",
				AuthorID: h.f.Manager.ID, AssigneeID: h.f.Staff.ID, DueAt: &c.due})
			if err := h.db.TaskRepeatSet(context.Background(), h.f.Club.ID, task.ID, h.f.Manager, c.rule); err != nil {
				t.Fatal(err)
			}
			h.clock.Set(c.now)

			h.say(h.staff, "/help")
			h.tapData(h.staff, 0, data("tc", task.ID, "-"))
			card := h.lastText(h.staff)
			h.tap(h.staff, "🔁 Repeat")
			menu, stop := h.lastText(h.staff), h.hasButton(h.staff, "Stop repeating")
			if c.repeats {
				expect(t, "card", card, "🔁 every")
				expect(t, "repeat menu", menu, "🔁 every")
				if !stop {
					t.Fatalf("a running rule's menu lacks Stop repeating: %v", h.last(h.staff).Buttons())
				}
			} else {
				expectNot(t, "card", card, "🔁 every")
				expectNot(t, "repeat menu", menu, "🔁 every")
				if stop {
					t.Fatal("an ended rule's menu offers Stop repeating")
				}
			}
			// Closing it does what the card said.
			h.tap(h.staff, "« Back")
			h.tap(h.staff, "✅ Done")
			want := 0
			if c.repeats {
				want = 1
			}
			h.expectRows("next occurrences", want, `SELECT count(*) FROM tasks WHERE series_id = $1 AND status = 'new'`, task.ID)
			h.noUnanswered()
		})
	}
}

package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// resultSetup is a club with the trial result and one open call about
// Olena, assigned to the staff member, whose card the staff member has open.
func resultSetup(t *testing.T) (*harness, trialFixture, domain.Task) {
	t.Helper()
	h := setup(t)
	x := addTrial(t, h.db, h.f)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	return h, x, task
}

func TestResultEntryEveryFieldType(t *testing.T) {
	t.Parallel()
	h, x, task := resultSetup(t)
	card := h.last(h.staff).ID

	h.tap(h.staff, "✅ Enter result")
	expect(t, "results", h.lastText(h.staff), "How did it end?")
	h.tap(h.staff, "Signed up for a trial")
	expect(t, "first field", h.lastText(h.staff), "question 1 of 7", "Visit date *")
	h.tap(h.staff, "Tomorrow")
	expect(t, "date-time field", h.lastText(h.staff), "Call back at")
	h.taps(h.staff, "In a week", "18:30", "Dance", "▫️ Yoga")
	expect(t, "ticked", strings.Join(h.last(h.staff).Buttons(), " "), "✓ Yoga", "▫️ Dance")
	h.tap(h.staff, "Done")
	// So far every step edited the card's message: nothing piled up.
	if last := h.last(h.staff); last.ID != card {
		t.Fatalf("taps sent new messages; the form moved from %d to %d", card, last.ID)
	}
	h.say(h.staff, "7")
	expect(t, "after typing, a new message", h.lastText(h.staff), "Note")
	if _, ok := h.tg.Sent(h.staff.ID)[0].Button("Skip"); ok {
		t.Fatalf("the old form message kept its buttons")
	}
	h.say(h.staff, "Calm, likes music")
	h.tap(h.staff, "Yes")
	expect(t, "summary", h.lastText(h.staff),
		"Result: Signed up for a trial", "Visit date: Nov 27, 2026", "Call back at: Dec 3, 2026, 6:30 PM",
		"Direction: Dance", "Also interested in: Yoga", "Child's age: 7", "Note: Calm, likes music", "Came before: Yes",
		"Record this result?")
	h.tap(h.staff, "✅ Record result")

	expect(t, "updated card", h.lastText(h.staff), "Result recorded: Signed up for a trial", "Done")
	status, _, _ := h.taskRow(task.ID)
	if status != "done" {
		t.Fatalf("task status %s", status)
	}
	var trID int64
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT id FROM task_results WHERE task_id = $1 AND result_id = $2`, task.ID, x.Result).Scan(&trID); err != nil {
		t.Fatalf("result row: %v", err)
	}
	checks := []struct {
		what string
		sql  string
		args []any
	}{
		{"visit date", `value_date = '2026-11-27'`, []any{x.Fields["visit"]}},
		{"call back at 18:30 Kyiv", `value_time = '2026-12-03 16:30:00+00'`, []any{x.Fields["callback"]}},
		{"direction", `value_id = $3`, []any{x.Fields["direction"], x.Values["dance"]}},
		{"multi-select", `value_id = $3`, []any{x.Fields["also"], x.Values["yoga"]}},
		{"age", `value_number = 7`, []any{x.Fields["age"]}},
		{"note", `value_text = 'Calm, likes music'`, []any{x.Fields["note"]}},
		{"came before", `value_bool`, []any{x.Fields["before"]}},
	}
	for _, c := range checks {
		args := append([]any{trID}, c.args...)
		if n := pgtest.Count(t, h.db, `SELECT count(*) FROM task_field_values WHERE task_result_id = $1 AND field_id = $2 AND `+c.sql, args...); n != 1 {
			t.Errorf("%s: %d rows", c.what, n)
		}
	}
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM outbox WHERE kind = 'result.recorded' AND (payload->>'task_id')::bigint = $1`, task.ID); n != 1 {
		t.Errorf("outbox rows: %d", n)
	}
	if n := h.conversationCount(); n != 0 {
		t.Errorf("the form is still open: %d conversations", n)
	}
	h.noUnanswered()
}

func TestResultEntryRefusesBadInput(t *testing.T) {
	t.Parallel()
	h, x, task := resultSetup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	otherX := addTrial(t, h.db, other)
	h.tap(h.staff, "✅ Enter result")

	// Garbage and unknown results on the first screen.
	h.tapData(h.staff, 0, h.formData("rf", "r", otherX.Result))
	expect(t, "another club's result", h.lastAnswer(), "out of date")
	h.tapData(h.staff, 0, "v1|rf|x|y")
	expect(t, "garbage", h.lastAnswer(), "out of date")
	h.say(h.staff, "done!")
	expect(t, "typing instead of tapping", h.lastText(h.staff), "choose with the buttons")

	h.tap(h.staff, "Signed up for a trial")
	// A required field has no Skip; a forged Skip is refused.
	if h.hasButton(h.staff, "Skip") {
		t.Fatal("a required field offers Skip")
	}
	h.tapData(h.staff, 0, h.formData("rf", "sk"))
	expect(t, "forged skip", h.lastAnswer(), "“Visit date” is required")
	h.say(h.staff, "31.02.2026")
	expect(t, "impossible date", h.lastText(h.staff), "That is not a date")
	h.say(h.staff, "27.11.2026")
	h.tap(h.staff, "Skip")
	// A dictionary value of another club, and an archived one.
	h.tapData(h.staff, 0, h.formData("rf", "c", otherX.Values["dance"]))
	expect(t, "another club's value", h.lastAnswer(), "out of date")
	pgtest.Exec(t, h.db, `UPDATE dictionary_values SET archived_at = now() WHERE id = $1`, x.Values["boxing"])
	h.tapData(h.staff, 0, h.formData("rf", "c", x.Values["boxing"]))
	expect(t, "archived value", h.lastAnswer(), "out of date")
	h.tap(h.staff, "Yoga")
	h.tap(h.staff, "Skip")
	h.say(h.staff, "seven")
	expect(t, "letters for a number", h.lastText(h.staff), "That is not a number")
	h.say(h.staff, "7")
	h.say(h.staff, strings.Repeat("long ", 5))
	expect(t, "over-long text", h.lastText(h.staff), "the limit is 20 characters")
	// An old screen's button: the version moved on.
	_, old := h.buttonData(h.staff, "Skip")
	h.tap(h.staff, "Skip")
	h.tapData(h.staff, 0, old)
	expect(t, "old screen", h.lastAnswer(), "out of date")
	expect(t, "still on the yes/no question", h.form(h.staff).Text, "Came before")

	h.expectRows("results written by bad input", 0, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
	h.tap(h.staff, "No")
	h.tap(h.staff, "✅ Record result")
	h.expectRows("values recorded (date, choice, number, yes/no)", 4, `SELECT count(*) FROM task_field_values v JOIN task_results r ON r.id = v.task_result_id WHERE r.task_id = $1`, task.ID)
	h.noUnanswered()
}

func TestResultEntryBackAndCancel(t *testing.T) {
	t.Parallel()
	h, _, task := resultSetup(t)
	h.taps(h.staff, "✅ Enter result", "Signed up for a trial", "Today")
	h.tap(h.staff, "« Back") // to the visit date, answered
	expect(t, "back", h.lastText(h.staff), "Visit date", "Now: Nov 26, 2026")
	h.tap(h.staff, "« Back") // to the results
	h.tap(h.staff, "Result thinking")
	expect(t, "a result without fields goes to the summary", h.lastText(h.staff), "Result: Result thinking", "Record this result?")
	h.tap(h.staff, "Cancel")
	expect(t, "cancelled", h.lastText(h.staff), "Cancelled. Nothing was saved.")
	h.expectRows("results after cancel", 0, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
	if n := h.conversationCount(); n != 0 {
		t.Fatalf("cancel left %d forms open", n)
	}
}

func TestResultEntryStaleTask(t *testing.T) {
	t.Parallel()
	// Where the person is told: the form's message (the form ends) or the
	// tap's alert (the form stays, and says whose task it is now).
	const inMessage, inAlert = "message", "alert"
	cases := []struct {
		name   string
		change func(h *harness, task domain.Task)
		where  string
		want   string
	}{
		{"deleted while the form was open", func(h *harness, task domain.Task) {
			pgtest.Exec(t, h.db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, task.ID)
		}, inMessage, "This task no longer exists. Nothing was recorded."},
		{"closed by a colleague meanwhile", func(h *harness, task domain.Task) {
			if _, err := h.db.ResultRecord(context.Background(), postgres.ResultRecordInput{
				ClubID: h.f.Club.ID, TaskID: task.ID, ResultID: h.f.Results["thinking"], Actor: h.f.Manager,
			}); err != nil {
				t.Fatalf("colleague records: %v", err)
			}
		}, inMessage, "This task is already closed (Done). Nothing was recorded."},
		{"handed to someone else", func(h *harness, task domain.Task) {
			pgtest.Exec(t, h.db, `UPDATE tasks SET assignee_id = $2 WHERE id = $1`, task.ID, h.f.Colleague.ID)
		}, inAlert, "This is someone else's task."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, _, task := resultSetup(t)
			h.tap(h.staff, "✅ Enter result")
			h.tap(h.staff, "Result going_to_buy")
			c.change(h, task)
			h.tap(h.staff, "✅ Record result")
			if c.where == inMessage {
				expect(t, "the form's message", h.lastText(h.staff), c.want)
			} else {
				h.expectAnswer("the alert", c.want)
			}
			h.expectRows("results written by a stale form", 0, `SELECT count(*) FROM task_results WHERE task_id = $1 AND staff_id = $2`, task.ID, h.f.Staff.ID)
			h.expectRows("outbox rows written by a stale form", 0, `SELECT count(*) FROM outbox WHERE kind = 'result.recorded' AND (payload->>'actor_id')::bigint = $1`, h.f.Staff.ID)
		})
	}
}

func TestResultEntryDoubleTapRecordsOnce(t *testing.T) {
	t.Parallel()
	h, _, task := resultSetup(t)
	h.tap(h.staff, "✅ Enter result")
	h.tap(h.staff, "Result thinking")
	msg, confirm := h.buttonData(h.staff, "✅ Record result")
	// Two taps at once (a nervous double tap), then one more later.
	h.doubleTap(h.staff, "✅ Record result")
	h.tapData(h.staff, msg, confirm)
	expect(t, "third tap", h.lastAnswer(), "The result is already recorded.")
	h.expectRows("results after a double tap", 1, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
	h.expectRows("outbox rows after a double tap", 1, `SELECT count(*) FROM outbox WHERE kind = 'result.recorded'`)
	h.noUnanswered()
}

func TestResultEntryContinuesAfterRestart(t *testing.T) {
	t.Parallel()
	h, x, task := resultSetup(t)
	h.taps(h.staff, "✅ Enter result", "Signed up for a trial", "Tomorrow")
	h.restart() // a deploy, or another replica takes the next update
	h.tap(h.staff, "Skip")
	h.tap(h.staff, "Yoga")
	h.restart()
	h.taps(h.staff, "Skip", "Skip", "Skip", "No", "✅ Record result")
	h.expectRows("results recorded by a form across restarts", 1, `SELECT count(*) FROM task_results WHERE task_id = $1 AND result_id = $2`, task.ID, x.Result)
}

func TestResultEntryExpires(t *testing.T) {
	t.Parallel()
	h, _, task := resultSetup(t)
	h.tap(h.staff, "✅ Enter result")
	h.tap(h.staff, "Result thinking")
	h.clock.Advance(conversationTTL + time.Minute)
	h.tap(h.staff, "✅ Record result")
	expect(t, "expired", h.lastAnswer(), "This form has expired")
	h.expectRows("results recorded by an expired form", 0, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
	h.say(h.staff, "hello")
	expect(t, "text after expiry", h.lastText(h.staff), h.text("bot.no_conversation", nil))
}

func TestResultEntryForgedTask(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	theirs, err := h.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: other.Club.ID, TemplateID: other.Templates["call"], ClientID: other.Clients[0]})
	if err != nil {
		t.Fatal(err)
	}
	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("rs", theirs.ID))
	theirAnswer := h.lastAnswer()
	h.tapData(h.staff, 0, data("rs", 987654321))
	if missing := h.lastAnswer(); theirAnswer != missing || !strings.Contains(missing, "no longer exists") {
		t.Fatalf("another club's task answers %q, a missing one %q: they must be the same", theirAnswer, missing)
	}
	h.tapData(h.staff, 0, data("rs", "abc"))
	expect(t, "garbage id", h.lastAnswer(), "out of date")
	if h.conversationCount() != 0 {
		t.Fatal("a forged task opened a form")
	}
}

func TestResultEntryFieldMadeRequiredMeanwhile(t *testing.T) {
	t.Parallel()
	h, x, task := resultSetup(t)
	h.taps(h.staff, "✅ Enter result", "Signed up for a trial", "Today", "Skip", "Yoga", "Done", "Skip")
	h.tap(h.staff, "Skip") // the note, optional for now
	h.tap(h.staff, "Yes")
	// A manager makes the note required while the summary is on screen.
	pgtest.Exec(t, h.db, `UPDATE result_fields SET required = true WHERE id = $1`, x.Fields["note"])
	h.tap(h.staff, "✅ Record result")
	expect(t, "refused", h.lastAnswer(), "“Note” is required")
	h.expectRows("results recorded without a required field", 0, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
	// The form is still usable: back to the note, answer it, record.
	h.tap(h.staff, "« Back")
	h.tap(h.staff, "« Back")
	expect(t, "the note again", h.lastText(h.staff), "Note *")
	h.say(h.staff, "Prefers mornings")
	h.tap(h.staff, "Yes")
	h.tap(h.staff, "✅ Record result")
	h.expectRows("results after answering", 1, `SELECT count(*) FROM task_results WHERE task_id = $1`, task.ID)
}

// A result entered on a card opened from a list brings the card back with
// Back to that list (so does Cancel); entered from a notification, which
// has no list behind it, the card comes without.
func TestResultEntryReturnsToTheList(t *testing.T) {
	t.Parallel()
	h, _, task := resultSetup(t)
	card := h.last(h.staff).ID
	h.tap(h.staff, "✅ Enter result")
	h.tap(h.staff, "Cancel")
	if !h.hasButton(h.staff, "« Back") {
		t.Fatalf("the card after Cancel has no Back: %v", h.last(h.staff).Buttons())
	}
	h.taps(h.staff, "✅ Enter result", "Result thinking", "✅ Record result")
	last := h.last(h.staff)
	expect(t, "card", last.Text, "Result recorded: Result thinking", "Status: Done")
	if last.ID != card {
		t.Fatalf("the form left the card's message %d for %d", card, last.ID)
	}
	h.expectRows("result", 1, `SELECT count(*) FROM task_results WHERE task_id = $1 AND result_id = $2`, task.ID, h.f.Results["thinking"])
	h.tap(h.staff, "« Back")
	expect(t, "the list again", h.lastText(h.staff), "My tasks", "You have no open tasks.")
	if h.last(h.staff).ID != card {
		t.Fatal("Back did not edit the same message")
	}

	// From a notification's "Enter result": no list, no Back.
	other := h.task(postgresInput(h))
	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("rs", other.ID))
	h.tap(h.staff, "Result thinking")
	h.tap(h.staff, "✅ Record result")
	expect(t, "card", h.lastText(h.staff), "Result recorded: Result thinking")
	if h.hasButton(h.staff, "« Back") {
		t.Fatalf("a card with no list behind it offers Back: %v", h.last(h.staff).Buttons())
	}
	h.expectRows("results", 1, `SELECT count(*) FROM task_results WHERE task_id = $1`, other.ID)
	h.noUnanswered()
}

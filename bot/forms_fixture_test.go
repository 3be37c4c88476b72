package bot

import (
	"context"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// trialFixture is the result "Signed up for a trial" with one additional
// field of every type, allowed for the club's "call" and "personal_call"
// templates: what the forms' conversations walk through.
type trialFixture struct {
	Result int64
	Fields map[string]int64 // visit (date, required), callback (date-time), direction (choice, required), also (multi-select), age (number), note (text, 20), before (yes/no, required)
	Dict   int64
	Values map[string]int64 // yoga, dance, boxing
}

// addTrial adds the trial result to the harness's club.
func addTrial(t testing.TB, db *postgres.DB, f pgtest.Fixture) trialFixture {
	t.Helper()
	ctx := context.Background()
	q := db.Pool()
	x := trialFixture{Fields: map[string]int64{}, Values: map[string]int64{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("trial fixture: %v", err)
		}
	}
	must(q.QueryRow(ctx, `INSERT INTO dictionaries (club_id, key, name) VALUES ($1, 'directions', 'Directions') RETURNING id`, f.Club.ID).Scan(&x.Dict))
	for i, v := range []struct{ key, name string }{{"yoga", "Yoga"}, {"dance", "Dance"}, {"boxing", "Boxing"}} {
		var id int64
		must(q.QueryRow(ctx, `INSERT INTO dictionary_values (club_id, dictionary_id, key, name, position) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			f.Club.ID, x.Dict, v.key, v.name, i).Scan(&id))
		x.Values[v.key] = id
	}
	x.Result = pgtest.Result(t, db, f.Club, pgtest.ResultOpts{Key: "trial", Name: "Signed up for a trial", Position: -1,
		Templates: []int64{f.Templates["call"], f.Templates["personal_call"]}}).ID
	for i, fd := range []struct {
		key, name, typ string
		required       bool
		dict           bool
		maxLen         any
	}{
		{"visit", "Visit date", "date", true, false, nil},
		{"callback", "Call back at", "datetime", false, false, nil},
		{"direction", "Direction", "choice", true, true, nil},
		{"also", "Also interested in", "multichoice", false, true, nil},
		{"age", "Child's age", "number", false, false, nil},
		{"note", "Note", "text", false, false, 20},
		{"before", "Came before", "bool", true, false, nil},
	} {
		var dict any
		if fd.dict {
			dict = x.Dict
		}
		var id int64
		must(q.QueryRow(ctx, `
INSERT INTO result_fields (club_id, result_id, key, name, field_type, required, dictionary_id, max_length, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			f.Club.ID, x.Result, fd.key, fd.name, fd.typ, fd.required, dict, fd.maxLen, i).Scan(&id))
		x.Fields[fd.key] = id
	}
	return x
}

// openCard opens u's task list (/tasks) and the card of the task whose
// button is labelled label.
func (h *harness) openCard(u models.User, label string) {
	h.t.Helper()
	h.say(u, "/tasks")
	h.tap(u, label)
}

// conversationCount is how many forms are open in the club (an ended form's
// row stays, closed).
func (h *harness) conversationCount() int {
	h.t.Helper()
	return pgtest.Count(h.t, h.db, `SELECT count(*) FROM conversations WHERE club_id = $1 AND expires_at > $2`, h.f.Club.ID, h.clock.Now())
}

// formData is the callback data of a form button with the form's current
// version, for forged taps that get past the version check.
func (h *harness) formData(action string, args ...any) string {
	h.t.Helper()
	var v int
	if err := h.db.Pool().QueryRow(context.Background(), `
SELECT version FROM conversations WHERE club_id = $1 AND expires_at > $2 ORDER BY updated_at DESC LIMIT 1`, h.f.Club.ID, h.clock.Now()).Scan(&v); err != nil {
		h.t.Fatalf("no open form: %v", err)
	}
	return data(action, append([]any{v}, args...)...)
}

// form is u's newest bot message with buttons: the open form, even when a
// refusal of something typed was sent after it.
func (h *harness) form(u models.User) telegramtest.Message {
	h.t.Helper()
	sent := h.tg.Sent(u.ID)
	for i := len(sent) - 1; i >= 0; i-- {
		if len(sent[i].Keyboard) > 0 {
			return sent[i]
		}
	}
	h.t.Fatalf("no message with buttons in %s's chat", u.FirstName)
	return telegramtest.Message{}
}

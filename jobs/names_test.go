package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// A reminder of a task titled with its template's name shows that name in
// the reminded person's language (the plan's names per language, stored by
// PlanApply), and the club's name when the plan has none in it.
func TestReminderNamesInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest.Exec(t, e.db, `UPDATE templates SET name = 'Звонок', names = '{"ru": "Звонок", "uk": "Дзвінок", "en": "Intro call"}' WHERE id = $1`, e.tmpl["personal_call"])
	at := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	for _, c := range []struct {
		lang  string
		staff int64
		chat  int64
		names string
		want  string
	}{
		{"uk", e.alice.ID, aliceChat, "", "Дзвінок"},
		{"en", e.bob.ID, bobChat, "", "Intro call"},
		{"en", e.alice.ID, aliceChat, `{"uk": "Дзвінок"}`, "Звонок"}, // no English name: the club's
	} {
		if c.names != "" {
			pgtest.Exec(t, e.db, `UPDATE templates SET names = $2 WHERE id = $1`, e.tmpl["personal_call"], c.names)
		}
		pgtest.Exec(t, e.db, `UPDATE staff SET language = $2 WHERE id = $1`, c.staff, c.lang)
		due := at.Add(time.Hour)
		id := pgtest.Task(t, e.db, e.club, pgtest.TaskOpts{Template: e.tmpl["personal_call"], Title: "Звонок", Client: e.clients(1)[0],
			Author: e.manager.ID, Assignee: c.staff, Due: &due, Remind: &at, Created: time.Now()}).ID
		if err := e.remind(jobs.ReminderPayload{ClubID: e.club.ID, TaskID: id, RemindAt: at}); err != nil {
			t.Fatalf("remind: %v", err)
		}
		sent := e.sent(c.chat)
		text := sent[len(sent)-1].Text()
		if first := strings.SplitN(text, "\n", 2)[0]; !strings.HasSuffix(first, ": "+c.want) {
			t.Errorf("%s reader, names %s: reminder says %q, want the title %q", c.lang, c.names, first, c.want)
		}
	}
}

// The overdue notice names a task titled with its template's name in the
// reader's language; a title someone typed stays as typed.
func TestOverdueNoticeNamesInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var name string
	if err := e.db.Pool().QueryRow(e.ctx, `SELECT name FROM templates WHERE id = $1`, e.tmpl["internal"]).Scan(&name); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, e.db, `UPDATE templates SET names = '{"uk": "Внутрішнє завдання (план)"}' WHERE id = $1`, e.tmpl["internal"])
	pgtest.Exec(t, e.db, `UPDATE staff SET language = 'uk' WHERE id = $1`, e.alice.ID)
	slot := time.Now().Truncate(time.Minute)
	e.overdueTask(e.alice.ID, name, slot.Add(-2*time.Hour))
	e.overdueTask(e.alice.ID, name+" вода", slot.Add(-time.Hour))
	if err := e.notifyOverdue(jobs.OverduePayload{ClubID: e.club.ID, StaffID: e.alice.ID, Slot: slot}); err != nil {
		t.Fatal(err)
	}
	text := e.sent(aliceChat)[0].Text()
	if !strings.Contains(text, "Внутрішнє завдання (план)") || !strings.Contains(text, name+" вода") {
		t.Errorf("overdue notice:\n%s", text)
	}
	if strings.Count(text, name) != 1 {
		t.Errorf("the template-named task still shows the club's name:\n%s", text)
	}
}

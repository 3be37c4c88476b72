package jobs_test

import (
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

// Two tasks of one template keep its name as their title ("Internal task"),
// so a notice that shows only titles lists them as the same line twice.
// The overdue notice, the morning list and the digest's overdue list show
// what tells them apart: the client and the start of the description (the
// due time they already show).
func TestNoticesTellTasksApart(t *testing.T) {
	t.Parallel()
	w := newDigestWorld(t, digestNow)
	pgtest.Exec(t, w.db, `UPDATE tasks SET deleted_at = now() WHERE club_id = $1 AND assignee_id = $2`, w.club, w.alice)
	at := local(26, 8, 0)
	for _, desc := range []string{"Order water for the hall\nfive bottles", "Print the December schedule for the lobby and the site"} {
		pgtest.Task(t, w.db, w.record, pgtest.TaskOpts{Template: w.tmpl["internal"], Title: "Internal task", Description: desc,
			Assignee: w.alice, Due: &at, Created: at})
	}
	pgtest.Task(t, w.db, w.record, pgtest.TaskOpts{Template: w.tmpl["call"], Title: "Call", Client: w.clients["Client 2"],
		Assignee: w.alice, Due: &at, Created: at})
	want := []string{"Internal task · «Order water for the hall»", "Internal task · «Print the December schedule f…»", "Call · Client 2"}

	// The overdue notice.
	task, _, err := jobs.NewOverdueTask(w.deps.Queues, jobs.OverduePayload{ClubID: w.club, StaffID: w.alice, Slot: digestNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.NewMux(w.deps).ProcessTask(w.ctx, task); err != nil {
		t.Fatalf("overdue notice: %v", err)
	}
	notice, _ := w.chat(6002)
	expectLines(t, "overdue notice", notice, want)

	// The morning list.
	pgtest.Exec(t, w.db, `INSERT INTO daily_runs (club_id, kind, local_date, enqueued_at) VALUES ($1, 'morning', $2::date, $3)`, w.club, kyivDigestDay, digestNow)
	task, _, err = jobs.NewMorningTask(w.deps.Queues, jobs.DailyPayload{ClubID: w.club, Date: kyivDigestDay})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.NewMux(w.deps).ProcessTask(w.ctx, task); err != nil {
		t.Fatalf("morning list: %v", err)
	}
	all, _ := w.chat(6002)
	expectLines(t, "morning list", strings.TrimPrefix(all, notice), want)

	// The digest's overdue list.
	if err := w.process(kyivDigestDay); err != nil {
		t.Fatalf("digest: %v", err)
	}
	digest, _ := w.chat(6001)
	expectLines(t, "digest", digest, want)

	// The notices' "Open" buttons tell the tasks apart too.
	for _, m := range w.tg.Sent(6002) {
		seen := map[string]bool{}
		for _, row := range m.Keyboard {
			for _, b := range row {
				if seen[b.Text] {
					t.Errorf("two buttons read %q in %q", b.Text, m.Text)
				}
				seen[b.Text] = true
			}
		}
	}
}

// expectLines checks that text has a line containing each of want, and no
// two equal lines.
func expectLines(t *testing.T, what, text string, want []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		if seen[l] && strings.TrimSpace(l) != "" {
			t.Errorf("%s repeats the line %q", what, l)
		}
		seen[l] = true
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, text)
	}
}

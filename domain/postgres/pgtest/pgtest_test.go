package pgtest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestNewGivesIsolatedMigratedDatabases(t *testing.T) {
	t.Parallel()
	a := pgtest.New(t)
	b := pgtest.New(t)
	pgtest.Exec(t, a, "INSERT INTO clubs (slug, name, time_zone) VALUES ('a', 'A', 'Europe/Kyiv')")
	if n := pgtest.Count(t, a, "SELECT count(*) FROM clubs"); n != 1 {
		t.Fatalf("database a has %d clubs, want 1", n)
	}
	if n := pgtest.Count(t, b, "SELECT count(*) FROM clubs"); n != 0 {
		t.Fatalf("database b sees %d clubs of database a, want 0", n)
	}
	res, err := a.Migrate(context.Background())
	if err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	if len(res.Applied) != 0 || res.Current == 0 {
		t.Fatalf("migrate on a migrated database applied %v (current %d), want nothing", res.Applied, res.Current)
	}
}

func TestFactoriesWithNoOptionsMakeAWorkingClub(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	a := pgtest.Club(t, db, pgtest.ClubOpts{})
	b := pgtest.Club(t, db, pgtest.ClubOpts{})
	if a.Slug == b.Slug || a.TimeZone != "Europe/Kyiv" || a.Language != domain.LangRU || a.DigestHour != 9 {
		t.Fatalf("two default clubs %+v and %+v: want distinct slugs, Kyiv, Russian, digest at 9", a, b)
	}
	tmpls, err := db.TemplateList(ctx, a.ID)
	if err != nil || len(tmpls) != 4 {
		t.Fatalf("a new club has templates %v (%v), want the four defaults", tmpls, err)
	}

	manager := pgtest.Staff(t, db, a, pgtest.StaffOpts{Role: domain.RoleManager, Name: "Maria"})
	staff := pgtest.Staff(t, db, a, pgtest.StaffOpts{})
	who, club, _, err := db.Identify(ctx, chat.TelegramAddress(chat.DefaultBot, staff.TelegramID))
	if err != nil || who.ID != staff.ID || club.ID != a.ID || !staff.Linked || staff.Language != domain.LangRU {
		t.Fatalf("default staff %+v is identified as %+v in club %d (%v), want themselves, linked, in Russian", staff, who, club.ID, err)
	}
	if staff.TelegramID == manager.TelegramID || staff.Name == "" {
		t.Fatalf("two staff members share Telegram id %d or have no name", staff.TelegramID)
	}
	joined := pgtest.Staff(t, db, a, pgtest.StaffOpts{Name: "Newcomer", Joined: true})
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites WHERE club_id = $1 AND used_by = $2`, a.ID, joined.ID); n != 1 || !joined.Linked {
		t.Fatalf("a member who joined has %d used invites, linked %v; want 1, true", n, joined.Linked)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff_invites WHERE club_id = $1`, a.ID); n != 1 {
		t.Fatalf("%d invites, want only the joiner's", n)
	}
	loner := pgtest.Staff(t, db, a, pgtest.StaffOpts{NoAccount: true, Inactive: true})
	if got, err := db.StaffGet(ctx, a.ID, loner.ID); err != nil || got.Linked || got.Active {
		t.Fatalf("staff with no account, inactive, is %+v (%v)", got, err)
	}

	c1 := pgtest.Client(t, db, a, pgtest.ClientOpts{})
	c2 := pgtest.Client(t, db, a, pgtest.ClientOpts{Name: "Anna", Phones: []string{"+380501112233"}})
	if c1.Phones[0] == c2.Phones[0] || c2.Name != "Anna" || c1.Status != domain.ClientLead {
		t.Fatalf("clients %+v and %+v", c1, c2)
	}

	call := pgtest.Template(t, db, a, pgtest.TemplateOpts{Key: "call"})
	think := pgtest.Result(t, db, a, pgtest.ResultOpts{Key: "think", Templates: []int64{call.ID}})
	if rs, err := db.ResultsForTemplate(ctx, a.ID, call.ID); err != nil || len(rs) != 1 || rs[0].ID != think.ID {
		t.Fatalf("results closing the new template: %v (%v), want think", rs, err)
	}

	task := pgtest.Task(t, db, a, pgtest.TaskOpts{Author: manager.ID, Assignee: staff.ID})
	if task.Type != domain.TypeInternal || task.Status != domain.StatusNew || task.Title == "" {
		t.Fatalf("default task %+v: want a new internal task with a title", task)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE club_id = $1 AND kind = 'task.assigned'`, a.ID); n != 1 {
		t.Fatalf("a task made by the factory has %d assignment notices, want 1 as the store writes", n)
	}
	done := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	old := pgtest.Task(t, db, a, pgtest.TaskOpts{Template: call.ID, Client: c1.ID, Created: done.Add(-time.Hour),
		Status: domain.StatusDone, Done: &done, Result: think.ID})
	if got, err := db.TaskGet(ctx, a.ID, old.ID); err != nil || got.Task.Status != domain.StatusDone || !got.Task.CreatedAt.Equal(done.Add(-time.Hour)) {
		t.Fatalf("history task: %+v (%v)", got, err)
	}
}

func TestBareClubHasNoTemplates(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	midnight := 0
	c := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "bare", Bare: true, DigestHour: &midnight})
	if got, err := db.ClubGet(context.Background(), c.ID); err != nil || got.DigestHour != 0 {
		t.Fatalf("club with its digest at midnight: %+v (%v)", got, err)
	}
	pgtest.Template(t, db, c, pgtest.TemplateOpts{Key: "internal", Type: domain.TypeInternal})
	if n := pgtest.Count(t, db, `SELECT count(*) FROM templates WHERE club_id = $1`, c.ID); n != 1 {
		t.Fatalf("a bare club with one template has %d", n)
	}
}

func TestNewClubKeys(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "a")
	g := pgtest.NewClub(t, db, "b")
	for _, k := range []string{"personal_call", "bulk_call", "client_task", "internal", "call", "check"} {
		if f.Templates[k] == 0 || f.Templates[k] == g.Templates[k] {
			t.Errorf("template %q: %d and %d", k, f.Templates[k], g.Templates[k])
		}
	}
	for _, k := range []string{"thinking", "going_to_buy", "refusal", "bought"} {
		if f.Results[k] == 0 {
			t.Errorf("no result %q", k)
		}
	}
	if len(f.Reasons) != 3 || f.ReasonField == 0 || len(f.Clients) != 2 || f.Manager.Role != domain.RoleManager ||
		f.Staff.TelegramID == 0 || f.Colleague.TelegramID == f.Staff.TelegramID {
		t.Fatalf("fixture %+v", f)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends
// only the goroutine running the factory, so a test can see a factory
// refuse bad input.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// refused runs build and returns the failure it reported, "" if none.
func refused(t *testing.T, build func(tb testing.TB)) string {
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		build(r)
	}()
	<-done
	return r.msg
}

func TestFactoriesRefuseWhatTheStoreRefuses(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "a"})
	b := pgtest.Club(t, db, pgtest.ClubOpts{Slug: "b"})
	theirs := pgtest.Template(t, db, b, pgtest.TemplateOpts{Key: "call"})
	cases := map[string]func(tb testing.TB){
		"a taken slug":      func(tb testing.TB) { pgtest.Club(tb, db, pgtest.ClubOpts{Slug: "a"}) },
		"a bad slug":        func(tb testing.TB) { pgtest.Club(tb, db, pgtest.ClubOpts{Slug: "Not A Slug"}) },
		"a taken key":       func(tb testing.TB) { pgtest.Template(tb, db, b, pgtest.TemplateOpts{Key: "call"}) },
		"a taken phone":     func(tb testing.TB) { pgtest.Client(tb, db, a, pgtest.ClientOpts{Phones: []string{"+380501112233"}}) },
		"an over-long name": func(tb testing.TB) { pgtest.Staff(tb, db, a, pgtest.StaffOpts{Name: strings.Repeat("x", 201)}) },
		"another club's template": func(tb testing.TB) {
			pgtest.Task(tb, db, a, pgtest.TaskOpts{Template: theirs.ID})
		},
		"another club's template, as history": func(tb testing.TB) {
			pgtest.Task(tb, db, a, pgtest.TaskOpts{Template: theirs.ID, Created: time.Now()})
		},
		"a result closing another club's template": func(tb testing.TB) {
			pgtest.Result(tb, db, a, pgtest.ResultOpts{Templates: []int64{theirs.ID}})
		},
	}
	pgtest.Client(t, db, a, pgtest.ClientOpts{Phones: []string{"+380501112233"}})
	for name, build := range cases {
		if msg := refused(t, build); msg == "" {
			t.Errorf("%s: the factory made it", name)
		}
	}
}

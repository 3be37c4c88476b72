package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestStaffLookups(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()

	s, _, err := db.StaffIdentify(ctx, f.Staff.TelegramID)
	if err != nil || s.ID != f.Staff.ID || s.ClubID != f.Club.ID || s.Role != domain.RoleStaff || !s.Active || s.Language != domain.LangRU {
		t.Fatalf("by telegram: %+v %v", s, err)
	}
	if _, _, err := db.StaffIdentify(ctx, 999_999_999); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if got, err := db.StaffGet(ctx, f.Club.ID, f.Manager.ID); err != nil || got.Name != f.Manager.Name {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := db.StaffGet(ctx, other.Club.ID, f.Manager.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("get from another club: %v", err)
	}

	// A deactivated person is a stranger to the bot and off the lists.
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, f.Colleague.ID)
	if _, _, err := db.StaffIdentify(ctx, f.Colleague.TelegramID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("inactive by telegram: %v", err)
	}
	list, err := db.StaffList(ctx, f.Club.ID)
	if err != nil || len(list) != 2 || list[0].ID != f.Manager.ID || list[1].ID != f.Staff.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	pgtest.Exec(t, db, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Owner', 'owner'), ($1, 'Ex manager', 'manager')`, f.Club.ID)
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE name = 'Ex manager'`)
	managers, err := db.StaffManagers(ctx, f.Club.ID)
	if err != nil || len(managers) != 2 || managers[0].Name != f.Manager.Name || managers[1].Name != "Owner" {
		t.Fatalf("managers: %+v %v", managers, err)
	}

	// A deleted club's staff are strangers too.
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, other.Club.ID)
	if _, _, err := db.StaffIdentify(ctx, other.Staff.TelegramID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleted club: %v", err)
	}
}

func TestStaffSetters(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()

	if err := db.StaffSetLanguage(ctx, f.Club.ID, f.Staff.ID, domain.LangUK); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []domain.Language{"de", "", "UK", "uk-UA"} {
		if err := db.StaffSetLanguage(ctx, f.Club.ID, f.Staff.ID, bad); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("language %q: %v", bad, err)
		}
	}
	if err := db.StaffSetLanguage(ctx, other.Club.ID, f.Staff.ID, domain.LangEN); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another club's staff: %v", err)
	}
	if s, _ := db.StaffGet(ctx, f.Club.ID, f.Staff.ID); s.Language != domain.LangUK {
		t.Errorf("language %q", s.Language)
	}

	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water", AuthorID: f.Staff.ID, AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	otherTask, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: other.Club.ID, TemplateID: other.Templates["internal"], Title: "Theirs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StaffSetCurrentTask(ctx, f.Club.ID, f.Staff.ID, task.ID); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.StaffGet(ctx, f.Club.ID, f.Staff.ID); s.CurrentTaskID != task.ID {
		t.Fatalf("current task %d", s.CurrentTaskID)
	}
	if err := db.StaffSetCurrentTask(ctx, f.Club.ID, f.Staff.ID, otherTask.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another club's task: %v", err)
	}
	if err := db.StaffSetCurrentTask(ctx, f.Club.ID, f.Staff.ID, 0); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.StaffGet(ctx, f.Club.ID, f.Staff.ID); s.CurrentTaskID != 0 {
		t.Fatalf("current task not cleared: %d", s.CurrentTaskID)
	}
	if err := db.StaffSetCurrentTask(ctx, other.Club.ID, f.Staff.ID, 0); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another club's staff: %v", err)
	}
}

func TestStaffReachability(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	outbox := func() int {
		return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = $1 AND (payload->>'staff_id')::bigint = $2`,
			domain.OutboxStaffReachable, f.Staff.ID)
	}

	// Reachable already: nothing to do, nothing queued.
	was, err := db.StaffMarkReachable(ctx, f.Club.ID, f.Staff.ID)
	if err != nil || was || outbox() != 0 {
		t.Fatalf("reachable staff: was=%v err=%v outbox=%d", was, err, outbox())
	}

	first := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := db.StaffMarkUnreachable(ctx, f.Club.ID, f.Staff.ID, first); err != nil {
		t.Fatal(err)
	}
	if err := db.StaffMarkUnreachable(ctx, f.Club.ID, f.Staff.ID, first.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s, _ := db.StaffGet(ctx, f.Club.ID, f.Staff.ID)
	if s.UnreachableAt == nil || !s.UnreachableAt.Equal(first) || s.Reachable() {
		t.Fatalf("unreachable_at %v, want the first failure %v", s.UnreachableAt, first)
	}

	was, err = db.StaffMarkReachable(ctx, f.Club.ID, f.Staff.ID)
	if err != nil || !was || outbox() != 1 {
		t.Fatalf("coming back: was=%v err=%v outbox=%d", was, err, outbox())
	}
	// A second update from them changes nothing more.
	was, err = db.StaffMarkReachable(ctx, f.Club.ID, f.Staff.ID)
	if err != nil || was || outbox() != 1 {
		t.Fatalf("second update: was=%v err=%v outbox=%d", was, err, outbox())
	}

	other := pgtest.NewClub(t, db, "beta")
	if err := db.StaffMarkUnreachable(ctx, other.Club.ID, f.Staff.ID, first); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unreachable in another club: %v", err)
	}
	if _, err := db.StaffMarkReachable(ctx, other.Club.ID, f.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("reachable in another club: %v", err)
	}
}

func TestStaffLeastLoaded(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	f := pgtest.NewClub(t, db, "alpha") // Staff and Colleague have role staff; Staff has the lower id
	ctx := context.Background()
	assign := func(staffID int64, n int) []int64 {
		t.Helper()
		var ids []int64
		for range n {
			task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"],
				Title: "Job", AuthorID: f.Manager.ID, AssigneeID: staffID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, task.ID)
		}
		return ids
	}
	least := func() int64 {
		t.Helper()
		id, err := db.StaffLeastLoaded(ctx, f.Club.ID, domain.RoleStaff)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	if got := least(); got != f.Staff.ID {
		t.Fatalf("tie: got %d, want the lower id %d", got, f.Staff.ID)
	}
	staffTasks := assign(f.Staff.ID, 2)
	assign(f.Colleague.ID, 1)
	if got := least(); got != f.Colleague.ID {
		t.Fatalf("got %d, want colleague %d (1 open task vs 2)", got, f.Colleague.ID)
	}
	// Closed and deleted tasks do not count.
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, staffTasks[0])
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, staffTasks[1])
	if got := least(); got != f.Staff.ID {
		t.Fatalf("got %d, want staff %d with no open tasks", got, f.Staff.ID)
	}
	// Unreachable still counts; inactive does not.
	pgtest.MarkUnreachable(t, db, f.Staff.ID, time.Now())
	if got := least(); got != f.Staff.ID {
		t.Fatalf("unreachable staff skipped")
	}
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, f.Staff.ID)
	if got := least(); got != f.Colleague.ID {
		t.Fatalf("inactive staff picked")
	}
	// The role must match exactly.
	if id, err := db.StaffLeastLoaded(ctx, f.Club.ID, domain.RoleManager); err != nil || id != f.Manager.ID {
		t.Fatalf("manager: %d %v", id, err)
	}
	if _, err := db.StaffLeastLoaded(ctx, f.Club.ID, domain.RoleOwner); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no owner: %v", err)
	}
	if _, err := db.StaffLeastLoaded(ctx, f.Club.ID, "boss"); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("bad role: %v", err)
	}
	// Another club's staff are never picked, nor this club's tasks counted there.
	other := pgtest.NewClub(t, db, "beta")
	if id, err := db.StaffLeastLoaded(ctx, other.Club.ID, domain.RoleStaff); err != nil || id != other.Staff.ID {
		t.Fatalf("other club: %d %v", id, err)
	}
}

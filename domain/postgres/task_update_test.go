package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func newCall(t *testing.T, db *postgres.DB, f pgtest.Fixture, assignee int64, due *time.Time) domain.Task {
	t.Helper()
	task, err := db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"],
		ClientID: f.Clients[0], AuthorID: f.Manager.ID, AssigneeID: assignee, DueAt: due})
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	return task
}

// Many people take the same task at once: exactly one wins, everyone else
// is told who.
func TestTaskTakeRace(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	task := newCall(t, db, f, 0, nil)
	takers := []domain.Staff{f.Staff, f.Colleague, f.Manager}
	var wg sync.WaitGroup
	errs := make([]error, len(takers))
	for i, s := range takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.TaskTake(ctx, f.Club.ID, task.ID, s)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case domain.ErrorCode(err) != domain.CodeTaskTaken:
			t.Fatalf("loser got %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d takers won", won)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE current_task_id = $1`, task.ID); n != 1 {
		t.Fatalf("%d current holders", n)
	}
}

func TestTaskTakeRefusals(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	colleagues := newCall(t, db, f, f.Colleague.ID, nil)
	if _, err := db.TaskTake(ctx, f.Club.ID, colleagues.ID, f.Staff); domain.ErrorCode(err) != domain.CodeTaskNotYours {
		t.Fatalf("someone else's: %v", err)
	}
	if _, err := db.TaskTake(ctx, f.Club.ID, colleagues.ID, other.Manager); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another club's manager: %v", err)
	}
	if _, err := db.TaskTake(ctx, other.Club.ID, colleagues.ID, other.Manager); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("through another club: %v", err)
	}
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, colleagues.ID)
	if _, err := db.TaskTake(ctx, f.Club.ID, colleagues.ID, f.Manager); domain.ErrorCode(err) != domain.CodeTaskClosed {
		t.Fatalf("closed: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE current_task_id IS NOT NULL`); n != 0 {
		t.Fatal("a refused take set a current task")
	}
}

func TestTaskChanges(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	due := testNow.Add(24 * time.Hour)
	task := newCall(t, db, f, f.Staff.ID, &due)
	if _, err := db.TaskReminderSet(ctx, f.Club.ID, task.ID, f.Staff, ptr(due.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}

	// Reschedule moves the reminder along and re-plans it through the outbox.
	newDue := due.Add(48 * time.Hour)
	got, err := db.TaskReschedule(ctx, f.Club.ID, task.ID, f.Staff, &newDue)
	if err != nil || !got.DueAt.Equal(newDue) || !got.RemindAt.Equal(newDue.Add(-time.Hour)) {
		t.Fatalf("reschedule: %+v, %v", got, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`); n != 2 {
		t.Fatalf("task.rescheduled rows: %d", n)
	}
	past := testNow.Add(-time.Minute)
	if _, err := db.TaskReschedule(ctx, f.Club.ID, task.ID, f.Staff, &past); domain.ErrorCode(err) != domain.CodeDueInPast {
		t.Fatalf("past due: %v", err)
	}

	long := strings.Repeat("ж", domain.MaxTitleLen+1)
	if _, err := db.TaskEdit(ctx, f.Club.ID, task.ID, f.Staff, postgres.TaskEditInput{Title: &long}); domain.ErrorCode(err) != domain.CodeTooLong {
		t.Fatalf("long title: %v", err)
	}
	title := "  New title  "
	if got, err := db.TaskEdit(ctx, f.Club.ID, task.ID, f.Staff, postgres.TaskEditInput{Title: &title}); err != nil || got.Title != "New title" {
		t.Fatalf("edit: %+v, %v", got, err)
	}

	// Only managers reassign; only to active staff of the club.
	if _, err := db.TaskReassign(ctx, f.Club.ID, task.ID, f.Staff, f.Colleague.ID); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("staff reassign: %v", err)
	}
	if _, err := db.TaskReassign(ctx, f.Club.ID, task.ID, f.Manager, other.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("other club's assignee: %v", err)
	}
	if _, err := db.TaskReassign(ctx, f.Club.ID, task.ID, f.Manager, f.Colleague.ID); err != nil {
		t.Fatalf("reassign: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned' AND (payload->>'staff_id')::bigint = $1`, f.Colleague.ID); n != 1 {
		t.Fatalf("task.assigned rows for the colleague: %d", n)
	}

	// Status: a client task cannot be closed without a result; cancel works.
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, task.ID, f.Manager, domain.StatusDone); domain.ErrorCode(err) != domain.CodeResultRequired {
		t.Fatalf("done without result: %v", err)
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, task.ID, f.Manager, domain.Status("archived")); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("unknown status: %v", err)
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, task.ID, f.Colleague, domain.StatusCancelled); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	// A closed task refuses edits of its schedule and assignee.
	if _, err := db.TaskReschedule(ctx, f.Club.ID, task.ID, f.Manager, &newDue); domain.ErrorCode(err) != domain.CodeTaskClosed {
		t.Fatalf("reschedule closed: %v", err)
	}
	if _, err := db.TaskReassign(ctx, f.Club.ID, task.ID, f.Manager, f.Staff.ID); domain.ErrorCode(err) != domain.CodeTaskClosed {
		t.Fatalf("reassign closed: %v", err)
	}

	// Every change through another club is not found, and changes nothing.
	for name, err := range map[string]error{
		"status": func() error {
			_, err := db.TaskStatusSet(ctx, other.Club.ID, task.ID, other.Manager, domain.StatusInProgress)
			return err
		}(),
		"delete": db.TaskDelete(ctx, other.Club.ID, task.ID, other.Manager),
		"reschedule": func() error {
			_, err := db.TaskReschedule(ctx, other.Club.ID, task.ID, other.Manager, &newDue)
			return err
		}(),
		"edit": func() error {
			_, err := db.TaskEdit(ctx, other.Club.ID, task.ID, other.Manager, postgres.TaskEditInput{Title: &title})
			return err
		}(),
		"reassign": func() error { _, err := db.TaskReassign(ctx, other.Club.ID, task.ID, other.Manager, 0); return err }(),
		"forged club": func() error {
			_, err := db.TaskStatusSet(ctx, f.Club.ID, task.ID, other.Manager, domain.StatusInProgress)
			return err
		}(),
	} {
		if !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s through another club: %v", name, err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND status = 'cancelled' AND deleted_at IS NULL`, task.ID); n != 1 {
		t.Fatal("another club changed the task")
	}

	// Soft delete: gone for reads, kept in the table.
	if err := db.TaskDelete(ctx, f.Club.ID, task.ID, f.Manager); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := db.TaskGet(ctx, f.Club.ID, task.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleted task read: %v", err)
	}
	if err := db.TaskDelete(ctx, f.Club.ID, task.ID, f.Manager); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestTaskListsAndControl(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	overdue := newCall(t, db, f, f.Staff.ID, ptr(testNow.Add(-time.Hour)))
	later := newCall(t, db, f, f.Staff.ID, ptr(testNow.Add(30*time.Hour)))
	noDue := newCall(t, db, f, f.Staff.ID, nil)
	newCall(t, db, f, 0, ptr(testNow.Add(-2*time.Hour))) // unassigned, overdue
	if _, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"],
		Title: "100% _done_", AssigneeID: f.Colleague.ID}); err != nil {
		t.Fatal(err)
	}
	// Another club's staff id must not see this club's tasks.
	page, err := db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: other.Club.ID, AssigneeID: f.Staff.ID, Now: testNow, Loc: kyiv})
	if err != nil || page.Total != 0 {
		t.Fatalf("through another club: %+v, %v", page, err)
	}

	page, err = db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: f.Club.ID, AssigneeID: f.Staff.ID, Now: testNow, Loc: kyiv, Limit: 2})
	if err != nil || page.Total != 3 || len(page.Lines) != 2 || page.Lines[0].ID != overdue.ID || page.Lines[1].ID != later.ID {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, _ = db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: f.Club.ID, AssigneeID: f.Staff.ID, Now: testNow, Loc: kyiv, Offset: 2, Limit: 2})
	if len(page.Lines) != 1 || page.Lines[0].ID != noDue.ID {
		t.Fatalf("second page: %+v", page)
	}
	page, _ = db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: f.Club.ID, AssigneeID: f.Staff.ID, Filter: postgres.TaskFilterOverdue, Now: testNow, Loc: kyiv})
	if page.Total != 1 || page.Lines[0].ID != overdue.ID {
		t.Fatalf("overdue: %+v", page)
	}
	if _, err := db.TaskListMine(ctx, postgres.TaskListQuery{ClubID: f.Club.ID, Filter: "soon", Now: testNow}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("bad filter: %v", err)
	}

	// Search treats % and _ literally and stays in the club.
	hits, err := db.TaskSearch(ctx, f.Club.ID, "100%", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("search 100%%: %+v, %v", hits, err)
	}
	if hits, _ := db.TaskSearch(ctx, f.Club.ID, "%", 10); len(hits) != 1 {
		t.Fatalf("search %%: %d hits, want the one title with a percent sign", len(hits))
	}
	if hits, _ := db.TaskSearch(ctx, other.Club.ID, "100%", 10); len(hits) != 0 {
		t.Fatalf("another club found %d", len(hits))
	}
	if _, err := db.TaskSearch(ctx, f.Club.ID, "  ", 10); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("empty search: %v", err)
	}

	sum, err := db.ControlSummaryGet(ctx, f.Club.ID, testNow, kyiv)
	if err != nil {
		t.Fatal(err)
	}
	loads := map[int64]postgres.StaffLoad{}
	for _, l := range sum.Staff {
		loads[l.StaffID] = l
	}
	if l := loads[f.Staff.ID]; l.Open != 3 || l.Overdue != 1 || sum.Unassigned != 1 || sum.UnassignedOverdue != 1 || len(sum.Staff) != 3 {
		t.Fatalf("summary: %+v", sum)
	}
	list, err := db.ControlListGet(ctx, f.Club.ID, postgres.ControlOverdue, testNow, 0, 10)
	if err != nil || list.Total != 2 {
		t.Fatalf("overdue list: %+v, %v", list, err)
	}
	if _, err := db.ControlListGet(ctx, f.Club.ID, "everything", testNow, 0, 10); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("bad list: %v", err)
	}
}

func TestStaffIdentify(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	s, c, err := db.StaffIdentify(ctx, f.Staff.TelegramID)
	if err != nil || s.ID != f.Staff.ID || c.ID != f.Club.ID || c.TimeZone != "Europe/Kyiv" || s.Language != domain.LangRU {
		t.Fatalf("identify: %+v %+v %v", s, c, err)
	}
	if _, _, err := db.StaffIdentify(ctx, 424242); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, f.Staff.ID)
	if _, _, err := db.StaffIdentify(ctx, f.Staff.TelegramID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deactivated: %v", err)
	}
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, f.Club.ID)
	if _, _, err := db.StaffIdentify(ctx, f.Manager.TelegramID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleted club: %v", err)
	}
}

func TestTaskEditRefusesClosedTask(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water", AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, task.ID, f.Manager, domain.StatusCancelled); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	title := "Rewritten after the fact"
	if _, err := db.TaskEdit(ctx, f.Club.ID, task.ID, f.Manager, postgres.TaskEditInput{Title: &title}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("edit of a cancelled task: got %v, want a conflict", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Order water'`, task.ID); n != 1 {
		t.Fatal("a closed task's title changed")
	}
}

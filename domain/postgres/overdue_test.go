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

// dueTask inserts an open internal task of f's club due at due, assigned to
// assignee (0: unassigned), and returns its id.
func dueTask(t *testing.T, db *postgres.DB, f pgtest.Fixture, assignee int64, title string, due time.Time) int64 {
	t.Helper()
	var id int64
	err := db.Pool().QueryRow(context.Background(), `
INSERT INTO tasks (club_id, task_type, template_id, title, author_id, assignee_id, due_at)
VALUES ($1, 'internal', $2, $3, $4, nullif($5, 0), $6) RETURNING id`,
		f.Club.ID, f.Templates["internal"], title, f.Manager.ID, assignee, due).Scan(&id)
	if err != nil {
		t.Fatalf("insert task: %v", err)
	}
	return id
}

func TestOverdueListPending(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	gone := pgtest.NewClub(t, db, "gamma")
	ctx := context.Background()

	dueTask(t, db, f, f.Staff.ID, "a", testNow.Add(-time.Hour))
	dueTask(t, db, f, f.Staff.ID, "b", testNow.Add(-time.Minute))
	dueTask(t, db, f, f.Colleague.ID, "c", testNow.Add(-48*time.Hour))
	dueTask(t, db, f, 0, "unassigned", testNow.Add(-time.Hour))
	dueTask(t, db, other, other.Staff.ID, "other club", testNow.Add(-time.Hour))
	dueTask(t, db, f, f.Staff.ID, "due exactly now: not yet overdue", testNow)
	dueTask(t, db, f, f.Staff.ID, "future", testNow.Add(time.Minute))
	told := dueTask(t, db, f, f.Staff.ID, "told", testNow.Add(-time.Hour))
	done := dueTask(t, db, f, f.Staff.ID, "done", testNow.Add(-time.Hour))
	deleted := dueTask(t, db, f, f.Staff.ID, "deleted", testNow.Add(-time.Hour))
	dueTask(t, db, gone, gone.Staff.ID, "deleted club", testNow.Add(-time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET overdue_notified_at = $2 WHERE id = $1`, told, testNow.Add(-time.Minute))
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, gone.Club.ID)

	got, err := db.OverdueListPending(ctx, testNow)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	want := map[[2]int64]int{
		{f.Club.ID, f.Staff.ID}:         2,
		{f.Club.ID, f.Colleague.ID}:     1,
		{f.Club.ID, 0}:                  1,
		{other.Club.ID, other.Staff.ID}: 1,
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %v", got, want)
	}
	for _, g := range got {
		if want[[2]int64{g.ClubID, g.StaffID}] != g.Tasks {
			t.Errorf("group %+v, want %d tasks", g, want[[2]int64{g.ClubID, g.StaffID}])
		}
	}
}

func TestOverdueClaim(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	slot := testNow

	var mine []int64
	for i, title := range []string{"first", "second", "third"} {
		mine = append(mine, dueTask(t, db, f, f.Staff.ID, title, testNow.Add(-time.Duration(3-i)*time.Hour)))
	}
	colleagues := dueTask(t, db, f, f.Colleague.ID, "colleague's", testNow.Add(-time.Hour))
	unassigned := dueTask(t, db, f, 0, "nobody's", testNow.Add(-time.Hour))
	notYet := dueTask(t, db, f, f.Staff.ID, "not yet", testNow.Add(time.Hour))
	var client int64
	if err := db.Pool().QueryRow(ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, assignee_id, due_at)
VALUES ($1, 'personal_call', $2, 'Call back', $3, $4, $5) RETURNING id`,
		f.Club.ID, f.Templates["call"], f.Clients[0], f.Staff.ID, testNow.Add(-10*time.Minute)).Scan(&client); err != nil {
		t.Fatalf("insert call: %v", err)
	}

	n, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot, 3)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	if n.Total != 4 || len(n.Tasks) != 3 {
		t.Fatalf("notice: total %d, %d listed; want 4, 3", n.Total, len(n.Tasks))
	}
	for i, id := range mine {
		if n.Tasks[i].ID != id {
			t.Errorf("line %d is task %d, want %d (earliest due first)", i, n.Tasks[i].ID, id)
		}
	}
	all, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot, 10)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if all.Total != 4 || all.Tasks[3].ID != client || all.Tasks[3].ClientName != "Олена Петренко" {
		t.Fatalf("a retry of the slot must find the same notice: %+v", all)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = ANY($1) AND overdue_notified_at IS NULL`,
		[]int64{colleagues, unassigned, notYet}); n != 3 {
		t.Fatalf("claim marked other people's or future tasks")
	}

	// The next slot finds nothing new for this person...
	next, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot.Add(time.Minute), 10)
	if err != nil || next.Total != 0 {
		t.Fatalf("next slot: %+v, %v", next, err)
	}
	// ...until a task passes its due time: it is in the next notice only.
	pgtest.Exec(t, db, `UPDATE tasks SET due_at = $2 WHERE id = $1`, notYet, slot.Add(time.Minute+30*time.Second))
	later, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot.Add(2*time.Minute), 10)
	if err != nil || later.Total != 1 || later.Tasks[0].ID != notYet {
		t.Fatalf("later slot: %+v, %v", later, err)
	}

	// A task closed after it was told drops out of a retried notice.
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, mine[0])
	if again, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot, 10); err != nil || again.Total != 3 {
		t.Fatalf("retry after a close: %+v, %v", again, err)
	}

	// Staff 0 marks the unassigned tasks and returns nothing to send.
	none, err := db.OverdueClaim(ctx, f.Club.ID, 0, slot, 10)
	if err != nil || none.Total != 0 || len(none.Tasks) != 0 {
		t.Fatalf("unassigned: %+v, %v", none, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at = $2`, unassigned, slot); n != 1 {
		t.Fatalf("unassigned task not marked")
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at IS NULL`, colleagues); n != 1 {
		t.Fatalf("staff 0 marked an assigned task")
	}

	if _, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot, 0); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("limit 0: error = %v, want ErrInvalid", err)
	}
	// Another club's staff id marks nothing of this club.
	other := pgtest.NewClub(t, db, "beta")
	if n, err := db.OverdueClaim(ctx, other.Club.ID, f.Colleague.ID, slot, 10); err != nil || n.Total != 0 {
		t.Fatalf("forged club: %+v, %v", n, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at IS NULL`, colleagues); n != 1 {
		t.Fatalf("a forged club id marked a task")
	}
}

// A claimed notice is unsent (and listed for the sweep to enqueue again)
// until OverdueMarkSent; a late run of its slot after it went out adds nothing
// to it, and the task it would have added goes into the next slot's notice.
func TestOverdueNoticeUnsentUntilSent(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	slot := testNow
	dueTask(t, db, f, f.Staff.ID, "first", testNow.Add(-time.Hour))
	dueTask(t, db, f, 0, "nobody's", testNow.Add(-time.Hour))
	gone := pgtest.NewClub(t, db, "gone")
	dueTask(t, db, gone, gone.Staff.ID, "gone club's", testNow.Add(-time.Hour))

	for _, c := range []struct {
		f     pgtest.Fixture
		staff int64
	}{{f, f.Staff.ID}, {f, 0}, {gone, gone.Staff.ID}} {
		if _, err := db.OverdueClaim(ctx, c.f.Club.ID, c.staff, slot, 10); err != nil {
			t.Fatal(err)
		}
	}
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, gone.Club.ID)
	unsent, err := db.OverdueListUnsent(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := postgres.OverdueNoticeKey{ClubID: f.Club.ID, StaffID: f.Staff.ID, Slot: slot}
	if len(unsent) != 1 || unsent[0].ClubID != want.ClubID || unsent[0].StaffID != want.StaffID || !unsent[0].Slot.Equal(slot) {
		t.Fatalf("unsent = %+v, want only %+v (no notice for nobody, none of a deleted club)", unsent, want)
	}

	if err := db.OverdueMarkSent(ctx, f.Club.ID, f.Staff.ID, slot, testNow); err != nil {
		t.Fatal(err)
	}
	if unsent, err := db.OverdueListUnsent(ctx, 100); err != nil || len(unsent) != 0 {
		t.Fatalf("unsent after sent: %+v, %v", unsent, err)
	}
	// A task handed to this person, overdue before the slot: a late run of
	// the slot whose notice went out neither lists nor marks it...
	handed := dueTask(t, db, f, f.Staff.ID, "handed over", testNow.Add(-30*time.Minute))
	if late, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot, 10); err != nil || late.Total != 0 {
		t.Fatalf("late run of a sent slot: %+v, %v", late, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at IS NULL`, handed); n != 1 {
		t.Fatalf("a late run of a sent slot marked a task")
	}
	// ...the next slot tells about it.
	next, err := db.OverdueClaim(ctx, f.Club.ID, f.Staff.ID, slot.Add(time.Minute), 10)
	if err != nil || next.Total != 1 || next.Tasks[0].ID != handed {
		t.Fatalf("next slot: %+v, %v", next, err)
	}

	// Sent notices are pruned by age; unsent ones never are.
	if n, err := db.OverdueNoticesPrune(ctx, testNow.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v; want 1", n, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM overdue_notices`); n != 2 {
		t.Fatalf("%d notices left, want the 2 unsent", n)
	}
}

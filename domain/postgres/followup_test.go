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

// A result's workflow run again (the job delivered twice) finds the
// follow-up the first run created and returns that task as it was created;
// another club cannot run it.
func TestFollowupRunAgainReturnsTheSameTask(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	club := planApply(t, db, planText(t, "fu")).ClubID
	other := planApply(t, db, planText(t, "fu-other")).ClubID

	var clientID, staffID, callID, thinkingID int64
	q := db.Pool()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(q.QueryRow(ctx, `INSERT INTO clients (club_id, name) VALUES ($1, 'Ivan') RETURNING id`, club).Scan(&clientID))
	must(q.QueryRow(ctx, `INSERT INTO staff (club_id, name, role) VALUES ($1, 'Olena', 'owner') RETURNING id`, club).Scan(&staffID))
	must(q.QueryRow(ctx, `SELECT id FROM templates WHERE club_id = $1 AND key = 'call'`, club).Scan(&callID))
	must(q.QueryRow(ctx, `SELECT id FROM results WHERE club_id = $1 AND key = 'thinking'`, club).Scan(&thinkingID))
	olena, err := db.StaffGet(ctx, club, staffID)
	must(err)
	call, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club, TemplateID: callID, ClientID: clientID,
		AuthorID: staffID, AssigneeID: staffID})
	must(err)
	rec, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: club, TaskID: call.ID, ResultID: thinkingID, Actor: olena})
	must(err)

	now := time.Date(2030, 1, 10, 12, 0, 0, 0, time.UTC)
	first, err := db.FollowupCreate(ctx, club, rec.TaskResultID, now)
	must(err)
	if first.Outcome != postgres.FollowupCreated || first.Task.ID == 0 {
		t.Fatalf("first run: %+v, want a created follow-up", first)
	}
	again, err := db.FollowupCreate(ctx, club, rec.TaskResultID, now.Add(time.Minute))
	must(err)
	if again.Outcome != postgres.FollowupExisted {
		t.Fatalf("second run: outcome %q, want %q", again.Outcome, postgres.FollowupExisted)
	}
	a, b := first.Task, again.Task
	if a.ID != b.ID || a.ClubID != b.ClubID || a.Type != b.Type || a.TemplateID != b.TemplateID || a.Title != b.Title ||
		a.Description != b.Description || a.ClientID != b.ClientID || a.ParentID != b.ParentID || a.AuthorID != b.AuthorID ||
		a.AssigneeID != b.AssigneeID || a.Status != b.Status || a.ResultID != b.ResultID || b.DoneAt != nil ||
		!sameTime(a.DueAt, b.DueAt) || !sameTime(a.RemindAt, b.RemindAt) ||
		!a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		t.Errorf("second run returned\n%+v\nthe first created\n%+v", b, a)
	}
	if b.ClientID != clientID || b.AssigneeID != staffID || b.Status != domain.StatusNew {
		t.Errorf("follow-up: client %d assignee %d status %q, want client %d assignee %d status new", b.ClientID, b.AssigneeID, b.Status, clientID, staffID)
	}

	if _, err := db.FollowupCreate(ctx, other, rec.TaskResultID, now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another club runs the result's workflow: %v, want ErrNotFound", err)
	}
	if _, err := db.FollowupCreate(ctx, club, rec.TaskResultID+1000, now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a forged result id: %v, want ErrNotFound", err)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

package postgres_test

import (
	"context"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestTakeConditionMatchesMayTake checks that the SQL the conditional take
// re-checks (takeCondition) and domain.MayTake agree on every combination of
// task type, status, assignee and role: the race check is the same rule.
func TestTakeConditionMatchesMayTake(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	const actorID, otherID = 5, 6
	n := 0
	for _, typ := range domain.TaskTypes {
		for _, status := range []domain.Status{domain.StatusNew, domain.StatusInProgress, domain.StatusDone, domain.StatusCancelled} {
			for _, assignee := range []int64{0, actorID, otherID} {
				for _, role := range []domain.Role{domain.RoleStaff, domain.RoleManager, domain.RoleOwner} {
					actor := domain.Staff{ID: actorID, ClubID: 1, Role: role, Active: true}
					task := domain.Task{ClubID: 1, Type: typ, Status: status, AssigneeID: assignee}
					got, err := db.TakeConditionHolds(ctx, string(typ), string(status), assignee, actorID, actor.IsManager())
					if err != nil {
						t.Fatal(err)
					}
					if want := domain.MayTake(actor, task); got != want {
						t.Errorf("%s %s assignee %d, %s: SQL says %v, domain.MayTake %v", typ, status, assignee, role, got, want)
					}
					n++
				}
			}
		}
	}
	if n != 144 {
		t.Fatalf("checked %d combinations", n)
	}
}

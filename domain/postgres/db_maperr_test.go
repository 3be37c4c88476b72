package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Text PostgreSQL cannot store (a NUL byte, in text or in JSON) is bad input
// from the user: the edge must see ErrInvalid and say so, not a raw pgx
// error it can only report as a failure of the service.
func TestUnstorableTextIsInvalid(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()

	_, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
		ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order\x00water", AuthorID: f.Staff.ID,
	})
	if !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("title with NUL: got %v, want ErrInvalid", err)
	}

	_, err = db.ConversationSave(ctx, postgres.Conversation{
		ClubID: f.Club.ID, StaffID: f.Staff.ID, Flow: "task_new", Step: "title",
		Data: []byte(`{"title":"a\u0000b"}`), ExpiresAt: testNow.Add(60 * 60 * 1e9),
	})
	if !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("conversation data with \\u0000: got %v, want ErrInvalid", err)
	}
}

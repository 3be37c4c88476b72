package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Text PostgreSQL cannot store carries the rule code "text_invalid", the
// one domain.Client's validation uses, so the bot can say what is wrong
// with what was typed instead of a generic refusal.
func TestUnstorableTextHasItsCode(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()

	_, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
		ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order\x00water", AuthorID: f.Staff.ID,
	})
	if code := domain.ErrorCode(err); code != domain.CodeTextInvalid {
		t.Errorf("title with NUL: got %v (code %q), want text_invalid", err, code)
	}
	_, err = db.ConversationSave(ctx, postgres.Conversation{
		ClubID: f.Club.ID, StaffID: f.Staff.ID, Flow: "task_new", Step: "title",
		Data: []byte(`{"title":"a\u0000b"}`), ExpiresAt: testNow.Add(time.Hour),
	})
	if code := domain.ErrorCode(err); code != domain.CodeTextInvalid {
		t.Errorf("conversation data with \\u0000: got %v (code %q), want text_invalid", err, code)
	}
	_, err = db.ClientSearch(ctx, f.Club.ID, "Pe\x00tro", 10)
	if code := domain.ErrorCode(err); code != domain.CodeTextInvalid {
		t.Errorf("search with NUL: got %v (code %q), want text_invalid", err, code)
	}
}

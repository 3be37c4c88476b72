package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestConversationLifecycle(t *testing.T) {
	t.Parallel()
	now := testNow
	clock := clocktest.New(now)
	db := pgtest.New(t, postgres.WithClock(clock))
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()

	if _, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no conversation yet: got %v, want ErrNotFound", err)
	}
	c := postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "result", Step: "pick",
		Data: json.RawMessage(`{"task_id": 7}`), MessageID: 42, ExpiresAt: now.Add(time.Hour)}
	v1, err := db.ConversationSave(ctx, c)
	if err != nil || v1 != 1 {
		t.Fatalf("start: version %d, %v", v1, err)
	}
	got, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Flow != "result" || got.Step != "pick" || got.MessageID != 42 || got.Version != 1 || string(got.Data) != `{"task_id": 7}` {
		t.Fatalf("stored: %+v", got)
	}

	// Advancing from the version read works once; the second save from the
	// same read (a double tap, another replica) is refused.
	got.Step = "fields"
	v2, err := db.ConversationSave(ctx, got)
	if err != nil || v2 != 2 {
		t.Fatalf("advance: version %d, %v", v2, err)
	}
	got.Step = "confirm"
	if _, err := db.ConversationSave(ctx, got); !errors.Is(err, domain.ErrConflict) || domain.ErrorCode(err) != domain.CodeConversationStale {
		t.Fatalf("stale save: got %v, want conversation_stale conflict", err)
	}
	if cur, _ := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); cur.Step != "fields" {
		t.Fatalf("stale save changed the step to %q", cur.Step)
	}

	// Starting another form replaces the old one and keeps versions growing,
	// so the old form's buttons (version 2) never match the new one.
	v3, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "new_task", Step: "template", ExpiresAt: now.Add(time.Hour)})
	if err != nil || v3 != 3 {
		t.Fatalf("replace: version %d, %v", v3, err)
	}
	if cur, _ := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); cur.Flow != "new_task" || string(cur.Data) != `{}` || cur.MessageID != 0 {
		t.Fatalf("replaced: %+v", cur)
	}

	// Expired is absent, and cannot be advanced.
	now = clock.Advance(2 * time.Hour)
	if _, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("expired: got %v, want ErrNotFound", err)
	}
	if _, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "new_task", Step: "x", Version: 3, ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("save of an expired conversation: got %v, want ErrConflict", err)
	}

	// An ended form is gone for the bot, and the next form does not start
	// its versions again: the ended form's buttons never match it.
	v4, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "new_task", Step: "template", ExpiresAt: now.Add(time.Hour)})
	if err != nil || v4 <= v3 {
		t.Fatalf("start after expiry: version %d (after %d), %v", v4, v3, err)
	}
	if err := db.ConversationEnd(ctx, f.Club.ID, f.Staff.ID); err != nil {
		t.Fatalf("end: %v", err)
	}
	if _, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ended: got %v, want ErrNotFound", err)
	}
	v5, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "new_task", Step: "template", ExpiresAt: now.Add(time.Hour)})
	if err != nil || v5 <= v4 {
		t.Fatalf("start after end: version %d (after %d), %v", v5, v4, err)
	}
}

// Versions are unique across every form of every staff member, and survive
// a row's deletion: no two states ever share a version.
func TestConversationVersionsNeverRepeat(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	seen := map[int]bool{}
	for _, staffID := range []int64{f.Staff.ID, f.Colleague.ID, f.Staff.ID} {
		v, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: staffID, ClubID: f.Club.ID, Flow: "new", Step: "template", ExpiresAt: testNow.Add(time.Hour)})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		if seen[v] {
			t.Fatalf("version %d given twice", v)
		}
		seen[v] = true
		pgtest.Exec(t, db, `DELETE FROM conversations WHERE staff_id = $1`, staffID)
	}
}

func TestConversationIsolatedByClub(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	c := postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "result", Step: "pick", ExpiresAt: testNow.Add(time.Hour)}
	if _, err := db.ConversationSave(ctx, c); err != nil {
		t.Fatalf("save: %v", err)
	}
	if _, err := db.ConversationGet(ctx, other.Club.ID, f.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("read through another club: got %v, want ErrNotFound", err)
	}
	// A save naming a staff member of another club stores nothing.
	forged := postgres.Conversation{StaffID: f.Staff.ID, ClubID: other.Club.ID, Flow: "x", Step: "y", ExpiresAt: testNow.Add(time.Hour)}
	if _, err := db.ConversationSave(ctx, forged); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("save into another club: got %v, want ErrNotFound", err)
	}
	if err := db.ConversationEnd(ctx, other.Club.ID, f.Staff.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); err != nil {
		t.Fatalf("delete through another club removed the conversation: %v", err)
	}
	if _, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "x", Step: "y", Data: json.RawMessage(`{bad`), ExpiresAt: testNow.Add(time.Hour)}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("bad JSON: got %v, want ErrInvalid", err)
	}
}

// The bot stores a screen's state, then sends it: recording the message
// takes no new version, and a screen that never went out puts the state
// before it back, under its own version.
func TestConversationMessageRestoreClaim(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	get := func() postgres.Conversation {
		t.Helper()
		c, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		return c
	}
	c := postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "new", Step: "template", ExpiresAt: testNow.Add(time.Hour)}
	v1, err := db.ConversationSave(ctx, c)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := db.ConversationSetMessage(ctx, f.Club.ID, f.Staff.ID, v1, 10); err != nil {
		t.Fatalf("set message: %v", err)
	}
	prev := get()
	if prev.MessageID != 10 || prev.Version != v1 {
		t.Fatalf("after set message: %+v", prev)
	}
	next := prev
	next.Step, next.Data = "client", json.RawMessage(`{"q":"x"}`)
	v2, err := db.ConversationSave(ctx, next)
	if err != nil {
		t.Fatalf("advance: %v", err)
	}
	// A message recorded for a version passed meanwhile changes nothing.
	if err := db.ConversationSetMessage(ctx, f.Club.ID, f.Staff.ID, v1, 99); err != nil || get().MessageID != 10 {
		t.Fatalf("set message of a passed version: %v, message %d", err, get().MessageID)
	}
	if err := db.ConversationRestore(ctx, prev, v2); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if got := get(); got.Version != v1 || got.Step != "template" || got.MessageID != 10 {
		t.Fatalf("restored: %+v", got)
	}

	// A claim outlives the form; a form that had no predecessor and whose
	// first screen failed ends.
	claim := get()
	claim.Step, claim.Claimed = "saving", v1
	if _, err := db.ConversationSave(ctx, claim); err != nil {
		t.Fatalf("claim: %v", err)
	}
	if err := db.ConversationEnd(ctx, f.Club.ID, f.Staff.ID); err != nil {
		t.Fatalf("end: %v", err)
	}
	for _, c := range []struct {
		flow    string
		version int
		want    bool
	}{{"new", v1, true}, {"call", v1, false}, {"new", v2, false}} {
		if got, err := db.ConversationClaimed(ctx, f.Club.ID, f.Staff.ID, c.flow, c.version); err != nil || got != c.want {
			t.Fatalf("claimed %s %d: %v, %v; want %v", c.flow, c.version, got, err, c.want)
		}
	}
	v3, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "call", Step: "client", ExpiresAt: testNow.Add(time.Hour)})
	if err != nil {
		t.Fatalf("start again: %v", err)
	}
	if err := db.ConversationNoteLongText(ctx, f.Club.ID, f.Staff.ID, testNow); err != nil || !get().LongTextAt.Equal(testNow) {
		t.Fatalf("note long text: %v, %v", err, get().LongTextAt)
	}
	if err := db.ConversationRestore(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID}, v3); err != nil {
		t.Fatalf("restore to none: %v", err)
	}
	if _, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("restore to none left a live form: %v", err)
	}
}

// Message ids are 64-bit: Viber's message tokens (about 5·10^18) are
// stored as they are, for a form's message and a bulk call's progress
// message. (A parameter typed by nullif($n, 0) alone would be int4.)
func TestMessageIDsBeyond32Bits(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, postgres.WithClock(clocktest.New(testNow)))
	f := pgtest.NewClub(t, db, "alpha")
	ctx := context.Background()
	const token int64 = 5_100_000_000_000_000_013
	v, err := db.ConversationSave(ctx, postgres.Conversation{StaffID: f.Staff.ID, ClubID: f.Club.ID, Flow: "result", Step: "pick",
		Data: json.RawMessage(`{}`), MessageID: token, ExpiresAt: testNow.Add(time.Hour)})
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if err := db.ConversationSetMessage(ctx, f.Club.ID, f.Staff.ID, v, token+2); err != nil {
		t.Fatalf("set message: %v", err)
	}
	if got, err := db.ConversationGet(ctx, f.Club.ID, f.Staff.ID); err != nil || got.MessageID != token+2 {
		t.Fatalf("stored message id %d, %v", got.MessageID, err)
	}
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"], Title: "Leads",
		ClientIDs: f.Clients, AuthorID: f.Manager.ID, ProgressMessageID: token})
	if err != nil {
		t.Fatalf("bulk call with a Viber progress message: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM bulk_calls WHERE task_id = $1 AND progress_message_id = $2`, bulk.ID, token); n != 1 {
		t.Fatal("progress message id not stored")
	}
}

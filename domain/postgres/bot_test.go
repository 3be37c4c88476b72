package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// botNew is a bot to add whose "sealed" values name the row id they were
// sealed for, so a test can see that BotAdd bound them to the right row.
func botNew(clubID int64, channel, token string) postgres.BotNew {
	h := sha256.Sum256([]byte(token)) // the store takes any 32-byte hash
	return postgres.BotNew{ClubID: clubID, Channel: channel, Username: "club_bot", TokenHash: h[:],
		Seal: func(id int64) ([]byte, []byte, error) {
			return []byte(fmt.Sprintf("token-for-%d", id)), []byte(fmt.Sprintf("secret-for-%d", id)), nil
		}}
}

func TestBotAddListGetRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	a := pgtest.NewClub(t, db, "a").Club.ID
	b := pgtest.NewClub(t, db, "b").Club.ID

	bot, err := db.BotAdd(ctx, botNew(a, postgres.BotChannelTelegram, "1:a"))
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	if bot.ID == 0 || bot.ClubID != a || bot.CreatedAt.IsZero() || bot.RemovedAt != nil {
		t.Fatalf("added %+v", bot)
	}
	if want := fmt.Sprintf("token-for-%d", bot.ID); string(bot.TokenEnc) != want {
		t.Fatalf("sealed for another id: %q, want %q", bot.TokenEnc, want)
	}
	got, err := db.BotGet(ctx, bot.ID)
	if err != nil || got.ClubID != a || string(got.WebhookSecretEnc) != fmt.Sprintf("secret-for-%d", bot.ID) || got.Username != "club_bot" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if got, err := db.BotByClub(ctx, a, postgres.BotChannelTelegram); err != nil || got.ID != bot.ID {
		t.Fatalf("by club: %+v, %v", got, err)
	}
	// The other club has none: the default bot serves it.
	if _, err := db.BotByClub(ctx, b, postgres.BotChannelTelegram); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("club b by club: %v, want not found", err)
	}
	if _, err := db.BotByClub(ctx, a, postgres.BotChannelViber); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("club a on viber: %v, want not found", err)
	}
	bb, err := db.BotAdd(ctx, botNew(b, postgres.BotChannelTelegram, "2:b"))
	if err != nil {
		t.Fatalf("add b: %v", err)
	}
	live, err := db.BotListLive(ctx)
	if err != nil || len(live) != 2 || live[0].ID != bot.ID || live[1].ID != bb.ID || !bytes.Equal(live[1].TokenHash, bb.TokenHash) {
		t.Fatalf("live: %+v, %v", live, err)
	}

	// Another club's bot id is not found, and nothing changes.
	if _, err := db.BotRemove(ctx, b, bot.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("remove another club's bot: %v, want not found", err)
	}
	if _, err := db.BotRemove(ctx, a, 999999); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("remove no bot: %v, want not found", err)
	}
	removed, err := db.BotRemove(ctx, a, bot.ID)
	if err != nil || removed.RemovedAt == nil {
		t.Fatalf("remove: %+v, %v", removed, err)
	}
	if again, err := db.BotRemove(ctx, a, bot.ID); err != nil || !again.RemovedAt.Equal(*removed.RemovedAt) {
		t.Fatalf("remove twice: %+v, %v", again, err)
	}
	if _, err := db.BotGet(ctx, bot.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("get removed: %v, want not found", err)
	}
	if _, err := db.BotByClub(ctx, a, postgres.BotChannelTelegram); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("by club after remove: %v, want not found", err)
	}
	if live, _ := db.BotListLive(ctx); len(live) != 1 || live[0].ID != bb.ID {
		t.Fatalf("live after remove: %+v", live)
	}

	// Removed, the same token can come back (to this club or another).
	back, err := db.BotAdd(ctx, botNew(a, postgres.BotChannelTelegram, "1:a"))
	if err != nil || back.ID == bot.ID {
		t.Fatalf("add again after remove: %+v, %v", back, err)
	}
	list, err := db.BotList(ctx, a)
	if err != nil || len(list) != 2 || list[0].RemovedAt == nil || list[1].RemovedAt != nil {
		t.Fatalf("club a's list: %+v, %v", list, err)
	}

	// A deleted club's bot is not loaded, nor found by id.
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, b)
	if _, err := db.BotGet(ctx, bb.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("get a deleted club's bot: %v", err)
	}
	if live, _ := db.BotListLive(ctx); len(live) != 1 || live[0].ID != back.ID {
		t.Fatalf("live with a deleted club: %+v", live)
	}
}

func TestBotAddRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	a := pgtest.NewClub(t, db, "a").Club.ID
	b := pgtest.NewClub(t, db, "b").Club.ID
	if _, err := db.BotAdd(ctx, botNew(a, postgres.BotChannelTelegram, "1:a")); err != nil {
		t.Fatal(err)
	}
	before := pgtest.Count(t, db, `SELECT count(*) FROM bots`)
	sealErr := botNew(b, postgres.BotChannelTelegram, "3:c")
	sealErr.Seal = func(int64) ([]byte, []byte, error) { return nil, nil, errors.New("no key") }

	tests := []struct {
		name     string
		n        postgres.BotNew
		kind     error
		code     domain.Code
		notFound bool
	}{
		{"token of another club", botNew(b, postgres.BotChannelTelegram, "1:a"), domain.ErrConflict, domain.CodeBotTokenTaken, false},
		{"token of another club on another channel", botNew(b, postgres.BotChannelViber, "1:a"), domain.ErrConflict, domain.CodeBotTokenTaken, false},
		{"second bot of the club", botNew(a, postgres.BotChannelTelegram, "2:other"), domain.ErrConflict, domain.CodeBotExists, false},
		{"the club's own token again", botNew(a, postgres.BotChannelTelegram, "1:a"), domain.ErrConflict, domain.CodeBotExists, false},
		{"unknown channel", botNew(a, "sms", "4:d"), domain.ErrInvalid, domain.CodeBotChannelInvalid, false},
		{"unknown club", botNew(424242, postgres.BotChannelTelegram, "5:e"), domain.ErrNotFound, "", true},
		{"seal fails", sealErr, nil, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.BotAdd(ctx, tc.n)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("error %v, want %v", err, tc.kind)
			}
			if got := domain.ErrorCode(err); got != tc.code {
				t.Errorf("code %q, want %q (%v)", got, tc.code, err)
			}
		})
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM bots`); n != before {
		t.Fatalf("refusals wrote %d rows", n-before)
	}
	// The club on another channel is a different slot.
	if _, err := db.BotAdd(ctx, botNew(a, postgres.BotChannelViber, "6:viber")); err != nil {
		t.Fatalf("a viber bot next to a telegram one: %v", err)
	}
}

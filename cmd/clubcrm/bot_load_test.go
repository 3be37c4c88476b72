package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/secret"
)

// loadBots is all or nothing: a missing or wrong key, or a row that does
// not open, is one error naming the bot and no bot at all.
func TestLoadBotsRefusesWhatDoesNotOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newBotSetup(t)
	box, _ := secret.New(testSecretsKey)
	other, _ := secret.New(hex.EncodeToString(bytes.Repeat([]byte{1}, 32)))

	if bots, err := loadBots(ctx, s.db, nil); err != nil || bots != nil {
		t.Fatalf("no bots, no key: %+v, %v", bots, err)
	}
	add := func(club int64, token string) int64 {
		t.Helper()
		b, err := s.db.BotAdd(ctx, postgres.BotNew{ClubID: club, Channel: postgres.BotChannelTelegram, Username: "club_bot",
			TokenHash: box.Hash([]byte(token)),
			Seal: func(id int64) ([]byte, []byte, error) {
				enc, _ := box.Seal([]byte(token), secret.RowAAD("bots", id, "token_enc"))
				hook, _ := box.Seal([]byte("hook"), secret.RowAAD("bots", id, "webhook_secret_enc"))
				return enc, hook, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	idA := add(s.a, "7000002:first-secret")
	idB := add(s.b, "7000003:second-secret")
	if bots, err := loadBots(ctx, s.db, box); err != nil || len(bots) != 2 || bots[1].Token.Reveal() != "7000003:second-secret" {
		t.Fatalf("loadBots: %+v, %v", bots, err)
	}
	check := func(name string, box *secret.Box, want string) {
		t.Helper()
		bots, err := loadBots(ctx, s.db, box)
		if err == nil || bots != nil {
			t.Fatalf("%s: loaded %+v", name, bots)
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%s: %q, want one line with %q", name, err, want)
		}
		noToken(t, "7000002:first-secret", err.Error())
		noToken(t, "7000003:second-secret", err.Error())
	}
	check("no key", nil, fmt.Sprintf("2 club bot(s) are stored (bot %d first) but SECRETS_KEY is not set", idA))
	check("another key", other, fmt.Sprintf("bot %d of club %d: its token does not open with this SECRETS_KEY (sealed under another SECRETS_KEY)", idA, s.a))

	// Club b's sealed token copied onto club a's row does not open there.
	pgtest.Exec(t, s.db, `UPDATE bots SET token_enc = (SELECT token_enc FROM bots WHERE id = $2) WHERE id = $1`, idA, idB)
	check("a token moved to another row", box, fmt.Sprintf("bot %d of club %d: its token does not open", idA, s.a))
	// Nor does an altered one.
	pgtest.Exec(t, s.db, `UPDATE bots SET token_enc = overlay(token_enc placing '\x00'::bytea from 20 for 1) WHERE id = $1`, idB)
	pgtest.Exec(t, s.db, `UPDATE bots SET removed_at = now() WHERE id = $1`, idA)
	check("an altered token", box, fmt.Sprintf("bot %d of club %d: its token does not open with this SECRETS_KEY (sealed secret does not open", idB, s.b))
	// The webhook secret is checked too.
	pgtest.Exec(t, s.db, `UPDATE bots SET removed_at = now() WHERE id = $1`, idB)
	idC := add(s.b, "7000004:third-secret")
	pgtest.Exec(t, s.db, `UPDATE bots SET webhook_secret_enc = token_enc WHERE id = $1`, idC)
	check("the token in the webhook secret's column", box, fmt.Sprintf("bot %d of club %d: its webhook secret does not open", idC, s.b))
	// A hash that is not the token's would let a second club add the same bot.
	pgtest.Exec(t, s.db, `UPDATE bots SET removed_at = now() WHERE id = $1`, idC)
	idD := add(s.b, "7000005:fourth-secret")
	pgtest.Exec(t, s.db, `UPDATE bots SET token_hash = $2 WHERE id = $1`, idD, box.Hash([]byte("7000006:other")))
	check("a hash of another token", box, fmt.Sprintf("bot %d of club %d: its token does not match its stored hash", idD, s.b))
}

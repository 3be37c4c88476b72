package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/secret"
)

func TestBotRemoveThenAdd(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	a, b := fmt.Sprint(s.a), fmt.Sprint(s.b)
	if _, errOut, err := runCmdStdin(t, s.env, telegramtest.Token, "bot", "add", "--club", a); err != nil {
		t.Fatalf("add: %v\n%s", err, errOut)
	}
	id := fmt.Sprint(pgtest.Count(t, s.db, `SELECT id FROM bots WHERE club_id = $1`, s.a))

	// Another club's bot id is not found, and nothing changes.
	_, _, err := runCmd(t, s.env, "bot", "remove", "--club", b, "--bot", id)
	if err == nil || !strings.Contains(err.Error(), "club "+b+" has no bot "+id) {
		t.Fatalf("remove with another club: %v", err)
	}
	for args, want := range map[string]string{
		"bot remove --club " + a:               "--bot ID is required",
		"bot remove --bot " + id:               "--club ID is required",
		"bot remove --club " + a + " extra":    "takes no arguments",
		"bot list extra":                       "takes no arguments",
		"bot list --club -1":                   "--club must be a club's id",
		"bot remove --club 424242 --bot " + id: "there is no club with id 424242",
	} {
		if _, _, err := runCmd(t, s.env, strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM bots WHERE removed_at IS NULL`); n != 1 {
		t.Fatalf("%d live bots after refused removals", n)
	}

	// Removing needs no key; the club falls back to the default bot.
	out, _, err := runCmd(t, s.with("SECRETS_KEY", ""), "bot", "remove", "--club", a, "--bot", id)
	if err != nil || out != "bot "+id+" (@"+telegramtest.BotUsername+") removed: club "+a+" is served by the deployment's default bot\n" {
		t.Fatalf("remove: %v %q", err, out)
	}
	if _, err := s.db.BotByClub(context.Background(), s.a, postgres.BotChannelTelegram); err == nil {
		t.Fatal("club a still has a bot")
	}
	out, _, _ = runCmd(t, s.env, "bot", "list", "--club", a)
	if !strings.Contains(out, "removed ") {
		t.Fatalf("the club's list does not show the removed bot:\n%s", out)
	}
	if out, _, _ := runCmd(t, s.env, "bot", "list"); strings.Contains(out, "@") {
		t.Fatalf("the live list shows a removed bot:\n%s", out)
	}

	// The token is free again: for another club, or back for this one after that.
	if _, errOut, err := runCmdStdin(t, s.env, telegramtest.Token, "bot", "add", "--club", b); err != nil {
		t.Fatalf("add to club b after removal: %v\n%s", err, errOut)
	}
	idB := fmt.Sprint(pgtest.Count(t, s.db, `SELECT id FROM bots WHERE club_id = $1`, s.b))
	if _, _, err := runCmd(t, s.env, "bot", "remove", "--club", b, "--bot", idB); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCmdStdin(t, s.env, telegramtest.Token, "bot", "add", "--club", a); err != nil {
		t.Fatalf("add to club a again: %v\n%s", err, errOut)
	}
	box, _ := secret.New(testSecretsKey)
	bots, err := loadBots(context.Background(), s.db, box)
	if err != nil || len(bots) != 1 || bots[0].ClubID != s.a {
		t.Fatalf("loadBots: %+v, %v", bots, err)
	}
}

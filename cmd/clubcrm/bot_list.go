package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

const botListUsage = "bot list [--club ID]"

// runBotList is `clubcrm bot list`: every club's live bot, or with --club
// that club's bots, removed ones included. It shows ids, usernames and
// webhook paths, never a token, and needs no SECRETS_KEY.
func runBotList(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("bot list", flag.ContinueOnError)
	club := fs.Int64("club", 0, "only this club's `ID` (its removed bots too); left out, every club's live bot")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("bot list takes no arguments (usage: clubcrm %s)", botListUsage)
	case *club < 0:
		return usagef("bot list: --club must be a club's id (usage: clubcrm %s)", botListUsage)
	}
	show := func(bots []postgres.Bot) error {
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tCLUB\tCHANNEL\tUSERNAME\tWEBHOOK PATH\tCREATED\tSTATUS")
		for _, b := range bots {
			status := "live"
			if b.RemovedAt != nil {
				status = "removed " + b.RemovedAt.UTC().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%d\t%d\t%s\t@%s\t%s\t%s\t%s\n", b.ID, b.ClubID, b.Channel, b.Username, botWebhookPath(b.ID),
				b.CreatedAt.UTC().Format("2006-01-02 15:04"), status)
		}
		return w.Flush()
	}
	if *club == 0 {
		db, err := openAdminDB(ctx, e, "bot list")
		if err != nil {
			return err
		}
		defer db.Close()
		bots, err := db.BotListLive(ctx)
		if err != nil {
			return fmt.Errorf("bot list: %w", err)
		}
		return show(bots)
	}
	return withClubDB(ctx, e, "bot list", *club, func(db *postgres.DB) error {
		bots, err := db.BotList(ctx, *club)
		if err != nil {
			return fmt.Errorf("bot list: %w", err)
		}
		return show(bots)
	})
}

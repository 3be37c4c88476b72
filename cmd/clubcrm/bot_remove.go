package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const botRemoveUsage = "bot remove --club ID --bot ID"

// runBotRemove is `clubcrm bot remove`: the club's own bot stops serving it
// and the deployment's default bot serves it again; the bot's token is free
// for another club. Its row stays (sealed) for `bot list --club`.
func runBotRemove(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("bot remove", flag.ContinueOnError)
	club := fs.Int64("club", 0, "the club's `ID`")
	botID := fs.Int64("bot", 0, "the bot's `ID`, from bot list")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("bot remove takes no arguments (usage: clubcrm %s)", botRemoveUsage)
	case *club <= 0:
		return usagef("bot remove: --club ID is required (usage: clubcrm %s)", botRemoveUsage)
	case *botID <= 0:
		return usagef("bot remove: --bot ID is required (usage: clubcrm %s)", botRemoveUsage)
	}
	return withClubDB(ctx, e, "bot remove", *club, func(db *postgres.DB) error {
		b, err := db.BotRemove(ctx, *club, *botID)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("bot remove: club %d has no bot %d (see `clubcrm bot list --club %d`)", *club, *botID, *club)
		}
		if err != nil {
			return fmt.Errorf("bot remove: %w", err)
		}
		fmt.Fprintf(e.stdout, "bot %d (@%s) removed: club %d is served by the deployment's default bot\n", b.ID, b.Username, b.ClubID)
		return nil
	})
}

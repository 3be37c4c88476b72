package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const phoneSecretListUsage = "phone secret list --club ID"

// runPhoneSecretList is `clubcrm phone secret list`: the provider the
// club's phone secret is set for and when, or that none is set. It never
// prints the secret, not even a part of it, and needs no SECRETS_KEY.
func runPhoneSecretList(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("phone secret list", flag.ContinueOnError)
	club := fs.Int64("club", 0, "the club's `ID`")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("phone secret list takes no arguments (usage: clubcrm %s)", phoneSecretListUsage)
	case *club <= 0:
		return usagef("phone secret list: --club ID is required (usage: clubcrm %s)", phoneSecretListUsage)
	}
	return withClubDB(ctx, e, "phone secret list", *club, func(db *postgres.DB) error {
		s, err := db.PhoneSecretInfo(ctx, *club)
		if errors.Is(err, domain.ErrNotFound) {
			fmt.Fprintf(e.stdout, "club %d: no phone secret is set; signed notifications are refused (`clubcrm %s`)\n", *club, phoneSecretSetUsage)
			return nil
		}
		if err != nil {
			return fmt.Errorf("phone secret list: %w", err)
		}
		fmt.Fprintf(e.stdout, "club %d: a %s secret is set (%s UTC)\n", *club, s.Provider, s.UpdatedAt.UTC().Format("2006-01-02 15:04"))
		return nil
	})
}

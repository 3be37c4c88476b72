package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const phoneSecretRemoveUsage = "phone secret remove --club ID --provider P"

// runPhoneSecretRemove is `clubcrm phone secret remove`: it deletes the
// club's phone secret set for the provider. From then on the provider's
// signed notifications for the club are refused (422
// phone_secret_missing) as before one was set. None set for that provider
// is one line and exit status 1. It needs no SECRETS_KEY.
func runPhoneSecretRemove(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("phone secret remove", flag.ContinueOnError)
	club := fs.Int64("club", 0, "the club's `ID`")
	provider := fs.String("provider", "", "the phone system the secret was set for: "+strings.Join(inbound.Providers, ", "))
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("phone secret remove takes no arguments (usage: clubcrm %s)", phoneSecretRemoveUsage)
	case *club <= 0:
		return usagef("phone secret remove: --club ID is required (usage: clubcrm %s)", phoneSecretRemoveUsage)
	case !slices.Contains(inbound.Providers, *provider):
		return usagef("phone secret remove: --provider must be one of %s (usage: clubcrm %s)", strings.Join(inbound.Providers, ", "), phoneSecretRemoveUsage)
	}
	return withClubDB(ctx, e, "phone secret remove", *club, func(db *postgres.DB) error {
		err := db.PhoneSecretRemove(ctx, *club, *provider)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("phone secret remove: club %d has no %s secret (see `clubcrm phone secret list --club %d`)", *club, *provider, *club)
		}
		if err != nil {
			return fmt.Errorf("phone secret remove: %w", err)
		}
		fmt.Fprintf(e.stdout, "club %d: the %s secret is removed; its signed notifications are refused until `clubcrm phone secret set` stores another\n", *club, *provider)
		return nil
	})
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const (
	apikeyCreateUsage = "apikey create --club ID --name NAME"
	apikeyListUsage   = "apikey list --club ID"
	apikeyRevokeUsage = "apikey revoke --club ID --id KEY_ID"
)

// apikeyFlags parses the flags the apikey commands share.
func apikeyFlags(e *cmdEnv, name, usage string, args []string, withName, withID bool) (clubID int64, keyName string, keyID int64, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	club := fs.Int64("club", 0, "the club's id")
	var n *string
	if withName {
		n = fs.String("name", "", "what the key is for (e.g. \"site form\", \"Binotel\")")
	}
	var id *int64
	if withID {
		id = fs.Int64("id", 0, "the key's id, from apikey list")
	}
	if err := e.parseFlags(fs, args); err != nil {
		return 0, "", 0, err
	}
	usage = "usage: clubcrm " + usage
	switch {
	case fs.NArg() > 0:
		return 0, "", 0, usagef("%s takes no arguments (%s)", name, usage)
	case *club <= 0:
		return 0, "", 0, usagef("%s: --club ID is required (%s)", name, usage)
	case withName && *n == "":
		return 0, "", 0, usagef("%s: --name is required (%s)", name, usage)
	case withID && *id <= 0:
		return 0, "", 0, usagef("%s: --id KEY_ID is required (%s)", name, usage)
	}
	if withName {
		keyName = *n
	}
	if withID {
		keyID = *id
	}
	return *club, keyName, keyID, nil
}

// withClubDB opens the database and checks the club exists, for an admin command.
func withClubDB(ctx context.Context, e *cmdEnv, cmd string, clubID int64, fn func(*postgres.DB) error) error {
	db, err := openAdminDB(ctx, e, cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := commandClub(ctx, db, cmd, clubID); err != nil {
		return err
	}
	return fn(db)
}

// runAPIKeyCreate is `clubcrm apikey create`: it prints a new key for the
// club's inbound API once; only its hash is stored, so it cannot be shown
// again (revoke it and create another if it is lost).
func runAPIKeyCreate(ctx context.Context, e *cmdEnv, args []string) error {
	clubID, name, _, err := apikeyFlags(e, "apikey create", apikeyCreateUsage, args, true, false)
	if err != nil {
		return err
	}
	return withClubDB(ctx, e, "apikey create", clubID, func(db *postgres.DB) error {
		key, k, err := db.APIKeyCreate(ctx, clubID, name)
		if err != nil {
			return fmt.Errorf("apikey create: %w", err)
		}
		fmt.Fprintln(e.stdout, key)
		fmt.Fprintf(e.stderr, "API key %d (%q) created for club %d. It is shown only now: store it where the sender keeps secrets.\n", k.ID, k.Name, clubID)
		return nil
	})
}

// runAPIKeyList is `clubcrm apikey list`: the club's keys, revoked ones
// marked, by id, name and the key's first characters.
func runAPIKeyList(ctx context.Context, e *cmdEnv, args []string) error {
	clubID, _, _, err := apikeyFlags(e, "apikey list", apikeyListUsage, args, false, false)
	if err != nil {
		return err
	}
	return withClubDB(ctx, e, "apikey list", clubID, func(db *postgres.DB) error {
		keys, err := db.APIKeyList(ctx, clubID)
		if err != nil {
			return fmt.Errorf("apikey list: %w", err)
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tKEY\tCREATED\tSTATUS")
		for _, k := range keys {
			status := "active"
			if k.RevokedAt != nil {
				status = "revoked " + k.RevokedAt.UTC().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%d\t%s\t%s…\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.CreatedAt.UTC().Format("2006-01-02 15:04"), status)
		}
		return w.Flush()
	})
}

// runAPIKeyRevoke is `clubcrm apikey revoke`: from now on the key is refused.
func runAPIKeyRevoke(ctx context.Context, e *cmdEnv, args []string) error {
	clubID, _, keyID, err := apikeyFlags(e, "apikey revoke", apikeyRevokeUsage, args, false, true)
	if err != nil {
		return err
	}
	return withClubDB(ctx, e, "apikey revoke", clubID, func(db *postgres.DB) error {
		err := db.APIKeyRevoke(ctx, clubID, keyID)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("apikey revoke: club %d has no API key %d", clubID, keyID)
		}
		if err != nil {
			return fmt.Errorf("apikey revoke: %w", err)
		}
		fmt.Fprintf(e.stdout, "API key %d revoked.\n", keyID)
		return nil
	})
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/secret"
)

const phoneSecretSetUsage = "phone secret set --club ID --provider zadarma < SECRET_FILE (or CLUBCRM_PHONE_SECRET=...)"

// maxPhoneSecret bounds the secret phone secret set reads.
const maxPhoneSecret = 1024

// runPhoneSecretSet is `clubcrm phone secret set`: it stores the club's
// phone-system signing secret (Zadarma's API secret) sealed with
// SECRETS_KEY, bound to the club and the provider. The secret comes from
// CLUBCRM_PHONE_SECRET or else the first line of standard input, never a
// flag (shell history, ps), and is never printed or logged. The plan file
// keeps only the provider and the lines.
func runPhoneSecretSet(ctx context.Context, e *cmdEnv, args []string) error {
	for _, a := range args {
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == "secret" {
			return usagef("phone secret set takes no --secret: give the secret on standard input or in CLUBCRM_PHONE_SECRET, so that it stays out of shell history and ps (usage: clubcrm %s)", phoneSecretSetUsage)
		}
	}
	fs := flag.NewFlagSet("phone secret set", flag.ContinueOnError)
	club := fs.Int64("club", 0, "the club's `ID`")
	provider := fs.String("provider", "", "the club's phone system: "+strings.Join(inbound.Providers, ", "))
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		// Not echoed: a secret pasted as an argument must not reach the output.
		return usagef("phone secret set takes no arguments; the secret goes on standard input or in CLUBCRM_PHONE_SECRET (usage: clubcrm %s)", phoneSecretSetUsage)
	case *club <= 0:
		return usagef("phone secret set: --club ID is required (usage: clubcrm %s)", phoneSecretSetUsage)
	case !slices.Contains(inbound.Providers, *provider):
		return usagef("phone secret set: --provider must be one of %s (usage: clubcrm %s)", strings.Join(inbound.Providers, ", "), phoneSecretSetUsage)
	}
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	box, err := secret.New(cfg.SecretsKey) // its errors name SECRETS_KEY, never its value
	if err != nil {
		return fmt.Errorf("phone secret set: %w", err)
	}
	value, err := readPhoneSecret(e, cfg, *club)
	if err != nil {
		return err
	}
	return withClubDB(ctx, e, "phone secret set", *club, func(db *postgres.DB) error {
		// One key for every sealed value: under another, the clubs' bots
		// would not open next to this secret.
		if _, err := loadBots(ctx, db, box); err != nil {
			return fmt.Errorf("phone secret set: SECRETS_KEY must be the key the stored bots were added with: %w", err)
		}
		if err := checkPhoneSecrets(ctx, db, box); err != nil {
			return fmt.Errorf("phone secret set: SECRETS_KEY must be the key the stored phone secrets were set with: %w", err)
		}
		sealed, err := box.Seal([]byte(value), postgres.PhoneSecretAAD(*club, *provider))
		if err != nil {
			return fmt.Errorf("phone secret set: %w", err)
		}
		if err := db.PhoneSecretSet(ctx, *club, postgres.PhoneSecret{Provider: *provider, Sealed: sealed}); err != nil {
			return fmt.Errorf("phone secret set: %w", err)
		}
		fmt.Fprintf(e.stdout, "club %d: the %s signing secret is stored sealed; the plan's phone: section names only the provider and the lines\n", *club, *provider)
		return nil
	})
}

// readPhoneSecret takes the secret from CLUBCRM_PHONE_SECRET or else the
// first line of standard input, asking for it when standard input is a
// terminal.
func readPhoneSecret(e *cmdEnv, cfg config, clubID int64) (string, error) {
	value := strings.TrimSpace(cfg.PhoneSecret)
	if value == "" && e.stdin != nil {
		if f, ok := e.stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				fmt.Fprintf(e.stderr, "Paste club %d's phone-system secret and press Enter: ", clubID)
			}
		}
		line, err := bufio.NewReader(io.LimitReader(e.stdin, maxPhoneSecret+1)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("phone secret set: read the secret from standard input: %w", err)
		}
		if len(line) > maxPhoneSecret {
			return "", fmt.Errorf("phone secret set: the first line of standard input is longer than %d bytes; that is not a signing secret", maxPhoneSecret)
		}
		value = strings.TrimSpace(line)
	}
	if value == "" {
		return "", errors.New("phone secret set: no secret: give it on standard input (`clubcrm phone secret set --club ID --provider zadarma < secret.txt`) or in CLUBCRM_PHONE_SECRET")
	}
	return value, nil
}

// checkPhoneSecrets opens every stored phone secret with box (nil: no
// SECRETS_KEY) and returns the first that does not open, naming the club
// and SECRETS_KEY, never a value. The process runs it before it starts:
// a key that cannot check the clubs' signed notifications stops it with
// one line, as for the clubs' bots.
func checkPhoneSecrets(ctx context.Context, db *postgres.DB, box *secret.Box) error {
	rows, err := db.PhoneSecretList(ctx)
	if err != nil {
		return fmt.Errorf("check the phone secrets: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	if box == nil {
		return fmt.Errorf("check the phone secrets: %d club phone secret(s) are stored (club %d first) but SECRETS_KEY is not set; set the key they were stored with", len(rows), rows[0].ClubID)
	}
	for _, r := range rows {
		if _, err := box.Open(r.Sealed, postgres.PhoneSecretAAD(r.ClubID, r.Provider)); err != nil {
			return fmt.Errorf("check the phone secrets: club %d's %s secret does not open with this SECRETS_KEY (%w)", r.ClubID, r.Provider, err)
		}
	}
	return nil
}

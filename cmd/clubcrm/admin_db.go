package main

import (
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// openAdminDB opens the database for an admin command (club, staff, clients,
// report, gen) and refuses, with one line that says what to do, a database
// that has not had every migration of this binary: on a fresh database the
// first query would otherwise fail with `relation "clubs" does not exist`.
// Admin commands do not migrate on their own: changing a production schema
// is `clubcrm migrate`'s (or serve's) job, done on purpose.
func openAdminDB(ctx context.Context, e *cmdEnv, cmd string) (*postgres.DB, error) {
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	pending, err := db.SchemaPending(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if len(pending) > 0 {
		db.Close()
		return nil, fmt.Errorf("%s: the database is not migrated (%d migration(s) pending, up to %05d): run `clubcrm migrate` first",
			cmd, len(pending), pending[len(pending)-1])
	}
	return db, nil
}

package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("migrate takes no arguments")
	}
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(res.Applied) == 0 {
		fmt.Fprintf(e.stdout, "schema is up to date (version %d)\n", res.Current)
		return nil
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s); schema version %d\n", len(res.Applied), res.Current)
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const genUsage = "gen --club ID [--tasks 1000000] [--clients 200000] [--staff 50] [--years 2] [--seed N]"

// runGen is `clubcrm gen`, a development and benchmark command: it fills an
// empty club with synthetic staff, clients, tasks, results, answers and
// calls (postgres.SyntheticFill), ending now, and stores the report
// figures of its whole past months (as `clubcrm report months` does).
func runGen(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	in := postgres.SyntheticInput{}
	fs.Int64Var(&in.ClubID, "club", 0, "the club's `ID` to fill (see clubcrm club list)")
	fs.IntVar(&in.Tasks, "tasks", 1_000_000, "how many tasks to generate")
	fs.IntVar(&in.Clients, "clients", 200_000, "how many clients to generate")
	fs.IntVar(&in.Staff, "staff", 50, "how many staff members to generate")
	fs.IntVar(&in.Years, "years", 2, "how many years of history the tasks spread over")
	fs.Int64Var(&in.Seed, "seed", 1, "random seed; the same seed gives the same data")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("gen: unexpected argument %q (usage: clubcrm %s)", fs.Arg(0), genUsage)
	}
	if in.ClubID <= 0 {
		return usagef("gen: --club ID is required (usage: clubcrm %s)", genUsage)
	}
	in.Now = time.Now()
	if err := in.Validate(); err != nil {
		return usagef("gen: %v", err)
	}
	db, err := openAdminDB(ctx, e, "gen")
	if err != nil {
		return err
	}
	defer db.Close()

	start := time.Now()
	res, err := db.SyntheticFill(ctx, in)
	var de *domain.Error
	if errors.As(err, &de) {
		return fmt.Errorf("gen: %s", de.Msg)
	}
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	fmt.Fprintf(e.stdout, "filled club %d in %s: %d staff, %d clients, %d tasks, %d results, %d answers, %d calls\n",
		in.ClubID, time.Since(start).Round(time.Second), res.Staff, res.Clients, res.Tasks, res.Results, res.FieldValues, res.Calls)
	// A report right after gen reads the past months stored, not every row.
	if err := storeReportMonths(ctx, db, in.ClubID, e.stdout); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const reportMonthsUsage = "report months --club ID"

// runReportMonths is `clubcrm report months --club ID`: it stores the
// report figures of the club's whole past months now (the scheduler does
// it every ten minutes), for an operator after an import, and prints how
// many months it stored. Reports are exact without them, only slower.
func runReportMonths(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("report months", flag.ContinueOnError)
	clubID := fs.Int64("club", 0, "the club's `ID` (see clubcrm club list)")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("report months: unexpected argument %q (usage: clubcrm %s)", fs.Arg(0), reportMonthsUsage)
	}
	if *clubID <= 0 {
		return usagef("report months: --club ID is required (usage: clubcrm %s)", reportMonthsUsage)
	}
	db, err := openAdminDB(ctx, e, "report months")
	if err != nil {
		return err
	}
	defer db.Close()
	return storeReportMonths(ctx, db, *clubID, e.stdout)
}

// storeReportMonthsRounds bounds the builds one command runs: 100 builds of
// 36 store 300 years of months, so only writers changing the past as fast
// as it is stored (a large import still running) reach it; the sweep then
// finishes the work.
const storeReportMonthsRounds = 100

// storeReportMonths stores every whole past month of the club, and every
// closed day of the month still going, that is missing or changed, a build
// (at most 36) at a time until one stores none, and prints how many it
// stored.
func storeReportMonths(ctx context.Context, db *postgres.DB, clubID int64, w io.Writer) error {
	start := time.Now()
	total := 0
	for round := 0; ; round++ {
		if round == storeReportMonthsRounds {
			fmt.Fprintf(w, "still changing after %d builds; the scheduler stores the rest\n", round)
			break
		}
		n, err := db.ReportMonthsBuild(ctx, clubID)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("report months: club %d not found", clubID)
		}
		if err != nil {
			return fmt.Errorf("report months: %w", err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	fmt.Fprintf(w, "stored %d report months of club %d in %s (whole months, and the closed days of the month still going)\n", total, clubID, time.Since(start).Round(time.Millisecond))
	return nil
}

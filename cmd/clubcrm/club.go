package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/clubcrm/clubcrm/domain/plan"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const clubApplyUsage = "club apply [--dry-run] PLAN.yaml"

// runClubApply is `clubcrm club apply [--dry-run] PLAN.yaml`: it makes one
// club match a plan file, printing each change, or "no changes", and then
// the club's id, which every other admin command takes. Every problem in
// the file (or between the file and the stored club) is printed as
// FILE:LINE:COL: message, and then nothing is written.
func runClubApply(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("club apply", flag.ContinueOnError)
	dryRun := fs.Bool("dry-run", false, "show what would change and write nothing")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("club apply takes one plan file (usage: clubcrm %s)", clubApplyUsage)
	}
	path := fs.Arg(0)
	data, err := readPlanFile(path)
	if err != nil {
		return err
	}
	p, err := plan.Parse(path, data)
	if err != nil {
		return planErrors(e, path, err)
	}
	db, err := openAdminDB(ctx, e, "club apply")
	if err != nil {
		return err
	}
	defer db.Close()
	changes, err := db.PlanApply(ctx, p, postgres.PlanApplyOptions{DryRun: *dryRun})
	if err != nil {
		return planErrors(e, path, err)
	}
	if changes.Empty() {
		fmt.Fprintln(e.stdout, "no changes")
	}
	for _, l := range changes.Lines {
		fmt.Fprintln(e.stdout, l)
	}
	if *dryRun && !changes.Empty() {
		fmt.Fprintf(e.stdout, "dry run: %d change(s) not written\n", len(changes.Lines))
	}
	if changes.ClubID != 0 {
		fmt.Fprintf(e.stdout, "club %s has id %d (use --club %d)\n", p.Club.Slug, changes.ClubID, changes.ClubID)
	}
	return nil
}

// readPlanFile reads a plan, refusing what is not a regular file of a
// plausible size before reading it whole.
func readPlanFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("club apply: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("club apply: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("club apply: %s is not a regular file", path)
	}
	if st.Size() > plan.MaxSize {
		return nil, fmt.Errorf("club apply: %s is %d bytes; a plan file may be at most %d", path, st.Size(), plan.MaxSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, plan.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("club apply: read %s: %w", path, err)
	}
	return data, nil
}

// planErrors prints each problem of a plan on its own line and returns one
// summary error; other errors pass through.
func planErrors(e *cmdEnv, path string, err error) error {
	var pe plan.Errors
	if !errors.As(err, &pe) {
		return err
	}
	for _, p := range pe {
		fmt.Fprintln(e.stderr, p.Error())
	}
	return fmt.Errorf("club apply: %d problem(s) in %s; nothing was written", len(pe), path)
}

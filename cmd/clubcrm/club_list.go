package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
)

const clubListUsage = "club list"

// runClubList is `clubcrm club list`: every club with the id the other admin
// commands take, its slug, name, time zone and how many active staff and
// clients it has.
func runClubList(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("club list", flag.ContinueOnError)
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("club list takes no arguments, got %q (usage: clubcrm %s)", fs.Arg(0), clubListUsage)
	}
	db, err := openAdminDB(ctx, e, "club list")
	if err != nil {
		return err
	}
	defer db.Close()
	clubs, err := db.ClubOverview(ctx)
	if err != nil {
		return fmt.Errorf("club list: %w", err)
	}
	if len(clubs) == 0 {
		fmt.Fprintln(e.stdout, "no clubs yet; create one with `clubcrm club apply PLAN.yaml`")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSLUG\tNAME\tTIME ZONE\tSTAFF\tCLIENTS")
	for _, c := range clubs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\n", c.ID, c.Slug, c.Name, c.TimeZone, c.Staff, c.Clients)
	}
	return tw.Flush()
}

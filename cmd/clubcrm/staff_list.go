package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
)

const staffListUsage = "staff list --club ID"

// runStaffList is `clubcrm staff list --club ID`: everyone who has been on
// the club's staff, the active first, with the id `staff deactivate` takes,
// their role, whether their Telegram account is linked and their open tasks.
func runStaffList(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("staff list", flag.ContinueOnError)
	clubID := fs.Int64("club", 0, "the club's `ID` (see clubcrm club list)")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("staff list takes no arguments, got %q (usage: clubcrm %s)", fs.Arg(0), staffListUsage)
	}
	if *clubID <= 0 {
		return usagef("staff list: --club ID is required (usage: clubcrm %s)", staffListUsage)
	}
	db, err := openAdminDB(ctx, e, "staff list")
	if err != nil {
		return err
	}
	defer db.Close()
	club, err := commandClub(ctx, db, "staff list", *clubID)
	if err != nil {
		return err
	}
	roster, err := db.StaffRoster(ctx, club.ID)
	if err != nil {
		return fmt.Errorf("staff list: %w", err)
	}
	if len(roster) == 0 {
		fmt.Fprintf(e.stdout, "%s has no staff yet; invite someone with `clubcrm staff invite --club %d --role owner`\n", club.Name, club.ID)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATUS\tTELEGRAM\tOPEN TASKS")
	for _, s := range roster {
		status := "active"
		if !s.Active {
			status = "deactivated"
		} else if s.UnreachableAt != nil {
			status = "active, unreachable"
		}
		tg := "linked"
		if s.TelegramID == 0 {
			tg = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", s.ID, s.Name, s.Role, status, tg, s.OpenTasks)
	}
	return tw.Flush()
}

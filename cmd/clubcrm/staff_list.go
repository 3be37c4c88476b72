package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const staffListUsage = "staff list --club ID"

// runStaffList is `clubcrm staff list --club ID`: everyone who has been on
// the club's staff, the active first, with the id `staff deactivate` takes,
// their role, their open tasks and the accounts they are reached through
// (channel, @username, the bot when it is a club's own, blocked ones).
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
	idents, err := db.IdentityList(ctx, club.ID)
	if err != nil {
		return fmt.Errorf("staff list: %w", err)
	}
	accounts := map[int64][]string{}
	for _, i := range idents {
		accounts[i.StaffID] = append(accounts[i.StaffID], identityLabel(i))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATUS\tOPEN TASKS\tACCOUNTS")
	for _, s := range roster {
		status := "active"
		if !s.Active {
			status = "deactivated"
		} else if s.UnreachableAt != nil {
			status = "active, unreachable"
		}
		acc := strings.Join(accounts[s.ID], ", ")
		if acc == "" {
			acc = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", s.ID, s.Name, s.Role, status, s.OpenTasks, acc)
	}
	return tw.Flush()
}

// identityLabel names an account for the operator: "telegram @olha",
// "viber", "telegram @olha (bot 7)", "... blocked". The ids themselves are
// left out: they say nothing to a person.
func identityLabel(i postgres.Identity) string {
	l := string(i.Address.Channel)
	if i.Username != "" {
		l += " @" + i.Username
	}
	if i.Address.Bot != chat.DefaultBot {
		l += fmt.Sprintf(" (bot %d)", i.Address.Bot)
	}
	if i.UnreachableAt != nil {
		l += " blocked"
	}
	return l
}

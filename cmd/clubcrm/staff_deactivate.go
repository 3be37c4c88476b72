package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
)

const staffDeactivateUsage = "staff deactivate --club ID --staff ID [--reassign-to ID]"

// runStaffDeactivate is `clubcrm staff deactivate`: it offboards someone who
// left (postgres.StaffDeactivate). Their open tasks go to --reassign-to, or
// are left unassigned for the managers to hand out; the bot treats them as
// a stranger from then on; their name stays on old tasks and in reports.
func runStaffDeactivate(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("staff deactivate", flag.ContinueOnError)
	clubID := fs.Int64("club", 0, "the club's `ID` (see clubcrm club list)")
	staffID := fs.Int64("staff", 0, "the `ID` of the person who left (see clubcrm staff list)")
	to := fs.Int64("reassign-to", 0, "the `ID` of an active staff member who gets their open tasks; left out, the tasks stay unassigned")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("staff deactivate takes no arguments, got %q (usage: clubcrm %s)", fs.Arg(0), staffDeactivateUsage)
	}
	if *clubID <= 0 || *staffID <= 0 {
		return usagef("staff deactivate: --club ID and --staff ID are required (usage: clubcrm %s)", staffDeactivateUsage)
	}
	if *to < 0 {
		return usagef("staff deactivate: --reassign-to must be a staff id (usage: clubcrm %s)", staffDeactivateUsage)
	}
	db, err := openAdminDB(ctx, e, "staff deactivate")
	if err != nil {
		return err
	}
	defer db.Close()
	club, err := commandClub(ctx, db, "staff deactivate", *clubID)
	if err != nil {
		return err
	}
	if _, err := db.StaffGet(ctx, club.ID, *staffID); errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("staff deactivate: %s has no staff member with id %d (see `clubcrm staff list --club %d`)", club.Name, *staffID, club.ID)
	}
	var heir domain.Staff
	if *to != 0 {
		heir, err = db.StaffGet(ctx, club.ID, *to)
		if errors.Is(err, domain.ErrNotFound) || err == nil && !heir.Active {
			return fmt.Errorf("staff deactivate: --reassign-to %d is not an active staff member of %s (see `clubcrm staff list --club %d`)", *to, club.Name, club.ID)
		}
		if err != nil {
			return fmt.Errorf("staff deactivate: %w", err)
		}
	}
	res, err := db.StaffDeactivate(ctx, club.ID, *staffID, *to, domain.Staff{})
	var de *domain.Error
	if errors.As(err, &de) {
		return fmt.Errorf("staff deactivate: %s", de.Msg)
	}
	if err != nil {
		return fmt.Errorf("staff deactivate: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s (id %d) is deactivated: the bot no longer lets them in\n", res.Staff.Name, res.Staff.ID)
	switch {
	case res.Tasks == 0:
		fmt.Fprintln(e.stdout, "they had no open tasks")
	case *to != 0:
		fmt.Fprintf(e.stdout, "%d open task(s) reassigned to %s (id %d)\n", res.Tasks, heir.Name, heir.ID)
	default:
		fmt.Fprintf(e.stdout, "%d open task(s) left unassigned: managers see them in /control\n", res.Tasks)
	}
	if res.InvitesRevoked > 0 {
		fmt.Fprintf(e.stdout, "%d unused invite(s) in their name revoked\n", res.InvitesRevoked)
	}
	return nil
}
